import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { call, waitFor } from '../../simulator/testing';

const P = '0605767a3300d5762fb7c0186d7ff0a5';
const base = `/v2/${P}`;

interface Job {
  job_id: string;
  job_type: string;
  status: string;
  begin_time: string;
  end_time: string | null;
  fail_reason: string | null;
}
interface Groups {
  group_count: number;
  group_list: Array<{
    replication_list: Array<{ replication_role: string; node_id: string; status: string }>;
  }>;
}

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
});
afterEach(async () => {
  await sim.close();
});

async function masterNode(instanceId: string): Promise<string> {
  const groups = await call<Groups>(sim.url, 'GET', `${base}/instance/${instanceId}/groups`);
  expect(groups.status).toBe(200);
  const master = groups.body.group_list[0]?.replication_list.find((r) => r.replication_role === 'master');
  return master?.node_id ?? '';
}

describe('DCS instance and groups', () => {
  it('shows the instance with the documented fields', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'inst-1',
      name: 'cache',
      engineVersion: '6.0',
    });
    const res = await call<Record<string, unknown>>(sim.url, 'GET', `${base}/instances/inst-1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      instance_id: 'inst-1',
      name: 'cache',
      engine: 'Redis',
      engine_version: '6.0',
      cache_mode: 'ha',
      status: 'RUNNING',
      task: null,
      port: 6379,
    });
    expect(typeof res.body.ip).toBe('string');
  });

  it('answers 404 DCS.3022 (instance does not exist) for an unknown instance and for another project', async () => {
    sim.control.createDcsInstance({ projectId: 'other-project', instanceId: 'inst-2' });
    for (const id of ['nope', 'inst-2']) {
      const res = await call(sim.url, 'GET', `${base}/instances/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        error_msg: expect.any(String),
        error_code: 'DCS.3022',
        error_ext_msg: null,
      });
    }
  });

  it('lists one master and one slave in the groups of an ha instance', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'inst-1' });
    const res = await call<Groups>(sim.url, 'GET', `${base}/instance/inst-1/groups`);
    expect(res.body.group_count).toBe(1);
    const roles = res.body.group_list[0]?.replication_list.map((r) => r.replication_role).sort();
    expect(roles).toEqual(['master', 'slave']);
    expect(res.body.group_list[0]?.replication_list.every((r) => r.status === 'Active')).toBe(true);
  });
});

