/**
 * What the tests that kill worker processes share (crash, record-from-history, await-verify-crash): the simulator,
 * the run's dev server, and workers as processes of their own on one task queue and one JSON Lines audit file.
 */
import type { Client } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAuditFile } from '../../activities/record';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { uniqueId } from './switchover-env';
import { testConnection, type TestConnection } from './temporal';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

export interface CrashEnv {
  sim: RunningSimulator;
  client: Client;
  /** The workers' environment (task queue, simulator, audit file, prebuilt bundle). */
  workerEnv: Record<string, string>;
  /** Starts a worker process with `env` on top of `workerEnv`; stopped by `afterEachTest` or `close`. */
  worker(env?: Record<string, string>): Promise<WorkerProcess>;
  /** The audit file's records. */
  records(): Promise<SwitchoverOutcome[]>;
  /** Stops this test's workers and clears the simulator's faults and held requests. */
  afterEachTest(): Promise<void>;
  close(): Promise<void>;
}

export async function createCrashEnv(name: string): Promise<CrashEnv> {
  const sim = await startSimulator({ quiet: true });
  const temporal: TestConnection = await testConnection();
  const bundle = process.env.SWITCHOVER_TEST_WORKFLOW_BUNDLE;
  if (!bundle) throw new Error('no workflow bundle from the global setup');
  const workerEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: uniqueId(name),
    SWITCHOVER_CLOUD: 'simulator',
    SWITCHOVER_SIMULATOR_URL: sim.url,
    SWITCHOVER_AUTH_TOKEN: 'sim-token',
    SWITCHOVER_REQUEST_TIMEOUT_MS: '5000',
    SWITCHOVER_AUDIT_FILE: path.join(mkdtempSync(path.join(os.tmpdir(), `${name}-audit-`)), 'audit.jsonl'),
    SWITCHOVER_WORKFLOW_BUNDLE: bundle,
  };
  const workers: WorkerProcess[] = [];
  // Every test starts its own workers: one left from an earlier test would pick up the activity meant to be killed.
  const stopWorkers = () => Promise.all(workers.splice(0).map((w) => w.stop())).then(() => undefined);
  return {
    sim,
    client: temporal.client,
    workerEnv,
    async worker(env = {}) {
      const started = await startWorkerProcess({ ...workerEnv, ...env });
      workers.push(started);
      return started;
    },
    records: () => readAuditFile(workerEnv.SWITCHOVER_AUDIT_FILE!),
    async afterEachTest() {
      sim.control.clearFaults();
      sim.control.releaseHeld();
      await stopWorkers();
    },
    async close() {
      await stopWorkers();
      await temporal.close();
      await sim.close();
    },
  };
}

/** Waits until `condition` holds, polling; fails naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 40_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
