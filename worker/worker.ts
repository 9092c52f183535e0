import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { openAuditStore, type AuditStore } from '../activities/audit';
import { runCancelRequested, visibilityTriggeredRuns } from '../activities/visibility';
import { createRateLimiter, type CloudRateLimiter } from '../activities/http/rate-limit';
import type { WorkerConfig } from './config';
import type { SwitchoverMetrics } from './metrics';
import type { WORKFLOW_TYPES } from '../domain/kinds';
import type * as workflows from '../workflows';

type UnexportedWorkflowTypes = Exclude<
  (typeof WORKFLOW_TYPES)[keyof typeof WORKFLOW_TYPES],
  keyof typeof workflows
>;
/** Compile-time check: every service's workflow type (services/registry.ts) is a workflow the bundle exports. */
export const EVERY_WORKFLOW_TYPE_EXPORTED: [UnexportedWorkflowTypes] extends [never]
  ? true
  : `not exported by workflows/index.ts: ${UnexportedWorkflowTypes}` = true;

export interface SwitchoverWorkerOptions {
  config: WorkerConfig;
  connection: NativeConnection;
  /** A prebuilt workflow bundle (production images, tests); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Overrides for tests (e.g. a short verify settle time). */
  verifySettleMs?: number;
  /**
   * The audit store recordOutcome writes to; the caller closes it after the worker stops. Omitted: opened from
   * `config.audit` (fine for the JSON Lines file; a PostgreSQL pool opened so lets idle connections go on exit).
   */
  audit?: AuditStore;
  /** Switchover metrics: outcomes from recordOutcome, cloud calls, notifications. */
  metrics?: SwitchoverMetrics;
  /** More activities on the same worker (benchmarks register their floor activity here). */
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Cloud call permits; omitted: built from `config.rateLimit` (none when unset). */
  rateLimiter?: CloudRateLimiter;
}

/** The switchover worker: every workflow type and activity on the configured task queue. */
export async function createSwitchoverWorker(options: SwitchoverWorkerOptions): Promise<Worker> {
  const { config, metrics } = options;
  const audit = options.audit ?? openAuditStore(config.audit);
  const rateLimiter = options.rateLimiter ?? rateLimiterOf(config);
  return Worker.create({
    connection: options.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // Slots, cache and pollers (SWITCHOVER_MAX_CONCURRENT_*, SWITCHOVER_*_POLLERS; README, Performance).
    ...config.tuning,
    // Only when SWITCHOVER_DEPLOYMENT_NAME + SWITCHOVER_BUILD_ID are set: development and tests run unversioned.
    ...(config.deployment ? { workerDeploymentOptions: config.deployment } : {}),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: {
      ...options.extraActivities,
      ...createActivities({
        endpoints: config.endpoints,
        auth: config.auth(),
        requestTimeoutMs: config.requestTimeoutMs,
        lateAcceptanceWindowMs: config.lateAcceptanceWindowMs,
        audit,
        notify: {
          ...config.notify,
          namespace: config.temporal.namespace,
          onNotified: metrics?.observeNotification,
        },
        onCloudCall: metrics?.observeCloudCall,
        onOutcomeRecorded: metrics
          ? (outcome, result) => metrics.observeRecorded(outcome, result, audit.backend)
          : undefined,
        onRecordFailed: metrics ? () => metrics.observeRecordFailed(audit.backend) : undefined,
        verifySettleMs: options.verifySettleMs,
        safety: config.safety,
        // The cooldown's second source, shared by every worker: this worker's own connection to Temporal.
        triggeredRunsOf: visibilityTriggeredRuns(
          options.connection.workflowService,
          config.temporal.namespace,
        ),
        runCancelRequested: runCancelRequested(options.connection.workflowService),
        recordWaitSeconds: config.recordWaitSeconds,
        rateLimiter,
        learnedPolling: config.polling.learned,
        pollSchedule: {
          denseIntervalMs: config.polling.denseIntervalMs,
          maxDensePolls: config.polling.maxDensePolls,
        },
      }),
    },
  });
}

/** The configured cloud rate limiter: permits counted in the audit database (shared) or in this process. */
export function rateLimiterOf(config: WorkerConfig): CloudRateLimiter | undefined {
  const limit = config.rateLimit;
  if (!limit) return undefined;
  if (limit.store === 'postgres' && config.audit.backend === 'postgres') {
    return createRateLimiter({
      callsPerSecond: limit.callsPerSecond,
      store: { kind: 'postgres', connectionString: config.audit.databaseUrl() },
    });
  }
  return createRateLimiter({ callsPerSecond: limit.callsPerSecond, store: { kind: 'memory' } });
}
