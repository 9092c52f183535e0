/**
 * One test file's world: the simulator over real HTTP, a real worker on the run's shared Temporal dev server
 * (its own task queue) or on a server the file started itself (`temporal` option), and a client. Nothing is
 * mocked.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { openAuditStore, type AuditStore } from '../../activities/audit';
import { loadWorkerConfig } from '../../worker/config';
import type { SwitchoverMetrics } from '../../worker/metrics';
import { createSwitchoverWorker } from '../../worker/worker';
import { awaitOutcome, startSwitchover, type SwitchoverOutcome } from '../../client';
import { SWITCHOVER_DEFINITIONS } from '../../domain/catalog';
import { testConnection, workflowBundle, type TemporalTarget } from './temporal';

export const PROJECT = 'a4d31cb63d724fdc8ec96e3a41e47f71';

/** Polling and deadline for tests: a switch of a few hundred milliseconds is seen within a poll or two. */
export const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 1, timeoutSeconds: 60 } as const;

export interface SwitchoverTestEnv {
  sim: RunningSimulator;
  client: Client;
  taskQueue: string;
  auditFile: string;
  /** The store the worker records to (JSON Lines in auditFile unless workerEnv chose another backend). */
  audit: AuditStore;
  start(
    kind: keyof typeof SWITCHOVER_DEFINITIONS,
    input: Record<string, unknown>,
  ): ReturnType<typeof startSwitchover>;
  run(kind: keyof typeof SWITCHOVER_DEFINITIONS, input: Record<string, unknown>): Promise<SwitchoverOutcome>;
  /** Cloud API calls the simulator received, filtered like its request log. */
  requests(filter: {
    method?: string;
    path?: string;
    service?: string;
  }): ReturnType<RunningSimulator['control']['requests']>;
  close(): Promise<void>;
}

let counter = 0;
/** Unique resource IDs per test, so tests never share a workflow ID. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

let runtimeInstalled = false;
/** Worker logs at WARN in tests: failures stay visible, routine state changes do not drown the output. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    const level = (process.env.SWITCHOVER_TEST_LOG_LEVEL as 'WARN' | undefined) || 'ERROR';
    Runtime.install({
      logger: new DefaultLogger(level),
      // Core's own "activity not found on completion" after a cancelled run is expected noise here.
      telemetryOptions: {
        logging: {
          filter: { core: level === 'ERROR' || level === 'WARN' ? 'ERROR' : level, other: 'ERROR' },
        },
      },
    });
  } catch {
    // Already installed by an earlier file in this process: keep it.
  }
}

export async function createSwitchoverTestEnv(
  options: {
    verifySettleMs?: number;
    /** More worker variables (e.g. SWITCHOVER_AUDIT_BACKEND=postgres, SWITCHOVER_WEBHOOK_URL). */
    workerEnv?: Record<string, string>;
    /** Switchover metrics the worker reports to. */
    metrics?: SwitchoverMetrics;
    /** The Temporal server for the worker and client; default: the run's shared dev server. */
    temporal?: TemporalTarget;
    /** Share another env's simulator (two workers, one cloud); the owner closes it. */
    sim?: RunningSimulator;
    /** Share a task queue (two workers polling one queue); default: a fresh one. */
    taskQueue?: string;
    /** Wraps the store the worker records to (e.g. a store that can be taken down). */
    wrapAudit?: (store: AuditStore) => AuditStore;
  } = {},
): Promise<SwitchoverTestEnv> {
  quietRuntime();
  const sim = options.sim ?? (await startSimulator({ quiet: true }));
  const temporal = await testConnection(options.temporal);
  const taskQueue = options.taskQueue ?? uniqueId('switchover-test');
  const auditFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'switchover-audit-')), 'audit.jsonl');
  const config = loadWorkerConfig({
    TEMPORAL_ADDRESS: options.temporal?.address ?? process.env.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: options.temporal?.namespace ?? process.env.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SWITCHOVER_DCS_ENDPOINT: sim.url,
    SWITCHOVER_DWS_ENDPOINT: sim.url,
    SWITCHOVER_DRS_ENDPOINT: sim.url,
    SWITCHOVER_IAM_ENDPOINT: sim.url,
    SWITCHOVER_AUTH_TOKEN: 'sim-token',
    SWITCHOVER_REQUEST_TIMEOUT_MS: '3000',
    // After an ambiguous trigger, look 5 s (default 120 s) before ending unknown: keeps those tests short.
    SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS: '5000',
    SWITCHOVER_AUDIT_FILE: auditFile,
    ...options.workerEnv,
  });
  const opened = openAuditStore(config.audit);
  const audit = options.wrapAudit ? options.wrapAudit(opened) : opened;
  const worker: Worker = await createSwitchoverWorker({
    config,
    connection: temporal.nativeConnection,
    workflowBundle: workflowBundle(),
    verifySettleMs: options.verifySettleMs ?? 5_000,
    audit,
    metrics: options.metrics,
  });
  const running = worker.run();

  const env: SwitchoverTestEnv = {
    sim,
    client: temporal.client,
    taskQueue,
    auditFile,
    audit,
    start: (kind, input) => startSwitchover(temporal.client, kind, input, { taskQueue }),
    async run(kind, input) {
      return awaitOutcome(await env.start(kind, input));
    },
    requests: (filter) => sim.control.requests(filter),
    async close() {
      worker.shutdown();
      await running;
      await temporal.close();
      if (!options.sim) await sim.close();
      await audit.close();
    },
  };
  return env;
}
