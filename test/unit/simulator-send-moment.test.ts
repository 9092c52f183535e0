import { startSimulator, type RunningSimulator } from '../../simulator/server';
import {
  acceptedCount,
  acceptedTriggers,
  addFault,
  call,
  heldRequests,
  refuseConnections,
  releaseHeld,
  setClockOffset,
  waitFor,
  waitForHeld,
} from '../../simulator/testing';

/**
 * The simulator's fault features for the send moment: hold, accept-late, unreadable 2xx, clock offset, refused
 * connections, the DRS stale status and the accepted-trigger counters. Over real HTTP.
 */

const P = '0605767a3300d5762fb7c0186d7ff0a5';
const dcs = `/v2/${P}/instances`;
const dws = `/v2/${P}/disaster-recovery`;
const drs = `/v3/${P}/jobs`;

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
  sim.control.createDcsInstance({
    projectId: P,
    instanceId: 'inst-1',
    swapBehaviour: { initMs: 0, runMs: 50 },
  });
  sim.control.createDcsInstance({
    projectId: P,
    instanceId: 'inst-2',
    swapBehaviour: { initMs: 0, runMs: 50 },
  });
  sim.control.createDwsDisasterRecovery({ projectId: P, drId: 'dr-1', behaviour: { switchMs: 50 } });
  sim.control.createDrsJob({ projectId: P, jobId: 'job-1', behaviour: { switchMs: 50 } });
});
afterEach(async () => {
  await sim.close();
});

/** A fetch the test can abandon after `ms` (the client gives up; the server does not know). */
async function fetchWithTimeout(method: string, path: string, ms: number, body?: unknown): Promise<number> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'X-Auth-Token': 'sim-token', 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(ms),
  });
  await res.text();
  return res.status;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('accepted-trigger counters', () => {
  it('count what was applied per resource, not what was received or refused', async () => {
    expect((await call(sim.url, 'POST', `${dcs}/inst-1/swap`)).status).toBe(204);
    // refused while the job runs: received, not accepted
    expect((await call(sim.url, 'POST', `${dcs}/inst-1/swap`)).status).toBe(400);
    sim.control.addFault({ match: { path: '/swap$' }, fault: { type: 'status', status: 503 } });
    expect((await call(sim.url, 'POST', `${dcs}/inst-2/swap`)).status).toBe(503);
    expect((await call(sim.url, 'PUT', `${dcs}/inst-2/async-swap`)).status).toBe(200);
    expect((await call(sim.url, 'POST', `${dws}/dr-1/failover`)).status).toBe(200);
    expect(
      (await call(sim.url, 'POST', `${drs}/job-1/switch-vip`, { body: { mode: 'source' } })).status,
    ).toBe(202);
    sim.control.createDrsJob({ projectId: P, jobId: 'job-r', behaviour: { result: 'REJECT' } });
    // a refusal in a 2xx body (DRS status "failed") is not an accepted trigger
    expect(
      (await call(sim.url, 'POST', `${drs}/job-r/switch-vip`, { body: { mode: 'source' } })).status,
    ).toBe(202);

    const info = await acceptedTriggers(sim.url);
    expect(info.counts).toEqual({ 'inst-1': 1, 'inst-2': 1, 'dr-1': 1, 'job-1': 1 });
    expect(info.accepted.map((a) => `${a.service}:${a.operation}:${a.resourceId}`)).toEqual([
      'dcs:swap:inst-1',
      'dcs:async-swap:inst-2',
      'dws:failover:dr-1',
      'drs:switch-vip:job-1',
    ]);
    expect(await acceptedCount(sim.url, 'inst-2')).toBe(1);
    expect((await acceptedTriggers(sim.url, { service: 'dws' })).accepted).toHaveLength(1);
    expect(sim.control.requests({ path: '/swap$' })).toHaveLength(3);
  });
});

