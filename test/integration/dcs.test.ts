/**
 * DCS master/standby switchover end to end: real Temporal dev server, real worker, simulator over HTTP.
 * Every test checks the simulator's request log for the number of triggers actually received.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { readAuditFile } from '../../activities/record';
import { InputValidationError, SwitchoverAlreadyRunningError } from '../../client';
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

function seedInstance(overrides: Record<string, unknown> = {}) {
  const instanceId = uniqueId('redis');
  env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId, ...overrides });
  return instanceId;
}

/** Trigger calls (sync swap and async swap) the simulator received for one instance. */
function triggers(instanceId: string) {
  return env
    .requests({ path: `/instances/${instanceId}/(swap|async-swap)$` })
    .filter((r) => r.method !== 'GET');
}

describe('dcsMasterStandbySwitchover', () => {
  test('switches the master (sync 204 swap), records the job id and exactly one outcome', async () => {
    const instanceId = seedInstance();
    const masterBefore = env.sim.control.getDcsInstance(instanceId)!.masterNodeId;

    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, reason: 'planned test', ...FAST });

    expect(outcome.status).toBe('succeeded');
    expect(outcome.triggered).toBe(true);
    expect(outcome.jobId).toEqual(expect.any(String));
    expect(outcome.lastCloudStatus).toBe('SUCCESS');
    expect(outcome.details.masterBefore).toBe(masterBefore);
    const masterAfter = env.sim.control.getDcsInstance(instanceId)!.masterNodeId;
    expect(masterAfter).not.toBe(masterBefore);
    expect(outcome.details.masterAfter).toBe(masterAfter);
    expect(env.sim.control.getDcsInstance(instanceId)!.jobs.map((j) => j.jobId)).toEqual([outcome.jobId]);
    expect(triggers(instanceId)).toHaveLength(1);
    const records = (await readAuditFile(env.auditFile)).filter((r) => r.resourceId === instanceId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'succeeded', jobId: outcome.jobId, reason: 'planned test' });
  });

  test('async mode uses async-swap and follows its job id', async () => {
    const instanceId = seedInstance();
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, swapMode: 'async', ...FAST });
    expect(outcome.status).toBe('succeeded');
    const sent = triggers(instanceId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'PUT', status: 200 });
    expect(env.sim.control.getDcsInstance(instanceId)!.jobs[0]!.jobId).toBe(outcome.jobId);
  });

  test('a FAIL job ends as failed with the fail_reason, and the workflow fails with the outcome attached', async () => {
    const instanceId = seedInstance({
      swapBehaviour: { initMs: 100, runMs: 300, result: 'FAIL', failReason: 'standby node not ready' },
    });
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, ...FAST });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const outcome = await import('../../client').then((c) => c.outcomeOfFailure(error));
    expect(outcome).toMatchObject({ status: 'failed', lastCloudStatus: 'FAIL', triggered: true });
    expect(outcome!.cloudError?.message).toBe('standby node not ready');
    expect(outcome!.message).toContain('standby node not ready');
    expect(triggers(instanceId)).toHaveLength(1);
    const instance = env.sim.control.getDcsInstance(instanceId)!;
    expect(instance.masterNodeId).toBe(outcome!.details.masterBefore);
  });

  test.each([
    ['a single-node instance (DCS.4855)', { cacheMode: 'single' }, /cache_mode 'single'.*DCS\.4855/],
    ['an instance that is not RUNNING', { status: 'RESTARTING' }, /RESTARTING; a switchover needs RUNNING/],
    ['an instance busy with a task', { task: 'BACKUPING' }, /busy with task BACKUPING/],
  ])('preflight rejects %s and sends no trigger', async (_name, overrides, message) => {
    const instanceId = seedInstance(overrides);
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.message).toMatch(message);
    expect(triggers(instanceId)).toHaveLength(0);
  });

  test('an unknown instance is rejected with the cloud error DCS.4001', async () => {
    const instanceId = uniqueId('missing');
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(outcome.status).toBe('rejected');
    expect(outcome.cloudError).toMatchObject({ code: 'DCS.4001', httpStatus: 404 });
    expect(triggers(instanceId)).toHaveLength(0);
  });

  test('polling survives injected 5xx, 429 with Retry-After, connection resets, unknown statuses and garbled JSON', async () => {
    const instanceId = seedInstance({ swapBehaviour: { initMs: 100, runMs: 100, result: 'STUCK' } });
    const jobs = '^/v2/[^/]+/jobs/';
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, swapMode: 'async', ...FAST });

    // One fault at a time, each consumed by a real poll before the next is injected.
    const faults = [
      { type: 'status', status: 503 },
      { type: 'status', status: 500, body: { error_code: 'DCS.5000', error_msg: 'internal error' } },
      { type: 'throttle', retryAfterSeconds: 1 },
      { type: 'reset' },
      { type: 'reset' },
      { type: 'unknown-enum', field: 'status', value: 'PAUSED' },
      { type: 'malformed-json' },
    ];
    for (const fault of faults) {
      env.sim.control.addFault({ match: { method: 'GET', path: jobs }, fault, times: 1 });
      await waitUntil(() => env.sim.control.listFaults().length === 0);
    }
    env.sim.control.patchDcsInstance(instanceId, { finishActiveJob: 'SUCCESS' });
    const { awaitOutcome } = await import('../../client');
    const outcome = await awaitOutcome(handle);

    expect(outcome.status).toBe('succeeded');
    const polls = env.requests({ method: 'GET', path: jobs });
    expect(polls.filter((r) => r.status === 503)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 500)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 429)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 'reset')).toHaveLength(2);
    expect(outcome.polls).toBeGreaterThanOrEqual(faults.length + 1);
    expect(outcome.details.unexpectedJobStatus).toBe('PAUSED');
    expect(triggers(instanceId)).toHaveLength(1);
  });

  test('a trigger whose connection drops after the cloud accepted it is resolved by looking, not resent', async () => {
    const instanceId = seedInstance();
    env.sim.control.addFault({
      match: { method: 'POST', path: `/instances/${instanceId}/swap$` },
      fault: { type: 'reset-after-accept' },
      times: 1,
    });
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(outcome.status).toBe('succeeded');
    const sent = triggers(instanceId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe('reset');
    expect(env.sim.control.getDcsInstance(instanceId)!.swapCount).toBe(1);
  });

  test('a trigger whose connection is reset is not resent (a reset proves nothing): unknown once the look window passed', async () => {
    const instanceId = seedInstance();
    env.sim.control.addFault({
      match: { method: 'POST', path: `/instances/${instanceId}/swap$` },
      fault: { type: 'reset' },
      times: 1,
    });
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(/late-acceptance window.*the switch may still happen/);
    const sent = triggers(instanceId);
    expect(sent.map((r) => r.status)).toEqual(['reset']);
    expect(env.sim.control.getDcsInstance(instanceId)!.swapCount).toBe(0);
  });

  test('when the deadline passes with the job still running, the outcome is unknown with the last status', async () => {
    const instanceId = seedInstance({ swapBehaviour: { initMs: 100, runMs: 100, result: 'STUCK' } });
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST, timeoutSeconds: 4 });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.lastCloudStatus).toBe('RUNNING');
    expect(outcome.message).toMatch(/deadline of 4s passed.*last cloud status RUNNING/);
    expect(triggers(instanceId)).toHaveLength(1);
  });

  test('a second start for the same instance while one runs is refused, naming the running workflow', async () => {
    const instanceId = seedInstance({ swapBehaviour: { initMs: 100, runMs: 100, result: 'STUCK' } });
    const first = await env.start('dcs', { projectId: PROJECT, instanceId, ...FAST, timeoutSeconds: 120 });
    const second = await env
      .start('dcs', { projectId: PROJECT, instanceId, ...FAST })
      .catch((e: unknown) => e);
    expect(second).toBeInstanceOf(SwitchoverAlreadyRunningError);
    expect((second as Error).message).toContain(`dcs:${PROJECT}:${instanceId}`);
    expect((second as Error).message).toContain(first.firstExecutionRunId);

    // Cancelled after the trigger: the outcome says so honestly.
    await waitUntil(() => triggers(instanceId).length === 1);
    await first.cancel();
    const { awaitOutcome } = await import('../../client');
    const outcome = await awaitOutcome(first);
    expect(outcome.status).toBe('cancelled_after_trigger');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(
      /cancelled after the switch was sent.*last cloud status (INIT|RUNNING)\)/,
    );
    expect(triggers(instanceId)).toHaveLength(1);
  });

  test('invalid input is rejected before any cloud call, naming the field and the rule', async () => {
    const instanceId = seedInstance();
    const error = await env
      .start('dcs', { projectId: PROJECT, instanceId: '../../etc', pollIntervalSeconds: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as Error).message).toMatch(/instanceId: instanceId must be 1-128 letters/);
    expect((error as Error).message).toMatch(/pollIntervalSeconds: pollIntervalSeconds must be at least 0.1/);

    // Started by type name, bypassing the client: the workflow validates again and touches nothing.
    const handle = await env.client.workflow.start('dcsMasterStandbySwitchover', {
      taskQueue: env.taskQueue,
      workflowId: `dcs:${PROJECT}:${instanceId}`,
      args: [{ projectId: PROJECT, instanceId, swapMode: 'sideways' }],
    });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(
      /swapMode: swapMode must be 'sync' or 'async'/,
    );
    expect(env.requests({ path: instanceId })).toHaveLength(0);
  });

  test('a workflow started under another ID than dcs:<project>:<instance> refuses to run', async () => {
    const instanceId = seedInstance();
    const handle = await env.client.workflow.start('dcsMasterStandbySwitchover', {
      taskQueue: env.taskQueue,
      workflowId: uniqueId('adhoc'),
      args: [{ projectId: PROJECT, instanceId }],
    });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/workflow ID must be 'dcs:/);
    expect(env.requests({ path: instanceId })).toHaveLength(0);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
