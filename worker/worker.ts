import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { WorkerConfig } from './config';

export interface SwitchoverWorkerOptions {
  config: WorkerConfig;
  connection: NativeConnection;
  /** A prebuilt workflow bundle (production images, tests); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Overrides for tests (e.g. a short verify settle time). */
  verifySettleMs?: number;
}

/** The switchover worker: every workflow type and activity on the configured task queue. */
export async function createSwitchoverWorker(options: SwitchoverWorkerOptions): Promise<Worker> {
  const { config } = options;
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // Only when SWITCHOVER_DEPLOYMENT_NAME + SWITCHOVER_BUILD_ID are set: development and tests run unversioned.
    ...(config.deployment ? { workerDeploymentOptions: config.deployment } : {}),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({
      endpoints: config.endpoints,
      auth: config.auth(),
      requestTimeoutMs: config.requestTimeoutMs,
      auditFile: config.auditFile,
      verifySettleMs: options.verifySettleMs,
    }),
  });
}
