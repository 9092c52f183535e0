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
import { checkSearchAttributes, SearchAttributesMissingError } from './search-attributes-check';
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
    // Every switchover sets the custom search attributes: without them each start would fail.
    const check = await checkSearchAttributes(connection.operatorService, config.temporal.namespace);
    if (!check.checked)
      console.warn(`switchover worker: could not check the search attributes (${check.reason})`);
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
  const known = error instanceof ConfigError || error instanceof SearchAttributesMissingError;
  console.error(known ? `switchover worker: ${error.message}` : error);
  process.exit(known ? 2 : 1);
});
