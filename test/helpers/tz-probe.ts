/**
 * Run in a child process with TZ set (jest's sandbox cannot change the process time zone): reads a zone-less DWS
 * time and runs the DWS failover preflight against the simulator at argv[2] for DR argv[4] of project argv[3].
 * Prints one JSON line: the zone offset, what parseCloudTime and Date.parse make of the example time, and the
 * preflight report.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { AuditStore } from '../../activities/audit';
import { parseCloudTime } from '../../activities/dws/api';
import { staticTokenAuth } from '../../activities/http/auth';
import { dwsSwitchoverInputSchema } from '../../domain/inputs';

async function main(): Promise<void> {
  const [url, projectId, drId] = process.argv.slice(2) as [string, string, string];
  const activities = createActivities({
    endpoints: { dcs: url, dws: url, drs: url },
    auth: staticTokenAuth('sim-token'),
    requestTimeoutMs: 5000,
    audit: {} as AuditStore,
  });
  const params = dwsSwitchoverInputSchema.parse({
    projectId,
    disasterRecoveryId: drId,
    mode: 'failover',
    maxDataLossSeconds: 300,
  });
  const preflight = await new MockActivityEnvironment().run(() => activities.dwsPreflight(params));
  const example = '2023-03-27 20:16:34';
  process.stdout.write(
    `${JSON.stringify({
      offsetMinutes: new Date(2023, 2, 27, 20, 16, 34).getTimezoneOffset(),
      parsed: parseCloudTime(example),
      dateParse: Date.parse(example),
      preflight,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
