/**
 * Red-team reproductions (commit dc1577f, the admission makes the preflight): a run cancelled before its trigger
 * sends nothing, says `cancelled` with `triggered: false`, and is recorded once.
 *
 * The defect these reproduce: a cancellation requested while the workflow task that ends with the trigger's
 * scheduling is in flight (the admission's preflight GETs, or a scheduled run's policy and preflight, run inside
 * that task) is buffered by the server and reaches the workflow only in the next task. `takeCancellation` cannot
 * see it; the trigger activity is scheduled with the task's completion and sent the swap before its heartbeat
 * brought the cancellation (history: ActivityTaskScheduled, then WorkflowExecutionCancelRequested). The outcome was
 * honest (`cancelled_after_trigger`), but the switch was made after the cancel had been accepted. Only a slow
 * admission (over the workflow task's heartbeat, 8 s) let the workflow see it in time.
 *
 * Real dev server, worker and simulator; counts what the simulator received.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { awaitOutcome, type SwitchoverOutcome } from '../../client';
import { addFault, releaseHeld, waitForHeld } from '../../simulator/testing';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

jest.setTimeout(60_000);

let env: SwitchoverTestEnv;
beforeAll(async () => {
  // A held preflight GET must outlive the holds below (the test env's default is 3 s).
  env = await createSwitchoverTestEnv({ workerEnv: { SWITCHOVER_REQUEST_TIMEOUT_MS: '20000' } });
});
afterEach(async () => {
  env.sim.control.clearFaults();
  await releaseHeld(env.sim.url, { apply: false });
});
afterAll(async () => {
  await env?.close();
});

function seedDcs(): string {
  const instanceId = uniqueId('adm-redis');
  env.sim.control.createDcsInstance({
    projectId: PROJECT,
    instanceId,
    swapBehaviour: { initMs: 100, runMs: 300 },
  });
  return instanceId;
}
const sent = (id: string) => env.requests({ path: `/instances/${id}/(swap|async-swap)$` });
const holdInstanceGet = (id: string) =>
  addFault(env.sim.url, { match: { method: 'GET', path: `/instances/${id}$` }, fault: { type: 'hold' } });

/** Cancels while the preflight's instance GET is held, keeps it held `holdMs` more, then lets it through. */
async function cancelWhileHeld(handle: WorkflowHandle, holdMs: number) {
  await waitForHeld(env.sim.url, 1);
  await handle.cancel();
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  await releaseHeld(env.sim.url, { apply: true });
  return awaitOutcome(handle);
}

async function expectCancelledNothingSent(id: string, outcome: SwitchoverOutcome) {
  expect(sent(id)).toHaveLength(0);
  expect(outcome).toMatchObject({ status: 'cancelled', triggered: false });
  const records = (await env.audit.list({ resource: id })).filter((o) => o.runId === outcome.runId);
  expect(records).toEqual([expect.objectContaining({ status: 'cancelled', triggered: false })]);
}

describe('cancelled while the admission preflight GET is held', () => {
  test('held 0.5 s (inside the first workflow task): cancelled, nothing sent, recorded once', async () => {
    const id = seedDcs();
    await holdInstanceGet(id);
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId: id, ...FAST });
    await expectCancelledNothingSent(id, await cancelWhileHeld(handle, 500));
  });

  test('held 10 s (the workflow task heartbeats meanwhile): cancelled, nothing sent, recorded once', async () => {
    const id = seedDcs();
    await holdInstanceGet(id);
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId: id, ...FAST });
    await expectCancelledNothingSent(id, await cancelWhileHeld(handle, 10_000));
  });
});

describe('scheduled: cancelled while the preflight GET at the scheduled time is held', () => {
  test('cancelled, nothing sent, recorded once', async () => {
    const id = seedDcs();
    const notBefore = new Date(Date.now() + 2_000).toISOString();
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId: id, ...FAST, notBefore });
    // Added after the admission (which makes no cloud call for a run scheduled for later).
    await holdInstanceGet(id);
    await expectCancelledNothingSent(id, await cancelWhileHeld(handle, 500));
  });
});

describe('cancelled during the held admission GET, nothing would be sent anyway', () => {
  test('a dry run still reports what would happen (the cancellation came inside its only task)', async () => {
    const id = seedDcs();
    await holdInstanceGet(id);
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId: id, ...FAST, dryRun: true });
    const outcome = await cancelWhileHeld(handle, 500);
    expect(outcome).toMatchObject({ status: 'dry_run', triggered: false });
    expect(sent(id)).toHaveLength(0);
  });

  test('with approval required: cancelled while waiting, nothing sent', async () => {
    const id = seedDcs();
    await holdInstanceGet(id);
    const handle = await env.start('dcs', {
      projectId: PROJECT,
      instanceId: id,
      ...FAST,
      requireApproval: true,
      requestedBy: 'alice',
    });
    await expectCancelledNothingSent(id, await cancelWhileHeld(handle, 500));
  });
});
