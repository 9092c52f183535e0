import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { call } from '../../simulator/testing';

const P = '0605767a3300d5762fb7c0186d7ff0a5';
const base = `/v2/${P}`;

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
  sim.control.createDcsInstance({
    projectId: P,
    instanceId: 'inst-1',
    swapBehaviour: { initMs: 0, runMs: 50 },
  });
});
afterEach(async () => {
  await sim.close();
});

async function rawFetch(method: string, path: string): Promise<Response> {
  return fetch(`${sim.url}${path}`, { method, headers: { 'X-Auth-Token': 'sim-token' } });
}

describe('simulator fault injection', () => {
  it('latency delays the answer', async () => {
    sim.control.addFault({ match: { path: '/instances/inst-1$' }, fault: { type: 'latency', ms: 300 } });
    const started = Date.now();
    expect((await call(sim.url, 'GET', `${base}/instances/inst-1`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('status answers with the given status (default body in the service shape) and is used up after `times`', async () => {
    sim.control.addFault({
      match: { service: 'dcs', method: 'GET' },
      fault: { type: 'status', status: 503 },
      times: 2,
    });
    const first = await call<{ error_code: string; error_ext_msg: null }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1`,
    );
    expect(first.status).toBe(503);
    expect(first.body.error_ext_msg).toBeNull();
    expect((await call(sim.url, 'GET', `${base}/instances/inst-1`)).status).toBe(503);
    expect((await call(sim.url, 'GET', `${base}/instances/inst-1`)).status).toBe(200);

    sim.control.addFault({
      match: { path: '/swap$' },
      fault: {
        type: 'status',
        status: 500,
        body: { error_code: 'DCS.5094', error_msg: 'x' },
        headers: { 'X-Test': '1' },
      },
    });
    const custom = await call(sim.url, 'POST', `${base}/instances/inst-1/swap`);
    expect(custom.status).toBe(500);
    expect(custom.body).toEqual({ error_code: 'DCS.5094', error_msg: 'x' });
    expect(custom.headers.get('x-test')).toBe('1');
    expect(sim.control.getDcsInstance('inst-1')?.jobs).toHaveLength(0);
  });

  it('throttle answers 429 APIG.0308 with Retry-After', async () => {
    sim.control.addFault({ match: {}, fault: { type: 'throttle', retryAfterSeconds: 2 } });
    const res = await call<{ error_code: string }>(sim.url, 'GET', `${base}/instances/inst-1`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.body.error_code).toBe('APIG.0308');
  });

  it('reset destroys the connection before handling: nothing happens', async () => {
    sim.control.addFault({ match: { method: 'POST', path: '/swap$' }, fault: { type: 'reset' } });
    await expect(rawFetch('POST', `${base}/instances/inst-1/swap`)).rejects.toThrow();
    expect(sim.control.getDcsInstance('inst-1')?.jobs).toHaveLength(0);
    expect(sim.control.requests({ path: '/swap$' })).toEqual([
      expect.objectContaining({ status: 'reset', fault: 'reset' }),
    ]);
  });

  it('reset-after-accept handles the request (a job starts) but gives no answer', async () => {
    sim.control.addFault({
      match: { method: 'POST', path: '/swap$' },
      fault: { type: 'reset-after-accept' },
    });
    await expect(rawFetch('POST', `${base}/instances/inst-1/swap`)).rejects.toThrow();
    expect(sim.control.getDcsInstance('inst-1')?.jobs).toHaveLength(1);
    const log = sim.control.requests({ method: 'POST', path: '/swap$' });
    expect(log).toEqual([
      expect.objectContaining({ status: 'reset', fault: 'reset-after-accept', authenticated: true }),
    ]);
  });

  it('malformed-json answers 200 with a body that does not parse', async () => {
    sim.control.addFault({ match: { path: '/instances/inst-1$' }, fault: { type: 'malformed-json' } });
    const res = await rawFetch('GET', `${base}/instances/inst-1`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('unknown-enum replaces a field of the answer', async () => {
    const swap = await call<{ job_id: string }>(sim.url, 'PUT', `${base}/instances/inst-1/async-swap`);
    sim.control.addFault({
      match: { path: '/jobs/' },
      fault: { type: 'unknown-enum', field: 'status', value: 'PAUSED' },
    });
    const job = await call<{ status: string }>(sim.url, 'GET', `${base}/jobs/${swap.body.job_id}`);
    expect(job.body.status).toBe('PAUSED');
    expect(
      (await call<{ status: string }>(sim.url, 'GET', `${base}/jobs/${swap.body.job_id}`)).body.status,
    ).not.toBe('PAUSED');
  });

  it('job-fail makes the next started job fail with the reason', async () => {
    sim.control.addFault({ match: { service: 'dcs' }, fault: { type: 'job-fail', reason: 'injected' } });
    // a GET does not use up a job-fail fault
    await call(sim.url, 'GET', `${base}/instances/inst-1`);
    const swap = await call<{ job_id: string }>(sim.url, 'PUT', `${base}/instances/inst-1/async-swap`);
    await new Promise((r) => setTimeout(r, 100));
    const job = await call<{ status: string; fail_reason: string }>(
      sim.url,
      'GET',
      `${base}/jobs/${swap.body.job_id}`,
    );
    expect(job.body).toMatchObject({ status: 'FAIL', fail_reason: 'injected' });
  });

  it('times 0 applies until cleared; faults are listed and cleared over HTTP; bad specs are explained', async () => {
    const added = await call<{ id: string }>(sim.url, 'POST', '/_sim/faults', {
      token: null,
      body: { match: { path: '/groups$' }, fault: { type: 'status', status: 502 }, times: 0 },
    });
    expect(added.status).toBe(201);
    for (let i = 0; i < 3; i++)
      expect((await call(sim.url, 'GET', `${base}/instance/inst-1/groups`)).status).toBe(502);
    const listed = await call<Array<{ id: string; applied: number }>>(sim.url, 'GET', '/_sim/faults', {
      token: null,
    });
    expect(listed.body).toEqual([expect.objectContaining({ id: added.body.id, applied: 3 })]);
    expect((await call(sim.url, 'DELETE', '/_sim/faults', { token: null })).status).toBe(204);
    expect((await call(sim.url, 'GET', `${base}/instance/inst-1/groups`)).status).toBe(200);

    const bad = await call<{ error: string }>(sim.url, 'POST', '/_sim/faults', {
      token: null,
      body: { fault: { type: 'latency' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('fault.ms');
  });
});

describe('simulator request log', () => {
  it('records cloud calls (not control calls) and filters them', async () => {
    await call(sim.url, 'GET', `${base}/instances/inst-1`);
    await call(sim.url, 'POST', `${base}/instances/inst-1/swap`);
    await call(sim.url, 'GET', `${base}/instances/inst-1/tasks?begin_time=20240101000000`);
    await call(sim.url, 'GET', `${base}/instances/inst-1`, { token: null });
    await call(sim.url, 'GET', '/_sim/faults', { token: null });

    const all = await call<Array<Record<string, unknown>>>(sim.url, 'GET', '/_sim/requests', { token: null });
    expect(all.body).toHaveLength(4);
    expect(all.body[0]).toEqual({
      seq: 1,
      at: expect.any(String),
      method: 'GET',
      path: `${base}/instances/inst-1`,
      query: {},
      service: 'dcs',
      status: 200,
      authenticated: true,
      authMethod: 'token',
    });
    expect(all.body[2]?.query).toEqual({ begin_time: '20240101000000' });
    expect(all.body[3]).toMatchObject({ status: 401, authenticated: false });

    const swaps = await call<unknown[]>(
      sim.url,
      'GET',
      `/_sim/requests?method=POST&path=${encodeURIComponent('/swap$')}`,
      {
        token: null,
      },
    );
    expect(swaps.body).toEqual([expect.objectContaining({ method: 'POST', status: 204 })]);
    expect(sim.control.requests({ service: 'dws' })).toHaveLength(0);
  });

  it('logs unknown paths as 404 from the gateway', async () => {
    const res = await call<{ error_code: string }>(sim.url, 'GET', `${base}/instances/inst-1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.body.error_code).toBe('APIGW.0101');
    expect(sim.control.requests()).toEqual([expect.objectContaining({ status: 404, service: 'dcs' })]);
  });
});
