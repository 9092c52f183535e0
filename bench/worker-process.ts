/**
 * A benchmark worker: the production worker (worker/config.ts from the environment, worker/worker.ts) with a
 * prebuilt bundle of bench/workflows.ts (BENCH_WORKFLOW_BUNDLE) and the floor's one activity. Its own OS
 * process, so its memory is read from /proc alone.
 */
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { openAuditStore } from '../activities/audit';
import { loadWorkerConfig } from '../worker/config';
import { createSwitchoverWorker } from '../worker/worker';

async function main(): Promise<void> {
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
