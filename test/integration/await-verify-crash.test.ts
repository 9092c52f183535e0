/**
 * PATCHES.verifyInAwait: a worker killed while the await activity verifies. The retried attempt must reach the
 * verdict the killed one was reaching (one trigger, succeeded, recorded once). Real dev server, worker processes
 * and simulator; the audit store is the worker's JSON Lines file.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { awaitOutcome, startSwitchover } from '../../client';
import type { RunningSimulator } from '../../simulator/server';
import { PROJECT, uniqueId } from '../helpers/switchover-env';
import { createCrashEnv, until, type CrashEnv } from '../helpers/crash-env';

jest.setTimeout(120_000);

let env: CrashEnv;
let sim: RunningSimulator;
let client: Client;
let workerEnv: Record<string, string>;

beforeAll(async () => {
  env = await createCrashEnv('verify-crash');
  ({ sim, client, workerEnv } = env);
});

afterEach(() => env.afterEachTest());

afterAll(() => env?.close());

const worker = (extra?: Record<string, string>) => env.worker(extra);

const records = async (runId: string) => (await env.records()).filter((r) => r.runId === runId);

test('DRS: worker killed while the await activity verifies: the retry still attributes the switch (succeeded, one trigger)', async () => {
  const jobId = uniqueId('drs');
  sim.control.createDrsJob({ projectId: PROJECT, jobId, behaviour: { switchMs: 1500 } });
  const switchVip = () => sim.control.requests({ method: 'POST', path: `/jobs/${jobId}/switch-vip$` });
  const input = (mode: string) => ({
    projectId: PROJECT,
    jobId,
    mode,
    force: true,
    reason: 'red team: a VIP switched before',
    pollIntervalSeconds: 0.2,
    maxPollIntervalSeconds: 1,
    timeoutSeconds: 30,
  });
  const first = await worker();
  // An earlier switch of this task: its VIP status reads SWITCH_VIP_COMPLETE before the next trigger, so only
  // SWITCH_VIP_START seen after the trigger (a fact the await carries in its heartbeat) attributes the next end.
  const earlier = await awaitOutcome(
    await startSwitchover(client, 'drs', input('source'), { taskQueue: workerEnv.TEMPORAL_TASK_QUEUE }),
  );
  expect(earlier.status).toBe('succeeded');

  const handle = await startSwitchover(client, 'drs', input('source'), {
    taskQueue: workerEnv.TEMPORAL_TASK_QUEUE,
  });
  await until('the second trigger accepted', () => switchVip().length === 2);
  // The verification's task-status read hangs (the await's polls read get-switch-vip-status only).
  sim.control.addFault({
    match: { method: 'POST', path: '/jobs/batch-status$' },
    fault: { type: 'hold' },
    times: -1,
  });
  await until('the await activity verifying', () => sim.control.heldCount() > 0);
  // Wait until Temporal holds a heartbeat the verification sent (the SDK throttles to 0.8 x 20 s): the details
  // are no longer the poll's progress.
  await until('a heartbeat from the verification', async () => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    const payload = pending[0]?.heartbeatDetails?.payloads?.[0];
    if (!payload) return false;
    const details: unknown = defaultPayloadConverter.fromPayload(payload);
    return !(details && typeof details === 'object' && 'intervalMs' in details);
  });
  await first.kill();
  sim.control.clearFaults();
  sim.control.releaseHeld();

  await worker();
  const outcome = await awaitOutcome(handle);
  expect(switchVip()).toHaveLength(2);
  // The switch happened (SWITCH_VIP_COMPLETE after START, verified by the killed attempt): the retried attempt
  // must reach the same verdict, not lose the START it saw and wait out the deadline as "not attributable".
  expect({ status: outcome.status, message: outcome.message }).toEqual({
    status: 'succeeded',
    message: expect.stringMatching(/succeeded: VIP switched to source/),
  });
  // The retry verified again from the await's checkpoint: the polls the killed attempt made are kept.
  expect(outcome.polls).toBeGreaterThanOrEqual(2);
  const history = await handle.fetchHistory();
  const attempts = history.events!.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
  expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
  const stored = await records(handle.firstExecutionRunId);
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({
    status: outcome.status,
    message: outcome.message,
    finishedAt: outcome.finishedAt,
  });
});
