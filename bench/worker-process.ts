/**
 * A benchmark worker: the production worker (worker/config.ts from the environment, worker/worker.ts) with a
 * prebuilt bundle of bench/workflows.ts (BENCH_WORKFLOW_BUNDLE) and the floor's one activity. Its own OS
 * process, so its memory is read from /proc alone.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { openAuditStore } from '../activities/audit';
import { loadWorkerConfig } from '../worker/config';
import { createSwitchoverWorker } from '../worker/worker';

/**
 * BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of this worker, written there when it stops (SIGTERM); open it in
 * Chrome DevTools. (`--cpu-prof` is refused in NODE_OPTIONS.)
 */
async function profileUntilStopped(dir: string): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  process.once('SIGTERM', () => {
    void session.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(`${dir}/worker-${process.pid}.cpuprofile`, JSON.stringify(profile));
      process.exit(0);
    });
  });
}

async function main(): Promise<void> {
  if (process.env.BENCH_CPU_PROFILE) await profileUntilStopped(process.env.BENCH_CPU_PROFILE);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = loadWorkerConfig();
  const audit = openAuditStore(config.audit);
  const connection = await NativeConnection.connect(config.connectionOptions());
  const worker = await createSwitchoverWorker({
    config,
    connection,
    audit,
    workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! },
    extraActivities: {
      benchSleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    },
  });
  console.log(`bench worker: polling task queue '${config.temporal.taskQueue}'`);
  await worker.run();
  await connection.close();
  await audit.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