describe('DCS master/standby swap', () => {
  it('swaps: 204, job INIT -> RUNNING -> SUCCESS with the seed body shape, roles flip, task shown while running', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'inst-1',
      swapBehaviour: { initMs: 150, runMs: 400 },
    });
    const before = await masterNode('inst-1');
    const swap = await call(sim.url, 'POST', `${base}/instances/inst-1/swap`);
    expect(swap.status).toBe(204);
    expect(swap.text).toBe('');

    const instance = await call<{ task: string | null; status: string }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1`,
    );
    expect(instance.body.task).toBe('masterStandbySwapJob');
    expect(instance.body.status).toBe('RUNNING');

    const tasks = await call<{
      task_count: string;
      tasks: Array<{ id: string; name: string; status: string }>;
    }>(sim.url, 'GET', `${base}/instances/inst-1/tasks`);
    expect(tasks.body.task_count).toBe('1');
    const task = tasks.body.tasks[0];
    expect(task?.name).toBe('masterStandbySwapJob');

    const first = await call<Job>(sim.url, 'GET', `${base}/jobs/${task?.id}`);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual([
      'begin_time',
      'end_time',
      'fail_reason',
      'job_id',
      'job_type',
      'status',
    ]);
    expect(first.body).toMatchObject({
      job_id: task?.id,
      job_type: 'masterStandbySwapJob',
      status: 'INIT',
      end_time: null,
      fail_reason: null,
    });
    expect(first.body.begin_time).toMatch(/^\d{13}$/);

    await waitFor(async () => {
      const job = await call<Job>(sim.url, 'GET', `${base}/jobs/${task?.id}`);
      return job.body.status === 'RUNNING' ? job : undefined;
    });
    const done = await waitFor(async () => {
      const job = await call<Job>(sim.url, 'GET', `${base}/jobs/${task?.id}`);
      return job.body.status === 'SUCCESS' ? job : undefined;
    });
    expect(done.body.end_time).toMatch(/^\d{13}$/);
    expect(Number(done.body.end_time) - Number(done.body.begin_time)).toBe(550);
    expect(done.body.fail_reason).toBeNull();

    const after = await masterNode('inst-1');
    expect(after).not.toBe(before);
    const settled = await call<{ task: string | null; status: string }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1`,
    );
    expect(settled.body).toMatchObject({ task: null, status: 'RUNNING' });
    expect(sim.control.getDcsInstance('inst-1')?.masterNodeId).toBe(after);
  });

  it('async-swap returns the job id; FAIL keeps the roles and sets fail_reason', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'inst-1',
      swapBehaviour: { initMs: 0, runMs: 100, result: 'FAIL', failReason: 'replica not in sync' },
    });
    const before = await masterNode('inst-1');
    const res = await call<{ job_id: string }>(sim.url, 'PUT', `${base}/instances/inst-1/async-swap`);
    expect(res.status).toBe(200);
    expect(res.body.job_id).toMatch(/^[0-9a-f]{32}$/);
    const job = await waitFor(async () => {
      const j = await call<Job>(sim.url, 'GET', `${base}/jobs/${res.body.job_id}`);
      return j.body.status === 'FAIL' ? j : undefined;
    });
    expect(job.body.fail_reason).toBe('replica not in sync');
    expect(await masterNode('inst-1')).toBe(before);
  });

  it('STUCK stays RUNNING until finished through control', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'inst-1',
      swapBehaviour: { initMs: 0, runMs: 0, result: 'STUCK' },
    });
    const res = await call<{ job_id: string }>(sim.url, 'PUT', `${base}/instances/inst-1/async-swap`);
    await new Promise((r) => setTimeout(r, 100));
    expect((await call<Job>(sim.url, 'GET', `${base}/jobs/${res.body.job_id}`)).body.status).toBe('RUNNING');
    sim.control.patchDcsInstance('inst-1', { finishActiveJob: 'SUCCESS' });
    expect((await call<Job>(sim.url, 'GET', `${base}/jobs/${res.body.job_id}`)).body.status).toBe('SUCCESS');
  });

  it('shows a configured status while the swap runs', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'inst-1',
      swapBehaviour: { initMs: 0, runMs: 200, statusDuringSwap: 'RESTARTING' },
    });
    await call(sim.url, 'POST', `${base}/instances/inst-1/swap`);
    expect((await call<{ status: string }>(sim.url, 'GET', `${base}/instances/inst-1`)).body.status).toBe(
      'RESTARTING',
    );
    await waitFor(async () => {
      const i = await call<{ status: string; task: string | null }>(
        sim.url,
        'GET',
        `${base}/instances/inst-1`,
      );
      return i.body.status === 'RUNNING' && i.body.task === null ? true : undefined;
    });
  });

  it('refuses with the documented error codes', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'single-1', cacheMode: 'single' });
    sim.control.createDcsInstance({ projectId: P, instanceId: 'restarting-1', status: 'RESTARTING' });
    sim.control.createDcsInstance({ projectId: P, instanceId: 'busy-1', swapBehaviour: { runMs: 5000 } });
    sim.control.createDcsInstance({ projectId: P, instanceId: 'backup-1', task: 'BACKUPING' });

    const expectError = async (id: string, status: number, code: string) => {
      const res = await call<{ error_code: string; error_msg: string; error_ext_msg: null }>(
        sim.url,
        'POST',
        `${base}/instances/${id}/swap`,
      );
      expect(res.status).toBe(status);
      expect(res.body.error_code).toBe(code);
      expect(res.body.error_ext_msg).toBeNull();
      return res.body;
    };
    expect((await expectError('single-1', 400, 'DCS.4855')).error_msg).toBe(
      'Master standby swap is not supported.',
    );
    await expectError('restarting-1', 400, 'DCS.4049');
    await expectError('missing', 404, 'DCS.3022');
    expect((await call(sim.url, 'POST', `${base}/instances/busy-1/swap`)).status).toBe(204);
    await expectError('busy-1', 400, 'DCS.4017');
    await expectError('backup-1', 400, 'DCS.4017');
    // only the accepted swap created a job
    expect(sim.control.getDcsInstance('busy-1')?.jobs).toHaveLength(1);
  });

  it('answers 404 for an unknown job and filters tasks by time (yyyyMMddHHmmss UTC)', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'inst-1' });
    const job = await call(sim.url, 'GET', `${base}/jobs/ffffffffffffffffffffffffffffffff`);
    expect(job.status).toBe(404);
    expect((job.body as { error_code: string }).error_code).toMatch(/^DCS\./);

    await call(sim.url, 'POST', `${base}/instances/inst-1/swap`);
    const fmt = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const inRange = await call<{ tasks: unknown[] }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1/tasks?start_time=${fmt(Date.now() - 60_000)}&end_time=${fmt(Date.now() + 60_000)}`,
    );
    expect(inRange.body.tasks).toHaveLength(1);
    const outOfRange = await call<{ tasks: unknown[] }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1/tasks?start_time=${fmt(Date.now() + 60_000)}`,
    );
    expect(outOfRange.body.tasks).toHaveLength(0);
    const bad = await call(sim.url, 'GET', `${base}/instances/inst-1/tasks?start_time=yesterday`);
    expect(bad.status).toBe(400);
  });

  it('ignores begin_time like any unknown parameter: the list stays unfiltered (the parameter is start_time)', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'inst-1' });
    await call(sim.url, 'POST', `${base}/instances/inst-1/swap`);
    const fmt = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const future = fmt(Date.now() + 60_000);
    const ignored = await call<{ tasks: unknown[] }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1/tasks?begin_time=${future}`,
    );
    expect(ignored.status).toBe(200);
    expect(ignored.body.tasks).toHaveLength(1);
    const garbage = await call<{ tasks: unknown[] }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1/tasks?begin_time=x`,
    );
    expect(garbage.status).toBe(200);
    const filtered = await call<{ tasks: unknown[] }>(
      sim.url,
      'GET',
      `${base}/instances/inst-1/tasks?start_time=${future}`,
    );
    expect(filtered.body.tasks).toHaveLength(0);
  });

  it('answers an instance set to the numeric spelling with 111400017 / 111400086-style codes', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'num-1',
      task: 'BACKUPING',
      errorCodeSpelling: 'numeric',
    });
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'num-2',
      cacheMode: 'single',
      errorCodeSpelling: 'numeric',
    });
    const busy = await call<{ error_code: string }>(sim.url, 'POST', `${base}/instances/num-1/swap`);
    expect(busy).toMatchObject({ status: 400, body: { error_code: '111400017' } });
    const single = await call<{ error_code: string }>(sim.url, 'POST', `${base}/instances/num-2/swap`);
    expect(single).toMatchObject({ status: 400, body: { error_code: '111400855' } });
  });

  it('accepts the swap of a read/write-splitting (ha_rw_split) instance: the master moves to the next replica', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'rw-1',
      cacheMode: 'ha_rw_split',
      swapBehaviour: { initMs: 0, runMs: 50 },
    });
    const before = await masterNode('rw-1');
    expect((await call(sim.url, 'POST', `${base}/instances/rw-1/swap`)).status).toBe(204);
    await waitFor(async () => ((await masterNode('rw-1')) !== before ? true : undefined), 5000);
    expect(sim.control.getDcsInstance('rw-1')?.swapCount).toBe(1);
  });

  it('can answer 404 on /jobs for task-list ids (jobsApiKnowsTaskIds: false); async-swap job ids stay known', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'hide-1', jobsApiKnowsTaskIds: false });
    await call(sim.url, 'POST', `${base}/instances/hide-1/swap`);
    const taskId = sim.control.getDcsInstance('hide-1')!.jobs[0]!.jobId;
    const tasks = await call<{ tasks: Array<{ id: string }> }>(
      sim.url,
      'GET',
      `${base}/instances/hide-1/tasks`,
    );
    expect(tasks.body.tasks[0]!.id).toBe(taskId);
    const job = await call<{ error_code: string }>(sim.url, 'GET', `${base}/jobs/${taskId}`);
    expect(job).toMatchObject({ status: 404, body: { error_code: 'DCS.4001' } });
  });

  it('can hide async-swap as on Open Telekom Cloud', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'inst-1', asyncSwapSupported: false });
    const res = await call(sim.url, 'PUT', `${base}/instances/inst-1/async-swap`);
    expect(res.status).toBe(404);
    expect(sim.control.getDcsInstance('inst-1')?.jobs).toHaveLength(0);
  });
});

