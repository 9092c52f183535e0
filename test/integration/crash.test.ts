/**
 * Exactly once under crashes: the worker runs as its own process and is SIGKILLed in each phase (during
 * preflight, just after the trigger reached the cloud, during await); a fresh worker finishes the switchover and
 * the simulator's request log shows exactly one trigger. Each test waits out Temporal's activity timeouts
 * (about 20-30 s), which is how a crashed worker is detected. A worker killed after its last task wrote the record:
 * record-from-history.test.ts.
 */
import type { Client } from '@temporalio/client';
import { awaitOutcome, startSwitchover, switchoverProgress } from '../../client';
import type { RunningSimulator } from '../../simulator/server';
import { PROJECT, uniqueId } from '../helpers/switchover-env';
import { createCrashEnv, until, type CrashEnv } from '../helpers/crash-env';

jest.setTimeout(180_000);

let env: CrashEnv;
let sim: RunningSimulator;
let client: Client;
let workerEnv: Record<string, string>;

beforeAll(async () => {
  env = await createCrashEnv('crash-test');
  ({ sim, client, workerEnv } = env);
});

afterEach(() => env.afterEachTest());

afterAll(() => env?.close());

const worker = (extra?: Record<string, string>) => env.worker(extra);

function seed(overrides: Record<string, unknown> = {}): string {
  const instanceId = uniqueId('redis');
  sim.control.createDcsInstance({ projectId: PROJECT, instanceId, ...overrides });
  return instanceId;
}

const triggers = (instanceId: string) =>
  sim.control
    .requests({ path: `/instances/${instanceId}/(swap|async-swap)$` })
    .filter((r) => r.method !== 'GET');

async function expectRecordedOnce(workflowId: string): Promise<void> {
  const records = (await env.records()).filter((r) => r.workflowId === workflowId);
  expect(records).toHaveLength(1);
}

/** The attempt on which an activity finally ran (the killed worker's attempt was the first). */
async function finalAttempt(
  handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> },
  activityType: string,
) {
  const events = ((await handle.fetchHistory()).events ?? []) as Array<{
    eventId?: unknown;
    activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } | null;
    activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number } | null;
  }>;
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  );
  const started = events.find(
    (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  );
  return started?.activityTaskStartedEventAttributes?.attempt;
}

/** Workflow tasks that timed out or failed (a worker that ran one died before reporting it). */
async function workflowTaskRetries(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) {
  const events = ((await handle.fetchHistory()).events ?? []) as Array<{
    workflowTaskTimedOutEventAttributes?: unknown;
    workflowTaskFailedEventAttributes?: unknown;
  }>;
  return events.filter((e) => e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes)
    .length;
}

const input = (instanceId: string, extra: Record<string, unknown> = {}) => ({
  projectId: PROJECT,
  instanceId,
  pollIntervalSeconds: 0.5,
  maxPollIntervalSeconds: 2,
  timeoutSeconds: 300,
  ...extra,
});

test('worker killed during preflight: a new worker finishes, one trigger', async () => {
  const instanceId = seed();
  // Preflight's instance read hangs long enough to kill the worker in the middle of it.
  sim.control.clearFaults();
  sim.control.addFault({
    match: { method: 'GET', path: `/instances/${instanceId}$` },
    fault: { type: 'latency', ms: 4000 },
    times: 1,
  });
  const first = await worker();
  const handle = await startSwitchover(client, 'dcs', input(instanceId), {
    taskQueue: workerEnv.TEMPORAL_TASK_QUEUE,
  });
  // The fault is used up when the preflight's read arrives: from then on it hangs for 4 s.
  await until('preflight reading the instance', () => sim.control.listFaults().length === 0);
  await first.kill();
  expect(triggers(instanceId)).toHaveLength(0);

  await worker();
  const outcome = await awaitOutcome(handle);
  expect(outcome.status).toBe('succeeded');
  expect(triggers(instanceId)).toHaveLength(1);
  // Preflight is a local activity: the killed worker's workflow task timed out and the next worker ran it again.
  expect(await workflowTaskRetries(handle)).toBeGreaterThanOrEqual(1);
  await expectRecordedOnce(handle.workflowId);
});

test('worker killed just after the trigger reached the cloud: the next attempt adopts it, one trigger', async () => {
  const instanceId = seed({ swapBehaviour: { initMs: 500, runMs: 3000, result: 'SUCCESS' } });
  // The task-list reads up to and around the send (preflight's, the look's, the job search after the 204) are
  // slowed, so the kill lands after the 204 and before the activity reports.
  sim.control.addFault({
    match: { method: 'GET', path: `/instances/${instanceId}/tasks$` },
    fault: { type: 'latency', ms: 3000 },
    times: 3,
  });
  const first = await worker();
  const handle = await startSwitchover(client, 'dcs', input(instanceId), {
    taskQueue: workerEnv.TEMPORAL_TASK_QUEUE,
  });
  await until('the swap accepted by the cloud', () => triggers(instanceId).some((r) => r.status === 204));
  await first.kill();

  await worker();
  const outcome = await awaitOutcome(handle);
  expect(outcome.status).toBe('succeeded');
  expect(outcome.triggered).toBe(true);
  expect(triggers(instanceId)).toHaveLength(1);
  expect(sim.control.getDcsInstance(instanceId)!.swapCount).toBe(1);
  // The second attempt found the swap the killed one had sent, and adopted it.
  expect((await switchoverProgress(handle)).trigger).toMatch(/^adopted: /);
  const history = await handle.fetchHistory();
  const triggerAttempts = history.events!.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'dcsTrigger',
  );
  expect(triggerAttempts).toHaveLength(2);
  await expectRecordedOnce(handle.workflowId);
});

test('worker killed during await: polling resumes on a new worker, one trigger', async () => {
  const instanceId = seed({ swapBehaviour: { initMs: 500, runMs: 6000, result: 'SUCCESS' } });
  const first = await worker();
  const handle = await startSwitchover(client, 'dcs', input(instanceId, { swapMode: 'async' }), {
    taskQueue: workerEnv.TEMPORAL_TASK_QUEUE,
  });
  const jobPolls = () => {
    const jobId = sim.control.getDcsInstance(instanceId)!.jobs[0]?.jobId;
    return jobId ? sim.control.requests({ method: 'GET', path: `/jobs/${jobId}$` }) : [];
  };
  await until("polling this switchover's job", () => jobPolls().length >= 2);
  await first.kill();
  const pollsBeforeKill = jobPolls().length;

  await worker();
  const outcome = await awaitOutcome(handle);
  expect(outcome.status).toBe('succeeded');
  expect(jobPolls().length).toBeGreaterThan(pollsBeforeKill);
  expect(triggers(instanceId)).toHaveLength(1);
  expect(await finalAttempt(handle, 'dcsAwaitSwap')).toBeGreaterThanOrEqual(2);
  await expectRecordedOnce(handle.workflowId);
});
