/**
 * The worker process: `npm run worker`. Configuration from the environment (see README and worker/config.ts:
 * cloud, region and credentials; worker/temporal-connection.ts: TLS, API key, versioning); stops gracefully on
 * SIGINT/SIGTERM (the Temporal runtime's default shutdown signals): running activities finish or are
 * handed back, nothing is lost.
 */
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadWorkerConfig } from './config';
import { createSwitchoverWorker } from './worker';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  console.log(`switchover worker: ${config.describe()}`);
  const connection = await NativeConnection.connect(config.connectionOptions());
  try {
    const worker = await createSwitchoverWorker({
      config,
      connection,
      // Production images ship a prebuilt bundle (SWITCHOVER_WORKFLOW_BUNDLE): no webpack at startup.
      ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
    });
    console.log(`switchover worker: polling task queue '${config.temporal.taskQueue}'`);
    await worker.run();
  } finally {
    await connection.close();
  }
  console.log('switchover worker: stopped');
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
