/**
 * Learned-duration polling end to end: a DCS instance whose earlier switches are in the audit store is polled
 * around its expected end; the same switch on a worker with learned polling off is polled on the fixed interval.
 * Calls are counted in the simulator's request log (what the cloud received), not what the poller believes.
 */
import type { SwitchoverOutcome } from '../../domain/outcome';
import {
  createSwitchoverTestEnv,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

const JOB_MS = 3_000;
const INPUT = {
  swapMode: 'async',
  pollIntervalSeconds: 0.2,
  maxPollIntervalSeconds: 0.2,
  timeoutSeconds: 60,
};

let learned: SwitchoverTestEnv;
let plain: SwitchoverTestEnv;
beforeAll(async () => {
  learned = await createSwitchoverTestEnv();
  plain = await createSwitchoverTestEnv({ workerEnv: { SWITCHOVER_LEARNED_POLLING: 'false' } });
});
afterAll(async () => {
  await learned?.close();
  await plain?.close();
});

/** Three earlier switches of the instance, each ending 3 s after its trigger, as the poller records them. */
async function recordHistory(env: SwitchoverTestEnv, instanceId: string): Promise<void> {
  for (let k = 0; k < 3; k++) {
    const trig = Date.now() - (k + 1) * 3_600_000;
    await env.audit.append({
      kind: 'dcs',
      workflowId: `dcs:${PROJECT}:${instanceId}`,
      runId: `earlier-${k}`,
      projectId: PROJECT,
      resourceId: instanceId,
      status: 'succeeded',
      message: 'an earlier switch',
      phase: 'done',
      triggered: true,
      polls: 3,
      startedAt: new Date(trig - 1000).toISOString(),
      triggeredAt: new Date(trig).toISOString(),
      finishedAt: new Date(trig + JOB_MS + 500).toISOString(),
      durationMs: JOB_MS + 1500,
      details: { switchLastRunningAt: trig + JOB_MS - 100, switchEndSeenAt: trig + JOB_MS + 100 },
    } as SwitchoverOutcome);
  }
}

async function switchOnce(env: SwitchoverTestEnv, withHistory: boolean) {
  const instanceId = uniqueId('redis');
  env.sim.control.createDcsInstance({
    projectId: PROJECT,
    instanceId,
    swapBehaviour: { initMs: 200, runMs: JOB_MS - 200, result: 'SUCCESS' },
  });
  if (withHistory) await recordHistory(env, instanceId);
  const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...INPUT });
  expect(outcome.status).toBe('succeeded');
  const jobPolls = env.requests({ method: 'GET', path: `/jobs/${outcome.jobId}$` });
  const job = env.sim.control.getDcsInstance(instanceId)!.jobs[0]!;
  return { outcome, jobPolls, job };
}

test('a resource with recorded switches is polled around its expected end, with fewer calls than the fixed interval', async () => {
  const [withHistory, without] = await Promise.all([switchOnce(learned, true), switchOnce(plain, false)]);
  expect(withHistory.jobPolls.length).toBeGreaterThanOrEqual(2);
  // Fixed 0.2 s over a 3 s job is over a dozen looks; the learned schedule looks once, then around 3 s only.
  expect(without.jobPolls.length).toBeGreaterThanOrEqual(5);
  expect(withHistory.jobPolls.length).toBeLessThan(without.jobPolls.length);
  // The schedule's quiet part: no look until shortly before the learned end (2.9 s - 1 s margin).
  const sinceTrigger = withHistory.jobPolls.map(
    (r) => Date.parse(r.at) - Date.parse(withHistory.outcome.triggeredAt!),
  );
  expect(sinceTrigger.filter((ms) => ms < 1_500)).toEqual([]);
});

test('the poller records when it last saw the switch running and when it saw the end, for the next switch to learn from', async () => {
  const { outcome, job } = await switchOnce(plain, false);
  const endedAt = Date.parse(job.createdAt) + JOB_MS;
  const seen = outcome.details.switchEndSeenAt as number;
  const running = outcome.details.switchLastRunningAt as number;
  expect(typeof seen).toBe('number');
  expect(typeof running).toBe('number');
  // The bracket holds the cloud's own end of the job.
  expect(running).toBeLessThanOrEqual(endedAt);
  expect(seen).toBeGreaterThanOrEqual(endedAt);
});
