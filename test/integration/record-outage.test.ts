/**
 * The audit store unavailable at record time, as long as a real outage lasts:
 * - representative: 5 minutes with the production timings (the run waits 120 s for its record, the record
 *   workflow retries up to 30 s apart), in skipped time on the time-skipping test server: the outage is measured
 *   on the server's clock, which the activity attempts are scheduled by;
 * - PostgreSQL behind a proxy that drops and refuses connections (a failover, as the worker's pool sees it), on
 *   the dev server (shortened through SWITCHOVER_RECORD_WAIT_SECONDS): the typed outcome is returned, a second run
 *   in between is refused by the cooldown (visibility), the row lands once when the database is back.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { createActivities } from '../../activities';
import {
  openAuditStore,
  type AuditAppendResult,
  type AuditStore,
  type JsonlAuditStore,
} from '../../activities/audit';
import { staticTokenAuth } from '../../activities/http/auth';
import { awaitOutcome } from '../../client';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { acceptedCount, waitFor } from '../../simulator/testing';
import { startTcpProxy } from '../helpers/outage';
import { postgresForTests, startTestPostgres, type TestPostgres } from '../helpers/postgres';
import {
  createSwitchoverTestEnv,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';
import { workflowBundle } from '../helpers/temporal';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 0.5, timeoutSeconds: 60 };
const FIVE_MINUTES = 5 * 60_000;

function rawLinesOf(file: string, runId: string): number {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes(`"runId":"${runId}"`)).length;
  } catch {
    return 0;
  }
}

describe('audit store down for 5 minutes at record time (JSONL, production timings, skipped time)', () => {
  let env: TestWorkflowEnvironment;
  let sim: RunningSimulator;
  let inner: AuditStore;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueId('record-outage');
  /** Server time of the first refused append; the store refuses appends until 5 minutes after it. */
  let outageFrom: number | undefined;
  const refused: number[] = [];

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    sim = await startSimulator({ quiet: true });
    inner = openAuditStore({
      backend: 'jsonl',
      file: path.join(mkdtempSync(path.join(os.tmpdir(), 'record-outage-')), 'audit.jsonl'),
    });
    const store: AuditStore = {
      backend: inner.backend,
      describe: () => inner.describe(),
      list: (query) => inner.list(query),
      close: () => inner.close(),
      async append(outcome): Promise<AuditAppendResult> {
        // The activity's attempt is scheduled by the server's clock (skipped time), like the outage.
        const at = Context.current().info.currentAttemptScheduledTimestampMs;
        outageFrom ??= at;
        if (at < outageFrom + FIVE_MINUTES) {
          refused.push(at);
          throw new Error(`${inner.describe()} is unavailable (test outage)`);
        }
        return inner.append(outcome);
      },
    };
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createActivities({
        endpoints: { dcs: sim.url, dws: sim.url, drs: sim.url },
        auth: staticTokenAuth('sim-token'),
        requestTimeoutMs: 3000,
        audit: store,
        // Production defaults: no recordWaitSeconds override (the workflow waits 120 s for its record).
      }),
    });
    running = worker.run();
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await sim?.close();
    await inner?.close();
  });

  test('the typed outcome is returned after the 120 s wait, flagged; the record lands once after the 5 minutes', async () => {
    const instanceId = uniqueId('redis');
    sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const handle = await env.client.workflow.start('dcsMasterStandbySwitchover', {
      taskQueue,
      workflowId: `dcs:${PROJECT}:${instanceId}`,
      args: [{ projectId: PROJECT, instanceId, ...FAST }],
    });
    const outcome = (await awaitOutcome(handle)) as SwitchoverOutcome;
    expect(outcome.status).toBe('succeeded');
    expect(outcome.notRecorded?.recordWorkflowId).toBe(`record:${outcome.workflowId}:${outcome.runId}`);
    expect(rawLinesOf((inner as JsonlAuditStore).file, outcome.runId)).toBe(0);
    expect(await acceptedCount(sim.url, instanceId)).toBe(1);

    const recorder = env.client.workflow.getHandle(outcome.notRecorded!.recordWorkflowId);
    expect(await recorder.result()).toBe('written');
    expect(rawLinesOf((inner as JsonlAuditStore).file, outcome.runId)).toBe(1);
    // The outage really lasted 5 minutes of the cluster's time, and every attempt in it was refused (alerted).
    expect(refused.length).toBeGreaterThan(10);
    expect(Math.max(...refused) - outageFrom!).toBeGreaterThanOrEqual(FIVE_MINUTES - 30_000);
    const stored = (await inner.list({ resource: instanceId }))[0];
    expect(stored).toMatchObject({ runId: outcome.runId, status: 'succeeded' });
    expect(stored!.notRecorded).toBeUndefined();
  }, 120_000);
});

const pg = postgresForTests();

pg.describe('PostgreSQL unavailable at record time (dev server)', () => {
  let server: TestPostgres | undefined;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let env: SwitchoverTestEnv;
  let databaseUrl: string;

  beforeAll(async () => {
    server = await startTestPostgres();
    databaseUrl = await server.createDatabase('record_outage');
    const url = new URL(databaseUrl);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    url.port = String(proxy.port);
    env = await createSwitchoverTestEnv({
      workerEnv: {
        SWITCHOVER_AUDIT_BACKEND: 'postgres',
        SWITCHOVER_AUDIT_DATABASE_URL: url.toString(),
        SWITCHOVER_RECORD_WAIT_SECONDS: '3',
        SWITCHOVER_COOLDOWN_MINUTES: '10',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await env?.close();
    await proxy?.close();
    await server?.stop();
  });

  async function rowsOf(runId: string): Promise<number> {
    const client = new PgClient({ connectionString: databaseUrl });
    await client.connect();
    try {
      const result = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM switchover_audit WHERE run_id = $1',
        [runId],
      );
      return Number(result.rows[0]!.n);
    } finally {
      await client.end();
    }
  }

  test('typed outcome returned, a second run refused by the cooldown meanwhile, the row lands once', async () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, ...FAST });
    await waitFor(
      async () => ((await acceptedCount(env.sim.url, instanceId)) >= 1 ? true : undefined),
      20_000,
    );
    proxy.downFor(15_000);

    const first = await awaitOutcome(handle);
    expect(first.status).toBe('succeeded');
    expect(first.notRecorded?.reason).toBeTruthy();
    expect(proxy.down).toBe(true);

    const second = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(proxy.down).toBe(true);
    expect(second).toMatchObject({ status: 'rejected', triggered: false });
    expect(second.message).toContain(`(run ${first.runId}, succeeded, seen in Temporal visibility)`);
    expect(await acceptedCount(env.sim.url, instanceId)).toBe(1);

    // The database comes back: the record workflow lands the row, once.
    await waitFor(async () => (proxy.down ? undefined : true), 40_000, 500);
    const recorder = env.client.workflow.getHandle(first.notRecorded!.recordWorkflowId);
    expect(await recorder.result()).toBe('written');
    expect(await rowsOf(first.runId)).toBe(1);
    await waitFor(async () => ((await rowsOf(second.runId)) === 1 ? true : undefined), 60_000, 500);
    expect(await rowsOf(first.runId)).toBe(1);
  }, 150_000);
});
