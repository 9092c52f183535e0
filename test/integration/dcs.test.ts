/**
 * DCS master/standby switchover end to end: real Temporal dev server, real worker, simulator over HTTP.
 * Every test checks the simulator's request log for the number of triggers actually received.
 * The behaviours every service shares (success, unknown resource, polling faults, ambiguous and refused sends,
 * deadline, input checking) are in contract.test.ts; this file holds what only this service does.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { SwitchoverAlreadyRunningError } from '../../client';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';
import { waitUntil } from '../../simulator/testing';

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv();
});
afterAll(async () => {
  await env?.close();
});

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

  test('a busy refusal in the numeric spelling (111400017 = DCS.4017) is retried, not a rejection: exactly one swap', async () => {
    const instanceId = seedInstance({ errorCodeSpelling: 'numeric' });
    env.sim.control.addFault({
      match: { method: 'POST', path: `/instances/${instanceId}/swap$` },
      fault: {
        type: 'status',
        status: 400,
        body: {
          error_code: '111400017',
          error_msg: 'A background task associated with this instance is running.',
          error_ext_msg: null,
        },
      },
    });
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(outcome.status).toBe('succeeded');
    const sent = triggers(instanceId);
    expect(sent.map((r) => r.status)).toEqual([400, 204]);
    expect(env.sim.control.getDcsInstance(instanceId)!.jobs).toHaveLength(1);
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
