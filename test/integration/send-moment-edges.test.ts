/**
 * Red-team reproductions against the send-moment promise (issues 10 and 11): a switch is never triggered twice for
 * one workflow, and an outcome never says `triggered: false` / "nothing was sent" when the simulator ACCEPTED a
 * trigger. Sequences the send-moment tests do not cover. Every test counts the triggers the simulator accepted.
 *
 * The two DRS tests reproduced a real defect (a 2xx `status: success` carrying DRS.M01504 was read as "busy, not
 * sent": one run switched the VIP twice); they failed before the fix in activities/drs/api.ts.
 *
 * Timings shortened through configuration as in send-moment.test.ts: 1.5 s request timeout, 6 s look window.
 */
import { awaitOutcome, switchoverProgress } from '../../client';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { DEFAULT_USER, type RunningSimulator } from '../../simulator/server';
import {
  acceptedCount,
  addFault,
  call,
  releaseHeld,
  setClockOffset,
  waitFor,
  waitForHeld,
} from '../../simulator/testing';
import {
  createSwitchoverTestEnv,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

jest.setTimeout(120_000);

const REQUEST_TIMEOUT_MS = 1_500;
const WINDOW_MS = 6_000;
const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 1, timeoutSeconds: 60 };

const triggerOf = (id: string) => ({ trigger: true, path: `/${id}/` });
const received = (env: SwitchoverTestEnv, id: string) =>
  env.requests({ path: `/${id}/(swap|async-swap|switchover|failover|switch-vip)$` });

async function expectOwnedUpTo(sim: RunningSimulator, id: string, outcome: SwitchoverOutcome, count: number) {
  expect(await acceptedCount(sim.url, id)).toBe(count);
  if (count > 0) expect(outcome.triggered).toBe(true);
}

function seedDrs(sim: RunningSimulator): string {
  const jobId = uniqueId('rt-drs');
  sim.control.createDrsJob({ projectId: PROJECT, jobId, behaviour: { switchMs: 400 } });
  return jobId;
}
function seedDcs(sim: RunningSimulator): string {
  const instanceId = uniqueId('rt-redis');
  sim.control.createDcsInstance({
    projectId: PROJECT,
    instanceId,
    swapBehaviour: { initMs: 100, runMs: 300 },
  });
  return instanceId;
}
function seedDws(sim: RunningSimulator): string {
  const drId = uniqueId('rt-dr');
  sim.control.createDwsDisasterRecovery({ projectId: PROJECT, drId, behaviour: { switchMs: 400 } });
  return drId;
}
const drsSettled = (sim: RunningSimulator, jobId: string) =>
  sim.control.getDrsJob(jobId)?.switchStatus !== 'SWITCH_VIP_START';

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv({
    workerEnv: {
      SWITCHOVER_AUTH_MODE: 'iam',
      SWITCHOVER_IAM_USER: DEFAULT_USER.name,
      SWITCHOVER_IAM_PASSWORD: DEFAULT_USER.password,
      SWITCHOVER_IAM_DOMAIN: DEFAULT_USER.domain,
      SWITCHOVER_IAM_PROJECT_ID: PROJECT,
      SWITCHOVER_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS: String(WINDOW_MS),
    },
  });
});
afterEach(async () => {
  env.sim.control.clearFaults();
  await setClockOffset(env.sim.url, 0);
  env.sim.control.releaseHeld();
});
afterAll(async () => {
  await env?.close();
});

describe('DRS: a 2xx switch-vip answer carrying DRS.M01504 without status "failed"', () => {
  // cloud-apis.md documents 202 {id, status: success/failed, error_code, error_msg}; the refusal is status
  // "failed". activities/drs/api.ts switchVip reads error_code first: a 202 that says status "success" (or no
  // status) but carries DRS.M01504 is thrown as CloudBusyError, i.e. "definitely not sent", although the cloud
  // accepted it. The simulator applied it (its isAccepted: 2xx and status != failed).
  const contradictory = (jobId: string) => ({
    id: jobId,
    status: 'success',
    error_code: 'DRS.M01504',
    error_msg: 'Another operation is being performed on the task. Try again later.',
  });

  test('fresh job, 2xx success carrying DRS.M01504: accepted, never reported as "sent nothing"', async () => {
    const id = seedDrs(env.sim);
    await addFault(env.sim.url, {
      match: triggerOf(id),
      fault: { type: 'replace-body', body: contradictory(id) },
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId: id, mode: 'source', ...FAST });
    // Before the fix: attempt 1 was classified not sent; attempt 2's look saw the VIP status moved and refused
    // "although this switchover sent nothing": rejected, triggered false, with one accepted switch.
    expect(received(env, id)).toHaveLength(1);
    await expectOwnedUpTo(env.sim, id, outcome, 1);
    expect(outcome.message).not.toMatch(/sent nothing/);
  });

  test('earlier COMPLETE switch, 2xx success carrying DRS.M01504: the VIP is switched once by one workflow', async () => {
    const id = seedDrs(env.sim);
    // An earlier switch (someone's, long ago): the status reads SWITCH_VIP_COMPLETE before this run.
    const earlier = await call(env.sim.url, 'POST', `/v3/${PROJECT}/jobs/${id}/switch-vip`, {
      body: { mode: 'target' },
    });
    expect(earlier.status).toBe(202);
    await waitFor(async () => (drsSettled(env.sim, id) ? true : undefined), 10_000);
    const baseline = await acceptedCount(env.sim.url, id);
    expect(baseline).toBe(1);

    await addFault(env.sim.url, {
      match: triggerOf(id),
      fault: { type: 'replace-body', body: contradictory(id) },
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId: id, mode: 'source', ...FAST });
    // Before the fix: the accepted switch completed (COMPLETE again, same as before), attempt 2's look could not
    // tell, and sent a second switch-vip, which was accepted too.
    expect(received(env, id).length - 1).toBe(1);
    expect(await acceptedCount(env.sim.url, id)).toBe(baseline + 1);
    expect(outcome.triggered).toBe(true);
  });
});

