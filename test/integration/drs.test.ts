/**
 * DRS dual-virtual-IP switchover end to end: real Temporal dev server, real worker, simulator over HTTP.
 * Every test checks the simulator's request log for the number of triggers actually received.
 *
 * Not covered here: the `X-Language` header. The simulator's request log records no headers, so an
 * end-to-end test cannot see it.
 * The behaviours every service shares (success, unknown resource, polling faults, ambiguous and refused sends,
 * deadline, input checking) are in contract.test.ts; this file holds what only this service does.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { InputValidationError, outcomeOfFailure } from '../../client';
import { call } from '../../simulator/testing';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv();
});
afterAll(async () => {
  await env?.close();
});

function seedJob(overrides: Record<string, unknown> = {}) {
  const jobId = uniqueId('drs');
  env.sim.control.createDrsJob({ projectId: PROJECT, jobId, behaviour: { switchMs: 300 }, ...overrides });
  return jobId;
}

function job(jobId: string) {
  return env.sim.control.getDrsJob(jobId)!;
}

/** switch-vip calls the simulator received for one task. */
function triggers(jobId: string) {
  return env.requests({ method: 'POST', path: `/jobs/${jobId}/switch-vip$` });
}

describe('drsVipSwitchover', () => {
  test('a task with an earlier finished switch switches again (source side), one trigger per run', async () => {
    const jobId = seedJob();
    const first = await env.run('drs', { projectId: PROJECT, jobId, mode: 'source', ...FAST });
    expect(first.status).toBe('succeeded');
    expect(job(jobId).vip.source).toBe('standby-node');

    // force only overrides a worker's cooldown, should one be configured: this test is about the second switch.
    const second = await env.run('drs', {
      projectId: PROJECT,
      jobId,
      mode: 'source',
      force: true,
      reason: 'switch back after the test',
      ...FAST,
    });
    expect(second.status).toBe('succeeded');
    expect(second.details.vipStatusBefore).toBe('SWITCH_VIP_COMPLETE');
    const after = job(jobId);
    expect(after.vip).toEqual({ source: 'primary-node', target: 'primary-node' });
    expect(after.switchCount).toBe(2);
    expect(triggers(jobId)).toHaveLength(2);
  });

  test("a switch that ends SWITCH_VIP_FAILED is failed with the cloud's error_code and error_msg", async () => {
    const jobId = seedJob({
      behaviour: {
        switchMs: 300,
        result: 'FAIL',
        failCode: 'DRS.M05004',
        failMessage: 'Failed to bind the virtual IP to the standby node.',
      },
    });
    const handle = await env.start('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const outcome = outcomeOfFailure(error)!;
    expect(outcome).toMatchObject({
      status: 'failed',
      lastCloudStatus: 'SWITCH_VIP_FAILED',
      triggered: true,
    });
    expect(outcome.cloudError).toEqual({
      service: 'drs',
      code: 'DRS.M05004',
      message: 'Failed to bind the virtual IP to the standby node.',
    });
    expect(outcome.message).toContain('Failed to bind the virtual IP to the standby node.');
    const after = job(jobId);
    expect(after.switchStatus).toBe('SWITCH_VIP_FAILED');
    expect(after.vip).toEqual({ source: 'primary-node', target: 'primary-node' });
    expect(triggers(jobId)).toHaveLength(1);
  });

  test("a 202 answer with status failed is a refusal: rejected with the cloud's code and message, nothing switched", async () => {
    const jobId = seedJob({
      behaviour: {
        result: 'REJECT',
        failCode: 'DRS.M05005',
        failMessage: 'The virtual IP switchover was rejected.',
      },
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.cloudError).toEqual({
      service: 'drs',
      httpStatus: 202,
      code: 'DRS.M05005',
      message: 'The virtual IP switchover was rejected.',
    });
    expect(outcome.message).toContain('DRS.M05005');
    expect(triggers(jobId).map((r) => r.status)).toEqual([202]);
    const after = job(jobId);
    expect(after.switchStatus).toBeNull();
    expect(after.switchCount).toBe(0);
  });

  test.each(['INCRE_TRANSFER_FAILED', 'PAUSING', 'FULL_TRANSFER_STARTED'])(
    'preflight refuses a task in %s and sends no trigger',
    async (status) => {
      const jobId = seedJob({ status });
      const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
      expect(outcome.status).toBe('rejected');
      expect(outcome.triggered).toBe(false);
      expect(outcome.message).toContain(
        `DRS task ${jobId} is ${status}; a VIP switchover needs INCRE_TRANSFER_STARTED`,
      );
      expect(outcome.details.taskStatus).toBe(status);
      expect(triggers(jobId)).toHaveLength(0);
    },
  );

  test('preflight refuses a task whose VIP switch is already in progress (started by someone else)', async () => {
    const jobId = seedJob({ behaviour: { result: 'STUCK' } });
    const other = await call(env.sim.url, 'POST', `/v3/${PROJECT}/jobs/${jobId}/switch-vip`, {
      body: { mode: 'source' },
    });
    expect(other.status).toBe(202);
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.message).toContain(`a VIP switchover of task ${jobId} is already in progress`);
    expect(outcome.details.vipStatusBefore).toBe('SWITCH_VIP_START');
    // The one switch-vip in the log is the other party's; this workflow sent none.
    expect(triggers(jobId)).toHaveLength(1);
    expect(job(jobId).lastSwitch?.mode).toBe('source');
  });

  test('a switch-vip answer with an undocumented status is resolved by looking, not resent', async () => {
    const jobId = seedJob();
    env.sim.control.addFault({
      match: { method: 'POST', path: `/jobs/${jobId}/switch-vip$` },
      fault: { type: 'unknown-enum', field: 'status', value: 'accepted' },
      times: 1,
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    expect(outcome.status).toBe('succeeded');
    expect(triggers(jobId).map((r) => r.status)).toEqual([202]);
    expect(job(jobId).switchCount).toBe(1);
  });

  test('an ambiguous trigger on a task whose last switch already ended is unknown, not resent', async () => {
    // The status shows the earlier switch's end before and after: it cannot tell whether ours happened.
    const jobId = seedJob();
    expect((await env.run('drs', { projectId: PROJECT, jobId, mode: 'source', ...FAST })).status).toBe(
      'succeeded',
    );
    env.sim.control.addFault({
      match: { method: 'POST', path: `/jobs/${jobId}/switch-vip$` },
      fault: { type: 'reset-after-accept' },
      times: 1,
    });
    const outcome = await env.run('drs', {
      projectId: PROJECT,
      jobId,
      mode: 'source',
      force: true,
      reason: 'switch back after the test',
      ...FAST,
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(/may have been sent.*may still happen/);
    expect(triggers(jobId).map((r) => r.status)).toEqual([202, 'reset']);
    expect(job(jobId).switchCount).toBe(2);
  });

  test('mode is required and must be source or target (the rest of input checking: contract.test.ts)', async () => {
    const jobId = seedJob();
    const error = await env
      .start('drs', { projectId: PROJECT, jobId, mode: 'both', force: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as Error).message).toMatch(/mode: mode must be 'source' or 'target'/);

    const missingMode = await env.start('drs', { projectId: PROJECT, jobId }).catch((e: unknown) => e);
    expect(missingMode).toBeInstanceOf(InputValidationError);
    expect((missingMode as Error).message).toMatch(/mode: mode must be 'source' or 'target'/);
    expect(env.requests({ path: jobId })).toHaveLength(0);
  });
});