describe('DCS control API over HTTP', () => {
  it('seeds, patches and reads instances with clear errors', async () => {
    const created = await call(sim.url, 'POST', '/_sim/dcs/instances', {
      token: null,
      body: { projectId: P, instanceId: 'inst-9', cacheMode: 'ha' },
    });
    expect(created.status).toBe(201);
    const dup = await call(sim.url, 'POST', '/_sim/dcs/instances', {
      token: null,
      body: { projectId: P, instanceId: 'inst-9' },
    });
    expect(dup.status).toBe(409);
    const bad = await call<{ error: string }>(sim.url, 'POST', '/_sim/dcs/instances', {
      token: null,
      body: { projectId: P, instanceId: 'inst-8', cacheMode: 'weird' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('cacheMode');
    const patched = await call<{ status: string }>(sim.url, 'PATCH', '/_sim/dcs/instances/inst-9', {
      token: null,
      body: { status: 'FROZEN' },
    });
    expect(patched.body.status).toBe('FROZEN');
    const got = await call<{ masterNodeId: string; replicas: unknown[] }>(
      sim.url,
      'GET',
      '/_sim/dcs/instances/inst-9',
      {
        token: null,
      },
    );
    expect(got.body.replicas).toHaveLength(2);
    expect(got.body.masterNodeId).toMatch(/^[0-9a-f]{32}$/);
    expect((await call(sim.url, 'GET', '/_sim/dcs/instances/none', { token: null })).status).toBe(404);
    await call(sim.url, 'POST', '/_sim/reset', { token: null });
    expect((await call(sim.url, 'GET', `${base}/instances/inst-9`)).status).toBe(404);
  });
});
