import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { call, waitFor } from '../../simulator/testing';

const P = '0605767a3300d5762fb7c0186d7ff0a5';
const base = `/v2/${P}/disaster-recovery`;

interface Cluster {
  id: string;
  name: string;
  role: string;
  status: string;
  progress: string;
  last_success_time: string;
  region: string;
  project_id: string;
}
interface Detail {
  disaster_recovery: {
    id: string;
    name: string;
    dr_type: string;
    status: string;
    dr_sync_period: string;
    start_time: string;
    create_time: string;
    primary_cluster: Cluster;
    standby_cluster: Cluster;
  };
}

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
});
afterEach(async () => {
  await sim.close();
});

const detail = async (id = 'dr-1') =>
  (await call<Detail>(sim.url, 'GET', `${base}/${id}`)).body.disaster_recovery;

describe('DWS disaster recovery', () => {
  it('shows details, list and progress in the documented shapes', async () => {
    sim.control.createDwsDisasterRecovery({
      projectId: P,
      drId: 'dr-1',
      name: 'dr',
      lastSuccessAgeSeconds: 30,
    });
    const d = await detail();
    expect(d).toMatchObject({ id: 'dr-1', name: 'dr', status: 'running', dr_sync_period: '1M' });
    expect(d.primary_cluster).toMatchObject({ role: 'primary', status: 'AVAILABLE', project_id: P });
    expect(d.standby_cluster).toMatchObject({ role: 'standby' });
    const age = (Date.now() - Date.parse(d.standby_cluster.last_success_time)) / 1000;
    expect(age).toBeGreaterThanOrEqual(29);
    expect(age).toBeLessThan(33);
    expect(Number.isNaN(Date.parse(d.create_time))).toBe(false);

    const list = await call<{ disaster_recovery: Array<Record<string, unknown>> }>(
      sim.url,
      'GET',
      `/v2/${P}/disaster-recoveries`,
    );
    expect(list.body.disaster_recovery).toEqual([
      expect.objectContaining({
        id: 'dr-1',
        status: 'running',
        primary_cluster_id: d.primary_cluster.id,
        last_disaster_time: null,
      }),
    ]);

    const progress = await call<{ disaster_recovery_progress: Record<string, unknown> }>(
      sim.url,
      'GET',
      `/v1/${P}/disaster-recovery/dr-1/show-progress`,
    );
    expect(progress.status).toBe(200);
    expect(progress.body.disaster_recovery_progress).toMatchObject({
      latest_barrier_time: d.standby_cluster.last_success_time,
      recovery_point_object: expect.any(Number),
      recovery_time_object: expect.any(Number),
    });
    expect(progress.body.disaster_recovery_progress.recovery_point_object).toBeGreaterThanOrEqual(29);
  });

  it('400 DWS.10101 for an unknown DR (400, as the Terraform provider expects, not 404)', async () => {
    for (const [method, path] of [
      ['GET', `${base}/nope`],
      ['POST', `${base}/nope/switchover`],
      ['POST', `${base}/nope/failover`],
      ['GET', `/v1/${P}/disaster-recovery/nope/show-progress`],
    ] as const) {
      const res = await call(sim.url, method, path);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error_code: 'DWS.10101', error_msg: expect.any(String) });
    }
  });

  it('advances last_success_time every sync period while running and healthy, and stops when faulty', async () => {
    sim.control.createDwsDisasterRecovery({
      projectId: P,
      drId: 'dr-1',
      syncPeriodSeconds: 0.2,
      lastSuccessAgeSeconds: 100,
    });
    const before = Date.parse((await detail()).standby_cluster.last_success_time);
    await new Promise((r) => setTimeout(r, 300));
    const after = Date.parse((await detail()).standby_cluster.last_success_time);
    expect(after).toBeGreaterThan(before + 90_000);

    sim.control.patchDwsDisasterRecovery('dr-1', { productionFaulty: true, lastSuccessAgeSeconds: 50 });
    const frozen = (await detail()).standby_cluster.last_success_time;
    await new Promise((r) => setTimeout(r, 300));
    const d = await detail();
    expect(d.standby_cluster.last_success_time).toBe(frozen);
    expect(d.primary_cluster.status).toBe('UNAVAILABLE');
  });

  it('planned switchover: 200, switchovering, roles swap, running again, fully synchronized', async () => {
    sim.control.createDwsDisasterRecovery({
      projectId: P,
      drId: 'dr-1',
      behaviour: { switchMs: 300 },
      lastSuccessAgeSeconds: 40,
    });
    const primaryBefore = (await detail()).primary_cluster.id;
    const res = await call(sim.url, 'POST', `${base}/dr-1/switchover`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ disaster_recovery: { id: 'dr-1' } });
    expect((await detail()).status).toBe('switchovering');
    const again = await call<{ error_code: string }>(sim.url, 'POST', `${base}/dr-1/switchover`);
    expect(again.status).toBe(400);
    expect(again.body.error_code).toMatch(/^DWS\./);

    const done = await waitFor(async () => {
      const d = await detail();
      return d.status === 'running' ? d : undefined;
    });
    expect(done.primary_cluster.id).not.toBe(primaryBefore);
    expect(done.standby_cluster.id).toBe(primaryBefore);
    expect(Date.now() - Date.parse(done.standby_cluster.last_success_time)).toBeLessThan(5000);
    expect(sim.control.getDwsDisasterRecovery('dr-1')?.events).toEqual([
      expect.objectContaining({ event: 'switchoverDisasterRecovery', result: 'SUCCESS' }),
    ]);
  });

  it('switchover needs running; a faulty production refuses switchover and allows failover', async () => {
    sim.control.createDwsDisasterRecovery({ projectId: P, drId: 'dr-1', status: 'stopped' });
    const refused = await call<{ error_code: string }>(sim.url, 'POST', `${base}/dr-1/switchover`);
    expect(refused.status).toBe(400);
    expect((await call(sim.url, 'POST', `${base}/dr-1/failover`)).status).toBe(400);

    sim.control.patchDwsDisasterRecovery('dr-1', {
      status: 'abnormal',
      productionFaulty: true,
      lastSuccessAgeSeconds: 120,
      behaviour: { switchMs: 100 },
    });
    const planned = await call<{ error_code: string; error_msg: string }>(
      sim.url,
      'POST',
      `${base}/dr-1/switchover`,
    );
    expect(planned.status).toBe(400);
    expect(planned.body.error_msg).toContain('faulty');
    const primaryBefore = (await detail()).primary_cluster.id;
    const failover = await call(sim.url, 'POST', `${base}/dr-1/failover`);
    expect(failover.status).toBe(200);
    expect(failover.body).toEqual({ disaster_recovery: { id: 'dr-1' } });
    expect((await detail()).status).toBe('switchovering');
    const done = await waitFor(async () => {
      const d = await detail();
      return d.status === 'running' ? d : undefined;
    });
    expect(done.primary_cluster.id).not.toBe(primaryBefore);
    // data not synchronized before the failover is lost: last_success_time did not jump to now
    expect(Date.now() - Date.parse(done.standby_cluster.last_success_time)).toBeGreaterThan(100_000);
    const list = await call<{ disaster_recovery: Array<{ last_disaster_time: string | null }> }>(
      sim.url,
      'GET',
      `/v2/${P}/disaster-recoveries`,
    );
    expect(list.body.disaster_recovery[0]?.last_disaster_time).toEqual(expect.any(String));
  });

  it('FAIL ends abnormal with roles unchanged; a job-fail fault does the same', async () => {
    sim.control.createDwsDisasterRecovery({
      projectId: P,
      drId: 'dr-1',
      behaviour: { switchMs: 100, result: 'FAIL' },
    });
    sim.control.createDwsDisasterRecovery({ projectId: P, drId: 'dr-2', behaviour: { switchMs: 100 } });
    sim.control.addFault({ match: { path: 'dr-2/failover$' }, fault: { type: 'job-fail' } });
    for (const [id, op] of [
      ['dr-1', 'switchover'],
      ['dr-2', 'failover'],
    ] as const) {
      const primaryBefore = (await detail(id)).primary_cluster.id;
      expect((await call(sim.url, 'POST', `${base}/${id}/${op}`)).status).toBe(200);
      const done = await waitFor(async () => {
        const d = await detail(id);
        return d.status !== 'switchovering' ? d : undefined;
      });
      expect(done.status).toBe('abnormal');
      expect(done.primary_cluster.id).toBe(primaryBefore);
    }
  });

  it('a switchover degraded to a failover swaps roles but keeps the last synchronization', async () => {
    sim.control.createDwsDisasterRecovery({
      projectId: P,
      drId: 'dr-1',
      lastSuccessAgeSeconds: 45,
      behaviour: { switchMs: 100, degradeToFailover: true },
    });
    expect((await call(sim.url, 'POST', `${base}/dr-1/switchover`)).status).toBe(200);
    const done = await waitFor(async () => {
      const d = await detail();
      return d.status === 'running' ? d : undefined;
    });
    expect(Date.now() - Date.parse(done.standby_cluster.last_success_time)).toBeGreaterThan(40_000);
    expect(sim.control.getDwsDisasterRecovery('dr-1')?.events[0]?.event).toBe(
      'switchoverContinueAsFailoverDisasterRecovery',
    );
  });

  it('is controlled over HTTP', async () => {
    const created = await call(sim.url, 'POST', '/_sim/dws/disaster-recoveries', {
      token: null,
      body: { projectId: P, drId: 'dr-9', syncPeriodSeconds: 300 },
    });
    expect(created.status).toBe(201);
    const bad = await call<{ error: string }>(sim.url, 'PATCH', '/_sim/dws/disaster-recoveries/dr-9', {
      token: null,
      body: { behaviour: { result: 'MAYBE' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('behaviour.result');
    const got = await call<{ syncPeriodSeconds: number; status: string }>(
      sim.url,
      'GET',
      '/_sim/dws/disaster-recoveries/dr-9',
      {
        token: null,
      },
    );
    expect(got.body).toMatchObject({ syncPeriodSeconds: 300, status: 'running' });
    expect((await detail('dr-9')).dr_sync_period).toBe('5M');
  });
});
