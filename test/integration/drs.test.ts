/**
 * DRS dual-virtual-IP switchover end to end: real Temporal dev server, real worker, simulator over HTTP.
 * Every test checks the simulator's request log for the number of triggers actually received.
 *
 * Not covered here: the `X-Language` header. The simulator's request log records no headers, so an
 * end-to-end test cannot see it.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { readAuditFile } from '../../activities/record';
import { awaitOutcome, InputValidationError, outcomeOfFailure } from '../../client';
import { call } from '../../simulator/testing';
import {
  createSwitchoverTestEnv,
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

const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 1, timeoutSeconds: 60 };

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
  test('switches the target VIP, verified against the simulator, with exactly one trigger and one outcome', async () => {
    const jobId = seedJob();
    expect(job(jobId).vip).toEqual({ source: 'primary-node', target: 'primary-node' });

    const outcome = await env.run('drs', {
      projectId: PROJECT,
      jobId,
      mode: 'target',
      reason: 'planned test',
      ...FAST,
    });

    expect(outcome.status).toBe('succeeded');
    expect(outcome.triggered).toBe(true);
    expect(outcome.jobId).toBe(jobId);
    expect(outcome.lastCloudStatus).toBe('SWITCH_VIP_COMPLETE');
    expect(outcome.details).toMatchObject({
      mode: 'target',
      taskStatus: 'INCRE_TRANSFER_STARTED',
      vipStatusBefore: 'none',
      vipStatusAfter: 'SWITCH_VIP_COMPLETE',
    });
    const after = job(jobId);
    expect(after.switchStatus).toBe('SWITCH_VIP_COMPLETE');
    expect(after.vip).toEqual({ source: 'primary-node', target: 'standby-node' });
    expect(after.switchCount).toBe(1);
    const sent = triggers(jobId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe(202);
    const records = (await readAuditFile(env.auditFile)).filter((r) => r.resourceId === jobId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'succeeded', kind: 'drs', reason: 'planned test' });
  });

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

  test("a 202 answer with status failed is a refusal: failed with the cloud's code and message, nothing switched", async () => {
    const jobId = seedJob({
      behaviour: {
        result: 'REJECT',
        failCode: 'DRS.M05005',
        failMessage: 'The virtual IP switchover was rejected.',
      },
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    expect(outcome.status).toBe('failed');
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

  test("an unknown task is rejected with the cloud's DRS.M00004, no trigger", async () => {
    const jobId = uniqueId('missing');
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    expect(outcome.status).toBe('rejected');
    expect(outcome.message).toMatch(/DRS\.M00004/);
    expect(outcome.message).not.toMatch(/ is ;/);
    expect(outcome.cloudError).toMatchObject({ service: 'drs', code: 'DRS.M00004' });
    expect(triggers(jobId)).toHaveLength(0);
  });

  test('polling survives injected 5xx, 429 with Retry-After, connection resets, unknown statuses and garbled JSON', async () => {
    const jobId = seedJob({ behaviour: { result: 'STUCK' } });
    const status = `^/v3/[^/]+/jobs/${jobId}/get-switch-vip-status$`;
    const handle = await env.start('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    // Preflight and the trigger read the VIP status too: inject only once the switch was sent.
    await waitUntil(() => triggers(jobId).length === 1);

    // One fault at a time, each consumed by a real poll before the next is injected.
    const faults = [
      { type: 'status', status: 503 },
      { type: 'status', status: 500, body: { error_code: 'DRS.M00500', error_msg: 'internal error' } },
      { type: 'throttle', retryAfterSeconds: 1 },
      { type: 'reset' },
      { type: 'reset' },
      { type: 'unknown-enum', field: 'status', value: 'SWITCH_VIP_PAUSED' },
      { type: 'malformed-json' },
    ];
    for (const fault of faults) {
      env.sim.control.addFault({ match: { method: 'GET', path: status }, fault, times: 1 });
      await waitUntil(() => env.sim.control.listFaults().length === 0);
    }
    env.sim.control.patchDrsJob(jobId, { finishSwitch: 'SUCCESS' });
    const outcome = await awaitOutcome(handle);

    expect(outcome.status).toBe('succeeded');
    const polls = env.requests({ method: 'GET', path: status });
    expect(polls.filter((r) => r.status === 503)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 500)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 429)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 'reset')).toHaveLength(2);
    expect(outcome.polls).toBeGreaterThanOrEqual(faults.length + 1);
    expect(job(jobId).vip.target).toBe('standby-node');
    expect(triggers(jobId)).toHaveLength(1);
  });

  test('a trigger whose connection drops after the cloud accepted it is resolved by looking, not resent', async () => {
    const jobId = seedJob();
    env.sim.control.addFault({
      match: { method: 'POST', path: `/jobs/${jobId}/switch-vip$` },
      fault: { type: 'reset-after-accept' },
      times: 1,
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    expect(outcome.status).toBe('succeeded');
    const sent = triggers(jobId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe('reset');
    const after = job(jobId);
    expect(after.switchCount).toBe(1);
    expect(after.vip.target).toBe('standby-node');
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

  test('a trigger whose connection is reset is not resent (a reset proves nothing): unknown once the look window passed', async () => {
    const jobId = seedJob();
    env.sim.control.addFault({
      match: { method: 'POST', path: `/jobs/${jobId}/switch-vip$` },
      fault: { type: 'reset' },
      times: 1,
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'target', ...FAST });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(/late-acceptance window.*the switch may still happen/);
    expect(triggers(jobId).map((r) => r.status)).toEqual(['reset']);
    expect(job(jobId).switchCount).toBe(0);
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

  test('when the deadline passes with the switch still started, the outcome is unknown with the last status', async () => {
    const jobId = seedJob({ behaviour: { result: 'STUCK' } });
    const outcome = await env.run('drs', {
      projectId: PROJECT,
      jobId,
      mode: 'target',
      ...FAST,
      timeoutSeconds: 3,
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.lastCloudStatus).toBe('SWITCH_VIP_START');
    expect(outcome.message).toMatch(/deadline of 3s passed.*last cloud status SWITCH_VIP_START/);
    expect(triggers(jobId)).toHaveLength(1);
  });

  test('invalid input is rejected before any cloud call, naming the field and the rule', async () => {
    const jobId = seedJob();
    // batch-status carries the job ID in its body, not its path: count every DRS call.
    const drsCallsBefore = env.requests({ service: 'drs' }).length;
    const error = await env
      .start('drs', { projectId: PROJECT, jobId: 'job id', mode: 'both', force: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as Error).message).toMatch(/jobId: jobId must be 1-128 letters/);
    expect((error as Error).message).toMatch(/mode: mode must be 'source' or 'target'/);

    const missingMode = await env.start('drs', { projectId: PROJECT, jobId }).catch((e: unknown) => e);
    expect(missingMode).toBeInstanceOf(InputValidationError);
    expect((missingMode as Error).message).toMatch(/mode: mode must be 'source' or 'target'/);

    // Started by type name, bypassing the client: the workflow validates again and touches nothing.
    const handle = await env.client.workflow.start('drsVipSwitchover', {
      taskQueue: env.taskQueue,
      workflowId: `drs:${PROJECT}:${jobId}`,
      args: [{ projectId: PROJECT, jobId, mode: 'sideways' }],
    });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(
      /mode: mode must be 'source' or 'target'/,
    );
    expect(env.requests({ service: 'drs' })).toHaveLength(drsCallsBefore);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