describe('hold', () => {
  it('parks a trigger until released: then it is applied and answered', async () => {
    await addFault(sim.url, { match: { service: 'dcs', trigger: true }, fault: { type: 'hold' } });
    // a read is not a trigger: not held
    expect((await call(sim.url, 'GET', `${dcs}/inst-1`)).status).toBe(200);
    const pending = call(sim.url, 'POST', `${dcs}/inst-1/swap`);
    const held = await waitForHeld(sim.url, 1);
    expect(held.held[0]).toEqual(
      expect.objectContaining({ method: 'POST', path: `${dcs}/inst-1/swap`, service: 'dcs', trigger: true }),
    );
    await sleep(100);
    expect(sim.control.heldCount()).toBe(1);
    expect(await acceptedCount(sim.url, 'inst-1')).toBe(0);
    expect(sim.control.getDcsInstance('inst-1')?.jobs).toHaveLength(0);

    expect(await releaseHeld(sim.url)).toEqual([held.held[0]!.id]);
    expect((await pending).status).toBe(204);
    expect(await acceptedCount(sim.url, 'inst-1')).toBe(1);
    expect((await heldRequests(sim.url)).count).toBe(0);
  });

  it('a held request is applied on release even when its client is gone (killed worker)', async () => {
    await addFault(sim.url, { match: { path: '/switchover$' }, fault: { type: 'hold' } });
    const client = fetchWithTimeout('POST', `${dws}/dr-1/switchover`, 200);
    await waitForHeld(sim.url, 1);
    await expect(client).rejects.toThrow();
    expect(sim.control.getDwsDisasterRecovery('dr-1')?.operation).toBeNull();
    await releaseHeld(sim.url);
    await waitFor(async () => ((await acceptedCount(sim.url, 'dr-1')) === 1 ? true : undefined));
    expect(sim.control.getDwsDisasterRecovery('dr-1')?.operation?.kind).toBe('switchover');
  });

  it('release one by id, drop another unhandled; unknown ids and bad bodies are named', async () => {
    await addFault(sim.url, { match: { trigger: true, service: 'dcs' }, fault: { type: 'hold' }, times: 2 });
    const first = call(sim.url, 'POST', `${dcs}/inst-1/swap`);
    await waitForHeld(sim.url, 1);
    const second = fetch(`${sim.url}${dcs}/inst-2/swap`, {
      method: 'POST',
      headers: { 'X-Auth-Token': 'sim-token' },
    });
    const held = await waitForHeld(sim.url, 2);
    const [a, b] = held.held;
    expect(await releaseHeld(sim.url, { id: b!.id, apply: false })).toEqual([b!.id]);
    await expect(second).rejects.toThrow();
    expect(await releaseHeld(sim.url, { id: a!.id })).toEqual([a!.id]);
    expect((await first).status).toBe(204);
    expect((await acceptedTriggers(sim.url)).counts).toEqual({ 'inst-1': 1 });
    expect(sim.control.getDcsInstance('inst-2')?.jobs).toHaveLength(0);
    expect(sim.control.requests({ path: 'inst-2/swap$' })).toEqual([
      expect.objectContaining({ status: 'reset' }),
    ]);

    const unknown = await call<{ error: string }>(sim.url, 'POST', '/_sim/held/release', {
      body: { id: 'held-x' },
    });
    expect(unknown.status).toBe(404);
    const bad = await call<{ error: string }>(sim.url, 'POST', '/_sim/held/release', {
      body: { apply: 'yes' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/apply/);
  });

  it('closing the simulator drops held requests (no request is left hanging)', async () => {
    await addFault(sim.url, { match: { path: '/switch-vip$' }, fault: { type: 'hold' } });
    const pending = fetch(`${sim.url}${drs}/job-1/switch-vip`, {
      method: 'POST',
      headers: { 'X-Auth-Token': 'sim-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'source' }),
    });
    await waitForHeld(sim.url, 1);
    await sim.close();
    await expect(pending).rejects.toThrow();
    expect(sim.control.acceptedCounts()).toEqual({});
  });
});

describe('accept-late', () => {
  it('applies the request after `ms` although the client timed out before', async () => {
    await addFault(sim.url, { match: { path: '/swap$' }, fault: { type: 'accept-late', ms: 400 } });
    const started = Date.now();
    await expect(fetchWithTimeout('POST', `${dcs}/inst-1/swap`, 100)).rejects.toThrow();
    expect(await acceptedCount(sim.url, 'inst-1')).toBe(0);
    await waitFor(async () => ((await acceptedCount(sim.url, 'inst-1')) === 1 ? true : undefined), 3000, 20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    const accepted = (await acceptedTriggers(sim.url)).accepted[0]!;
    expect(accepted.fault).toBe('accept-late');
    await waitFor(async () => (sim.control.getDcsInstance('inst-1')?.swapCount === 1 ? true : undefined));
  });

  it('answers a waiting client once applied', async () => {
    await addFault(sim.url, { match: { path: '/async-swap$' }, fault: { type: 'accept-late', ms: 100 } });
    const res = await call<{ job_id: string }>(sim.url, 'PUT', `${dcs}/inst-1/async-swap`);
    expect(res.status).toBe(200);
    expect(res.body.job_id).toMatch(/^[0-9a-f]{32}$/);
    expect(await acceptedCount(sim.url, 'inst-1')).toBe(1);
  });

  it('with `status` the gateway answers at once (e.g. 504) and the backend applies later', async () => {
    await addFault(sim.url, {
      match: { path: '/failover$' },
      fault: { type: 'accept-late', ms: 200, status: 504 },
    });
    const res = await call(sim.url, 'POST', `${dws}/dr-1/failover`);
    expect(res.status).toBe(504);
    expect(await acceptedCount(sim.url, 'dr-1')).toBe(0);
    await waitFor(async () => ((await acceptedCount(sim.url, 'dr-1')) === 1 ? true : undefined), 3000, 20);
    expect(sim.control.requests({ path: '/failover$' })).toEqual([
      expect.objectContaining({ status: 504, fault: 'accept-late' }),
    ]);
  });
});

describe('replace-body: 2xx with an unreadable body while the trigger is applied', () => {
  it.each([
    [
      'DCS async-swap {"job_id": ""}',
      'PUT',
      `${dcs}/inst-1/async-swap`,
      undefined,
      { body: { job_id: '' } },
      '{"job_id":""}',
      'inst-1',
    ],
    [
      'DWS switchover {"disaster_recovery": "x"}',
      'POST',
      `${dws}/dr-1/switchover`,
      undefined,
      { body: { disaster_recovery: 'x' } },
      '{"disaster_recovery":"x"}',
      'dr-1',
    ],
    [
      'DRS switch-vip null',
      'POST',
      `${drs}/job-1/switch-vip`,
      { mode: 'target' },
      { body: null },
      'null',
      'job-1',
    ],
    [
      'DCS swap invalid JSON with 200',
      'POST',
      `${dcs}/inst-1/swap`,
      undefined,
      { status: 200, raw: '{"job_id": ' },
      '{"job_id": ',
      'inst-1',
    ],
  ])('%s', async (_name, method, path, body, replace, expectedText, resource) => {
    await addFault(sim.url, { match: { trigger: true }, fault: { type: 'replace-body', ...replace } });
    const res = await call(sim.url, method, path, { body });
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(res.text).toBe(expectedText);
    expect(await acceptedCount(sim.url, resource)).toBe(1);
  });

  it('leaves a refusal alone (only a 2xx answer is replaced)', async () => {
    sim.control.patchDcsInstance('inst-1', { status: 'RESTARTING' });
    await addFault(sim.url, { match: { trigger: true }, fault: { type: 'replace-body', body: null } });
    const res = await call<{ error_code: string }>(sim.url, 'POST', `${dcs}/inst-1/swap`);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe('DCS.4049');
  });

  it('names the rule when both body and raw are given', async () => {
    const res = await call<{ error: string }>(sim.url, 'POST', '/_sim/faults', {
      body: { fault: { type: 'replace-body', body: 1, raw: 'x' } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/body or raw/);
  });
});

describe('clock offset', () => {
  it('shifts the times the cloud reports, keeping their formats, and reads time filters in its own clock', async () => {
    expect((await call(sim.url, 'POST', `${dcs}/inst-1/swap`)).status).toBe(204);
    const real = await call<{ tasks: Array<{ id: string; created_at: string }> }>(
      sim.url,
      'GET',
      `${dcs}/inst-1/tasks`,
    );
    const realCreated = Date.parse(real.body.tasks[0]!.created_at);
    const jobId = real.body.tasks[0]!.id;
    const realJob = await call<{ begin_time: string }>(sim.url, 'GET', `/v2/${P}/jobs/${jobId}`);

    await setClockOffset(sim.url, -5 * 60_000);
    const shifted = await call<{ tasks: Array<{ created_at: string }> }>(
      sim.url,
      'GET',
      `${dcs}/inst-1/tasks`,
    );
    expect(Date.parse(shifted.body.tasks[0]!.created_at)).toBe(realCreated - 5 * 60_000);
    expect(shifted.body.tasks[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const job = await call<{ begin_time: string }>(sim.url, 'GET', `/v2/${P}/jobs/${jobId}`);
    expect(Number(job.body.begin_time)).toBe(Number(realJob.body.begin_time) - 5 * 60_000);

    // A filter from a worker whose clock is right, 1 s before the swap: the cloud (5 min behind) finds nothing.
    const compact = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[-T:]/g, '');
    const filtered = await call<{ tasks: unknown[] }>(
      sim.url,
      'GET',
      `${dcs}/inst-1/tasks?start_time=${compact(realCreated - 1000)}`,
    );
    expect(filtered.body.tasks).toHaveLength(0);
    const inCloudClock = await call<{ tasks: unknown[] }>(
      sim.url,
      'GET',
      `${dcs}/inst-1/tasks?start_time=${compact(realCreated - 5 * 60_000 - 1000)}`,
    );
    expect(inCloudClock.body.tasks).toHaveLength(1);

    await setClockOffset(sim.url, 5 * 60_000);
    const dr = await call<{ disaster_recovery: { primary_cluster: { last_success_time: string } } }>(
      sim.url,
      'GET',
      `${dws}/dr-1`,
    );
    const shown = dr.body.disaster_recovery.primary_cluster.last_success_time;
    expect(shown).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const truth = Date.parse(sim.control.getDwsDisasterRecovery('dr-1')!.lastSuccessTime);
    expect(Math.abs(Date.parse(shown) - (truth + 5 * 60_000))).toBeLessThan(1000);
    const progress = await call<{
      disaster_recovery_progress: { standby_cluster: { action_end_time: string } };
    }>(sim.url, 'GET', `/v1/${P}/disaster-recovery/dr-1/show-progress`);
    const spaced = progress.body.disaster_recovery_progress.standby_cluster.action_end_time;
    expect(spaced).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(Math.abs(Date.parse(`${spaced.replace(' ', 'T')}Z`) - (truth + 5 * 60_000))).toBeLessThan(1000);

    const bad = await call<{ error: string }>(sim.url, 'PUT', '/_sim/clock', { body: { offsetMs: 'soon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/offsetMs/);
  });
});

describe('refuse connections', () => {
  it('closes the listening socket for a while and reopens it on the same port', async () => {
    const url = sim.url;
    await refuseConnections(url, 600);
    const refused = await fetch(`${url}${dcs}/inst-1`, { headers: { 'X-Auth-Token': 'sim-token' } }).then(
      () => 'answered',
      (err: Error & { cause?: { code?: string } }) => err.cause?.code ?? String(err),
    );
    expect(refused).toBe('ECONNREFUSED');
    await waitFor(
      async () => {
        try {
          return (await call(url, 'GET', `${dcs}/inst-1`)).status;
        } catch {
          return undefined;
        }
      },
      5000,
      50,
    ).then((status) => expect(status).toBe(200));
  });

  it('a held request survives the refusal and is applied on release', async () => {
    await addFault(sim.url, { match: { path: '/swap$' }, fault: { type: 'hold' } });
    const pending = call(sim.url, 'POST', `${dcs}/inst-1/swap`);
    await waitForHeld(sim.url, 1);
    await sim.control.refuseConnections(200).then(() => undefined);
    sim.control.releaseHeld({});
    expect((await pending).status).toBe(204);
    expect(sim.control.acceptedCounts()).toEqual({ 'inst-1': 1 });
  });
});

describe('DRS stale status after a trigger', () => {
  async function status(): Promise<{ code: number; status?: string; error_code?: string }> {
    const res = await call<{ status?: string; error_code?: string }>(
      sim.url,
      'GET',
      `${drs}/job-1/get-switch-vip-status`,
    );
    return { code: res.status, status: res.body.status, error_code: res.body.error_code };
  }

  it('keeps the previous final status for staleStatusMs, then shows the new switch', async () => {
    expect(
      (await call(sim.url, 'POST', `${drs}/job-1/switch-vip`, { body: { mode: 'source' } })).status,
    ).toBe(202);
    await waitFor(async () => ((await status()).status === 'SWITCH_VIP_COMPLETE' ? true : undefined));
    sim.control.patchDrsJob('job-1', { behaviour: { staleStatusMs: 400, switchMs: 2000, result: 'FAIL' } });
    expect(
      (await call(sim.url, 'POST', `${drs}/job-1/switch-vip`, { body: { mode: 'source' } })).status,
    ).toBe(202);
    expect(await status()).toEqual({ code: 200, status: 'SWITCH_VIP_COMPLETE' });
    await sleep(450);
    expect((await status()).status).toBe('SWITCH_VIP_START');
    sim.control.patchDrsJob('job-1', { finishSwitch: 'FAIL' });
    expect((await status()).status).toBe('SWITCH_VIP_FAILED');
  });

  it('before any earlier switch it answers "no switch record" during the stale time', async () => {
    sim.control.patchDrsJob('job-1', { behaviour: { staleStatusMs: 300, switchMs: 100 } });
    expect(
      (await call(sim.url, 'POST', `${drs}/job-1/switch-vip`, { body: { mode: 'target' } })).status,
    ).toBe(202);
    expect(await status()).toEqual(expect.objectContaining({ code: 400, error_code: 'DRS.M00304' }));
    await sleep(350);
    expect((await status()).status).toBe('SWITCH_VIP_COMPLETE');
  });
});
