import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { call, waitFor } from '../../simulator/testing';

const P = '0605767a3300d5762fb7c0186d7ff0a5';
const base = `/v3/${P}/jobs`;

interface SwitchStatus {
  id: string;
  status: string;
  error_code?: string;
  error_msg?: string;
}

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
});
afterEach(async () => {
  await sim.close();
});

const status = (id = 'job-1') => call<SwitchStatus>(sim.url, 'GET', `${base}/${id}/get-switch-vip-status`);

describe('DRS dual-VIP switchover', () => {
  it('needs a token (APIGW.0301)', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1' });
    const res = await call(sim.url, 'POST', `${base}/batch-status`, {
      token: null,
      body: { jobs: ['job-1'] },
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error_code: 'APIGW.0301',
      error_msg: expect.stringContaining('Incorrect IAM authentication information'),
    });
  });

  it('batch-status reports each job, unknown ones with an error', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1' });
    sim.control.createDrsJob({ projectId: P, jobId: 'job-2', status: 'INCRE_TRANSFER_FAILED' });
    const res = await call(sim.url, 'POST', `${base}/batch-status`, {
      body: { jobs: ['job-1', 'job-2', 'job-x'] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      count: 3,
      results: [
        { id: 'job-1', status: 'INCRE_TRANSFER_STARTED' },
        { id: 'job-2', status: 'INCRE_TRANSFER_FAILED' },
        { id: 'job-x', status: '', error_code: 'DRS.M05003', error_message: expect.any(String) },
      ],
    });
    expect((await call(sim.url, 'POST', `${base}/batch-status`, { body: { jobs: [] } })).status).toBe(400);
  });

  it('switches: 202 success, SWITCH_VIP_START then SWITCH_VIP_COMPLETE, the VIP moves', async () => {
    // long enough that the status and the second switch-vip below land inside the switch even on a loaded machine
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1', behaviour: { switchMs: 1500 } });
    const before = await status();
    expect(before.status).toBe(400);
    expect((before.body as unknown as { error_code: string }).error_code).toMatch(/^DRS\./);

    const res = await call(sim.url, 'POST', `${base}/job-1/switch-vip`, {
      body: { mode: 'target' },
      headers: { 'X-Language': 'en-us' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: 'job-1', status: 'success' });
    expect((await status()).body).toEqual({ id: 'job-1', status: 'SWITCH_VIP_START' });
    const busy = await call<{ error_code: string }>(sim.url, 'POST', `${base}/job-1/switch-vip`, {
      body: { mode: 'target' },
    });
    // "another operation is being performed" comes with 202 (DRS.M01504), not an error status
    expect(busy.status).toBe(202);
    expect(busy.body).toMatchObject({ status: 'failed', error_code: 'DRS.M01504' });

    await waitFor(async () => ((await status()).body.status === 'SWITCH_VIP_COMPLETE' ? true : undefined));
    expect(sim.control.getDrsJob('job-1')).toMatchObject({
      vip: { target: 'standby-node', source: 'primary-node' },
      switchCount: 1,
    });
  });

  it('refuses a bad mode and a job that is not in incremental sync', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1', status: 'INCRE_TRANSFER_FAILED' });
    const badMode = await call<{ error_code: string }>(sim.url, 'POST', `${base}/job-1/switch-vip`, {
      body: { mode: 'both' },
    });
    expect(badMode.status).toBe(400);
    const notHealthy = await call<{ error_code: string; error_msg: string }>(
      sim.url,
      'POST',
      `${base}/job-1/switch-vip`,
      {
        body: { mode: 'source' },
      },
    );
    expect(notHealthy.status).toBe(400);
    expect(notHealthy.body.error_code).toBe('DRS.M00304');
    expect(notHealthy.body.error_msg).toContain('INCRE_TRANSFER_STARTED');
    expect(sim.control.getDrsJob('job-1')?.switchStatus).toBeNull();
  });

  it('FAIL ends SWITCH_VIP_FAILED with error_code/error_msg; REJECT answers 202 failed; job-fail fault fails', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1', behaviour: { switchMs: 50, result: 'FAIL' } });
    sim.control.createDrsJob({ projectId: P, jobId: 'job-2', behaviour: { result: 'REJECT' } });
    sim.control.createDrsJob({ projectId: P, jobId: 'job-3', behaviour: { switchMs: 50 } });

    expect(
      (await call(sim.url, 'POST', `${base}/job-1/switch-vip`, { body: { mode: 'source' } })).status,
    ).toBe(202);
    const failed = await waitFor(async () => {
      const s = await status('job-1');
      return s.body.status === 'SWITCH_VIP_FAILED' ? s.body : undefined;
    });
    expect(failed).toEqual({
      id: 'job-1',
      status: 'SWITCH_VIP_FAILED',
      error_code: expect.any(String),
      error_msg: expect.any(String),
    });
    expect(sim.control.getDrsJob('job-1')?.vip.source).toBe('primary-node');

    const rejected = await call(sim.url, 'POST', `${base}/job-2/switch-vip`, { body: { mode: 'source' } });
    expect(rejected.status).toBe(202);
    expect(rejected.body).toMatchObject({ id: 'job-2', status: 'failed', error_code: expect.any(String) });

    sim.control.addFault({
      match: { service: 'drs' },
      fault: { type: 'job-fail', reason: 'VIP unreachable' },
    });
    expect(
      (await call(sim.url, 'POST', `${base}/job-3/switch-vip`, { body: { mode: 'source' } })).status,
    ).toBe(202);
    const injected = await waitFor(async () => {
      const s = await status('job-3');
      return s.body.status === 'SWITCH_VIP_FAILED' ? s.body : undefined;
    });
    expect(injected.error_msg).toBe('VIP unreachable');
  });

  it('STUCK stays SWITCH_VIP_START until finished through the HTTP control API', async () => {
    await call(sim.url, 'POST', '/_sim/drs/jobs', {
      token: null,
      body: { projectId: P, jobId: 'job-1', behaviour: { switchMs: 0, result: 'STUCK' } },
    });
    await call(sim.url, 'POST', `${base}/job-1/switch-vip`, { body: { mode: 'source' } });
    await new Promise((r) => setTimeout(r, 50));
    expect((await status()).body.status).toBe('SWITCH_VIP_START');
    const patched = await call(sim.url, 'PATCH', '/_sim/drs/jobs/job-1', {
      token: null,
      body: { finishSwitch: 'SUCCESS' },
    });
    expect(patched.status).toBe(200);
    expect((await status()).body.status).toBe('SWITCH_VIP_COMPLETE');
  });

  it('unknown-enum can make the switch status unknown to the client', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1' });
    await call(sim.url, 'POST', `${base}/job-1/switch-vip`, { body: { mode: 'source' } });
    sim.control.addFault({
      match: { path: 'get-switch-vip-status$' },
      fault: { type: 'unknown-enum', field: 'status', value: 'SWITCH_VIP_PAUSED' },
    });
    expect((await status()).body.status).toBe('SWITCH_VIP_PAUSED');
    sim.control.addFault({
      match: { path: 'batch-status$' },
      fault: { type: 'unknown-enum', field: 'results.0.status', value: 'WEIRD' },
    });
    const batch = await call<{ results: Array<{ status: string }> }>(
      sim.url,
      'POST',
      `${base}/batch-status`,
      { body: { jobs: ['job-1'] } },
    );
    expect(batch.body.results[0]?.status).toBe('WEIRD');
  });
});