describe('sequences that hold', () => {
  test('DCS async: unreadable {"job_id": ""} then cancel during await: cancelled_after_trigger, one trigger', async () => {
    const id = uniqueId('rt-redis-slow');
    env.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId: id,
      swapBehaviour: { initMs: 500, runMs: 4_000 },
    });
    await addFault(env.sim.url, {
      match: triggerOf(id),
      fault: { type: 'replace-body', body: { job_id: '' } },
    });
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId: id, swapMode: 'async', ...FAST });
    await waitFor(
      async () => ((await switchoverProgress(handle)).phase === 'await' ? true : undefined),
      20_000,
    );
    await handle.cancel();
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('cancelled_after_trigger');
    expect(outcome.message).not.toMatch(/nothing was (switched|started|sent)/);
    expect(received(env, id)).toHaveLength(1);
    await expectOwnedUpTo(env.sim, id, outcome, 1);
  });

  test('accept-late with an immediate 504, cancel during the look: cancelled_after_trigger; it lands once; re-run refused', async () => {
    const id = seedDws(env.sim);
    await addFault(env.sim.url, {
      match: triggerOf(id),
      fault: { type: 'accept-late', ms: 6_000, status: 504 },
    });
    const handle = await env.start('dws', {
      projectId: PROJECT,
      disasterRecoveryId: id,
      mode: 'switchover',
      ...FAST,
    });
    // The 504 comes at once and makes attempt 1 ambiguous (the request log only shows it once applied, 6 s
    // later): cancel while the workflow backs off (2 s) or attempt 2 looks, before the request is applied.
    await waitFor(
      async () => ((await switchoverProgress(handle)).phase === 'trigger' ? true : undefined),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await acceptedCount(env.sim.url, id)).toBe(0);
    await handle.cancel();
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('cancelled_after_trigger');
    expect(outcome.triggered).toBe(true);
    await waitFor(async () => ((await acceptedCount(env.sim.url, id)) === 1 ? true : undefined), 10_000);
    await waitFor(
      async () => (!env.sim.control.getDwsDisasterRecovery(id)?.operation ? true : undefined),
      10_000,
    );
    const again = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId: id,
      mode: 'switchover',
      ...FAST,
    });
    expect(again.status).toBe('rejected');
    expect(again.message).toMatch(/^cooldown: /);
    expect(received(env, id)).toHaveLength(1);
    await expectOwnedUpTo(env.sim, id, outcome, 1);
  });

  test('401 on the first send, reset-after-accept on the second: adopted, succeeded, one trigger', async () => {
    const id = seedDcs(env.sim);
    await addFault(env.sim.url, { match: triggerOf(id), fault: { type: 'status', status: 401 } });
    // Faults apply in the order added and each is used once: the second POST is applied, then its socket dies.
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId: id, swapMode: 'sync', ...FAST });
    await waitFor(async () => (received(env, id).length === 1 ? true : undefined), 20_000);
    await addFault(env.sim.url, { match: triggerOf(id), fault: { type: 'reset-after-accept' } });
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('succeeded');
    expect((await switchoverProgress(handle)).trigger).toMatch(/^adopted: /);
    expect(received(env, id)).toHaveLength(2);
    await expectOwnedUpTo(env.sim, id, outcome, 1);
  });

  test('late acceptance lands just after the look window; an immediate second run is refused by the cooldown', async () => {
    const id = seedDws(env.sim);
    const lateMs = REQUEST_TIMEOUT_MS + WINDOW_MS + 4_000;
    await addFault(env.sim.url, { match: triggerOf(id), fault: { type: 'accept-late', ms: lateMs } });
    const input = { projectId: PROJECT, disasterRecoveryId: id, mode: 'switchover', ...FAST };
    const first = await env.run('dws', input);
    expect(first.status).toBe('unknown');
    expect(first.triggered).toBe(true);
    // The second run starts while the first run's request is still queued at the cloud.
    const second = await env.run('dws', input);
    expect(second.status).toBe('rejected');
    expect(second.triggered).toBe(false);
    await waitFor(
      async () => ((await acceptedCount(env.sim.url, id)) === 1 ? true : undefined),
      lateMs + 10_000,
    );
    expect(received(env, id)).toHaveLength(1);
    await expectOwnedUpTo(env.sim, id, first, 1);
  });

  test('DRS with an earlier COMPLETE switch and an ambiguous send (504, applied later): never succeeded unattributed, one trigger', async () => {
    const id = seedDrs(env.sim);
    await call(env.sim.url, 'POST', `/v3/${PROJECT}/jobs/${id}/switch-vip`, { body: { mode: 'target' } });
    await waitFor(async () => (drsSettled(env.sim, id) ? true : undefined), 10_000);
    const baseline = await acceptedCount(env.sim.url, id);
    await addFault(env.sim.url, {
      match: triggerOf(id),
      fault: { type: 'accept-late', ms: 2_500, status: 504 },
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId: id, mode: 'source', ...FAST });
    // The 400 ms START may be missed between looks: unknown is honest; succeeded only if START was seen.
    expect(['succeeded', 'unknown']).toContain(outcome.status);
    expect(outcome.triggered).toBe(true);
    await waitFor(
      async () => ((await acceptedCount(env.sim.url, id)) === baseline + 1 ? true : undefined),
      10_000,
    );
    expect(received(env, id).length - 1).toBe(1);
  });

  test('a look held (and timed out) just after the late request landed: unknown although the switch happened, one trigger', async () => {
    const id = seedDws(env.sim);
    await addFault(env.sim.url, {
      match: triggerOf(id),
      fault: { type: 'accept-late', ms: 5_000, status: 504 },
    });
    const handle = await env.start('dws', {
      projectId: PROJECT,
      disasterRecoveryId: id,
      mode: 'switchover',
      ...FAST,
    });
    await waitFor(async () => (received(env, id).length === 1 ? true : undefined), 20_000);
    // The next GET of the DR (attempt 2's first look) waits at the gateway.
    await addFault(env.sim.url, {
      match: { method: 'GET', path: `/disaster-recovery/${id}$`, service: 'dws' },
      fault: { type: 'hold' },
    });
    await waitForHeld(env.sim.url, 1, 20_000);
    await waitFor(async () => ((await acceptedCount(env.sim.url, id)) === 1 ? true : undefined), 15_000);
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    await releaseHeld(env.sim.url);
    const outcome = await awaitOutcome(handle);
    expect(['succeeded', 'unknown']).toContain(outcome.status);
    expect(received(env, id)).toHaveLength(1);
    await expectOwnedUpTo(env.sim, id, outcome, 1);
  });
});

