/**
 * The one way to run a switchover worker, used by `npm run worker` and the Docker image (worker/main.ts), by
 * `npm start` (scripts/start.ts, with the simulator and dev server it started) and by the tests' worker processes
 * (test/helpers/worker-process.ts runs worker/main.ts). Configuration comes from the environment (README,
 * worker/config.ts); whatever it asks for (metrics ports, audit store, bundle, versioning) is honoured here, once.
 * Stops gracefully on SIGINT/SIGTERM (the Temporal runtime's default shutdown signals): running activities
 * finish or are handed back, nothing is lost.
 */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { openAuditStore } from '../activities/audit';
import { checkSearchAttributes } from '../shared/search-attributes-check';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { installSdkMetrics, SwitchoverMetrics, type MetricsServer } from './metrics';
import { createSwitchoverWorker } from './worker';

export interface RunWorkerOptions {
  /** The environment to configure from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The Temporal runtime's log level (set once per process); default: the SDK's own. */
  logLevel?: LogLevel;
  /** Where the worker's own lines go; default console.log. */
  log?: (line: string) => void;
  /** Called once the worker polls its task queue. */
  onReady?: (config: WorkerConfig) => void;
}

/** Configures, starts and runs the worker until it is shut down (SIGINT/SIGTERM); throws ConfigError on bad config. */
export async function runWorker(options: RunWorkerOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const config = loadWorkerConfig(options.env ?? process.env);
  log(`switchover worker: ${config.describe()}`);
  // Before any connection: the SDK's own metrics exporter is part of the Temporal runtime.
  const sdkMetricsUrl = installSdkMetrics({ ...config.metrics, logLevel: options.logLevel });
  if (sdkMetricsUrl) log(`switchover worker: Temporal SDK metrics at ${sdkMetricsUrl}`);
  else if (options.logLevel) Runtime.install({ logger: new DefaultLogger(options.logLevel) });
  const metrics = new SwitchoverMetrics({ processMetrics: true });
  let metricsServer: MetricsServer | undefined;
  if (config.metrics.port !== undefined) {
    metricsServer = await metrics.serve({ host: config.metrics.host, port: config.metrics.port });
    log(`switchover worker: switchover metrics at ${metricsServer.url}`);
  }
  const audit = openAuditStore(config.audit, {
    onIdleError: (error) => log(`switchover worker: audit database connection lost: ${error.message}`),
  });
  let connection: NativeConnection | undefined;
  try {
    connection = await NativeConnection.connect(config.connectionOptions());
    // Every switchover sets the custom search attributes: without them each start would fail.
    const check = await checkSearchAttributes(connection.operatorService, config.temporal.namespace);
    if (!check.checked) log(`switchover worker: could not check the search attributes (${check.reason})`);
    const worker = await createSwitchoverWorker({
      config,
      connection,
      audit,
      metrics,
      // Production images ship a prebuilt bundle (SWITCHOVER_WORKFLOW_BUNDLE): no webpack at startup.
      ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
    });
    log(`switchover worker: polling task queue '${config.temporal.taskQueue}'`);
    options.onReady?.(config);
    await worker.run();
  } finally {
    await connection?.close();
    await audit.close();
    await metricsServer?.close();
  }
  log('switchover worker: stopped');
}
