/**
 * The worker process: `npm run worker`. Configuration from the environment (see README and worker/config.ts:
 * cloud, region and credentials; worker/temporal-connection.ts: TLS, API key, versioning); stops gracefully on
 * SIGINT/SIGTERM (the Temporal runtime's default shutdown signals): running activities finish or are
 * handed back, nothing is lost.
 */
import { NativeConnection } from '@temporalio/worker';
import { openAuditStore } from '../activities/audit';
import { ConfigError, loadWorkerConfig } from './config';
import { installSdkMetrics, SwitchoverMetrics, type MetricsServer } from './metrics';
import { createSwitchoverWorker } from './worker';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  console.log(`switchover worker: ${config.describe()}`);
  // Before any connection: the SDK's own metrics exporter is part of the Temporal runtime.
  const sdkMetricsUrl = installSdkMetrics(config.metrics);
  if (sdkMetricsUrl) console.log(`switchover worker: Temporal SDK metrics at ${sdkMetricsUrl}`);
  const metrics = new SwitchoverMetrics({ processMetrics: true });
  let metricsServer: MetricsServer | undefined;
  if (config.metrics.port !== undefined) {
    metricsServer = await metrics.serve({ host: config.metrics.host, port: config.metrics.port });
    console.log(`switchover worker: switchover metrics at ${metricsServer.url}`);
  }
  const audit = openAuditStore(config.audit, {
    onIdleError: (error) =>
      console.warn(`switchover worker: audit database connection lost: ${error.message}`),
  });
  const connection = await NativeConnection.connect(config.connectionOptions());
  try {
    const worker = await createSwitchoverWorker({
      config,
      connection,
      audit,
      metrics,
      // Production images ship a prebuilt bundle (SWITCHOVER_WORKFLOW_BUNDLE): no webpack at startup.
      ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
    });
    console.log(`switchover worker: polling task queue '${config.temporal.taskQueue}'`);
    await worker.run();
  } finally {
    await connection.close();
    await audit.close();
    await metricsServer?.close();
  }
  console.log('switchover worker: stopped');
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