describe('the cloud rate limiter and the gateway throttle squeeze the trigger', () => {
  let limited: SwitchoverTestEnv;
  beforeAll(async () => {
    limited = await createSwitchoverTestEnv({
      workerEnv: {
        // 3 calls/s: one permit per second per service and project, shared by preflight, looks, send and polls.
        SWITCHOVER_CLOUD_RATE_LIMIT: '3',
        SWITCHOVER_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS: String(WINDOW_MS),
      },
    });
  });
  afterAll(async () => {
    await call(limited?.sim.url, 'PUT', '/_sim/throttle', { body: { callsPerSecond: 0 } }).catch(
      () => undefined,
    );
    await limited?.close();
  });

  test('DWS switchover under a 1 call/s gateway throttle and a 3/s worker limit: one trigger, never "not sent" when accepted', async () => {
    const id = seedDws(limited.sim);
    const throttle = await call(limited.sim.url, 'PUT', '/_sim/throttle', {
      body: { callsPerSecond: 1, services: ['dws'] },
    });
    expect(throttle.status).toBe(200);
    // Someone else's polling in the same project eats permits at the gateway while the run triggers.
    let stop = false;
    const noise = (async () => {
      const until = Date.now() + 8_000;
      while (!stop && Date.now() < until) {
        await call(limited.sim.url, 'GET', `/v2/${PROJECT}/disaster-recovery/${id}`).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    try {
      const outcome = await limited.run('dws', {
        projectId: PROJECT,
        disasterRecoveryId: id,
        mode: 'switchover',
        ...FAST,
        // Short: with a 1 call/s gateway, a look and its send always share one second, so every send is 429
        // (liveness, not safety): the run ends rejected when the trigger phase's deadline passes.
        timeoutSeconds: 20,
      });
      expect(['succeeded', 'unknown', 'rejected']).toContain(outcome.status);
      if (outcome.status === 'rejected') expect(outcome.message).toMatch(/not sent/);
      const accepted = await acceptedCount(limited.sim.url, id);
      expect(accepted).toBeLessThanOrEqual(1);
      if (accepted > 0) expect(outcome.triggered).toBe(true);
      if (outcome.status === 'succeeded') expect(accepted).toBe(1);
    } finally {
      stop = true;
      await noise;
    }
  });
});
