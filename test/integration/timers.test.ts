/**
 * Long timers in skipped time (the time-skipping test server): a switchover scheduled two hours ahead and an
 * approval gate that times out after an hour take milliseconds. Activities still run for real against the
 * simulator over HTTP.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../activities';
import { openAuditStore, type AuditStore } from '../../activities/audit';
import { staticTokenAuth } from '../../activities/http/auth';
import { outcomeOfFailure, type SwitchoverOutcome } from '../../client';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { PROJECT, uniqueId } from '../helpers/switchover-env';
import { workflowBundle } from '../helpers/temporal';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

let env: TestWorkflowEnvironment;
let sim: RunningSimulator;
let audit: AuditStore;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueId('timers');

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  sim = await startSimulator({ quiet: true });
  audit = openAuditStore({
    backend: 'jsonl',
    file: path.join(mkdtempSync(path.join(os.tmpdir(), 'timers-audit-')), 'audit.jsonl'),
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: createActivities({
      endpoints: { dcs: sim.url, dws: sim.url, drs: sim.url },
      auth: staticTokenAuth('sim-token'),
      requestTimeoutMs: 3000,
      audit,
    }),
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await sim?.close();
  await audit?.close();
});

async function execute(instanceId: string, input: Record<string, unknown>): Promise<SwitchoverOutcome> {
  try {
    return (await env.client.workflow.execute('dcsMasterStandbySwitchover', {
      taskQueue,
      workflowId: `dcs:${PROJECT}:${instanceId}`,
      args: [
        { projectId: PROJECT, instanceId, pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 1, ...input },
      ],
    })) as SwitchoverOutcome;
  } catch (error) {
    const outcome = outcomeOfFailure(error);
    if (outcome) return outcome;
    throw error;
  }
}

test('an approval gate of one hour times out in skipped time, nothing sent', async () => {
  const instanceId = uniqueId('redis');
  sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
  const started = Date.now();
  const outcome = await execute(instanceId, { requireApproval: true, approvalTimeoutSeconds: 3600 });
  expect(outcome.status).toBe('approval_timed_out');
  expect(outcome.message).toMatch(/within 3600s/);
  expect(Date.parse(outcome.finishedAt) - Date.parse(outcome.startedAt)).toBeGreaterThanOrEqual(3600_000);
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(sim.control.requests({ path: `/instances/${instanceId}/swap$` })).toHaveLength(0);
});

test('a switchover scheduled two hours ahead runs at its time and switches once', async () => {
  const instanceId = uniqueId('redis');
  sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
  const notBefore = new Date((await env.currentTimeMs()) + 2 * 3600_000).toISOString();
  const outcome = await execute(instanceId, { notBefore });
  expect(outcome.status).toBe('succeeded');
  expect(Date.parse(outcome.finishedAt)).toBeGreaterThanOrEqual(Date.parse(notBefore));
  expect(sim.control.requests({ method: 'POST', path: `/instances/${instanceId}/swap$` })).toHaveLength(1);
});
