/**
 * Runbook safety on the real dev server and the simulator: cooldown, dry run, approval gate (also as a
 * worker-wide policy), cancellation before the trigger, scheduled switchovers. Every test counts the triggers
 * the simulator actually received.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { awaitOutcome, decideApproval, switchoverProgress } from '../../client';
import { runCli } from '../../client/cli';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv({ workerEnv: { SWITCHOVER_COOLDOWN_MINUTES: '10' } });
});
afterAll(async () => {
  await env?.close();
});

function seedInstance(overrides: Record<string, unknown> = {}) {
  const instanceId = uniqueId('redis');
  env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId, ...overrides });
  return instanceId;
}

function triggers(instanceId: string) {
  return env
    .requests({ path: `/instances/${instanceId}/(swap|async-swap)$` })
    .filter((r) => r.method !== 'GET');
}

async function waitForPhase(workflowId: string, phase: string, timeoutMs = 20_000): Promise<void> {
  const handle = env.client.workflow.getHandle(workflowId);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const progress = await switchoverProgress(handle).catch(() => undefined);
    if (progress?.phase === phase) return;
    if (Date.now() > until)
      throw new Error(`${workflowId} did not reach phase ${phase} (at ${progress?.phase})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('cooldown (anti-flapping)', () => {
  test('a resource switched minutes ago is refused, naming the last workflow and when it ended; force with a reason overrides', async () => {
    const instanceId = seedInstance();
    const first = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(first.status).toBe('succeeded');

    const second = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(second.status).toBe('rejected');
    expect(second.triggered).toBe(false);
    expect(second.message).toContain(
      `switched by workflow ${first.workflowId} (run ${first.runId}, succeeded)`,
    );
    expect(second.message).toContain(`which ended at ${first.finishedAt}`);
    expect(second.message).toMatch(/the cooldown is 10 min/);
    expect(triggers(instanceId)).toHaveLength(1);

    const forced = await env.run('dcs', {
      projectId: PROJECT,
      instanceId,
      force: true,
      reason: 'master node degraded again, switching back',
      ...FAST,
    });
    expect(forced.status).toBe('succeeded');
    expect(forced.details.cooldownOverridden).toBe(true);
    expect(triggers(instanceId)).toHaveLength(2);
  });

  test('a refused (never triggered) switchover does not start a cooldown', async () => {
    const instanceId = seedInstance({ status: 'RESTARTING' });
    expect((await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST })).status).toBe('rejected');
    env.sim.control.patchDcsInstance(instanceId, { status: 'RUNNING' });
    expect((await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST })).status).toBe('succeeded');
  });
});

describe('dry run', () => {
  test('reports that the switchover would proceed, and sends nothing', async () => {
    const instanceId = seedInstance();
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, dryRun: true, ...FAST });
    const outcome = await handle.result(); // a dry run completes the workflow, it does not fail it
    expect(outcome.status).toBe('dry_run');
    expect(outcome.triggered).toBe(false);
    expect(outcome.details.wouldProceed).toBe(true);
    expect(outcome.message).toMatch(/dry run: dcsMasterStandbySwitchover of DCS instance .* would proceed/);
    expect(triggers(instanceId)).toHaveLength(0);
    expect(env.requests({ method: 'GET', path: `/instances/${instanceId}$` }).length).toBeGreaterThan(0);
  });

  test('reports why it would be refused', async () => {
    const instanceId = seedInstance({ cacheMode: 'single' });
    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, dryRun: true, ...FAST });
    expect(outcome.status).toBe('dry_run');
    expect(outcome.details.wouldProceed).toBe(false);
    expect(outcome.message).toMatch(/would be refused: .*cache_mode 'single'/);
    expect(triggers(instanceId)).toHaveLength(0);
  });
});

describe('approval gate', () => {
  test('waits after preflight; the requester cannot approve; another engineer approves through the CLI', async () => {
    const instanceId = seedInstance();
    const handle = await env.start('dcs', {
      projectId: PROJECT,
      instanceId,
      requestedBy: 'alice',
      requireApproval: true,
      ...FAST,
    });
    await waitForPhase(handle.workflowId, 'approval');
    expect(triggers(instanceId)).toHaveLength(0);
    const description = await handle.describe();
    expect(await description.staticSummary()).toMatch(/needs approval/);

    const own = await decideApproval(env.client, handle.workflowId, 'approve', { by: 'alice' }).catch(
      (e: unknown) => e,
    );
    expect(own).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((own as WorkflowUpdateFailedError).cause?.message)).toMatch(
      /four-eyes rule: alice requested/,
    );

    expect(
      await runCli(['approve', handle.workflowId, '--by', 'bob', '--comment', 'change ticket CHG-1234']),
    ).toBe(0);
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.approval).toMatchObject({
      decision: 'approved',
      by: 'bob',
      comment: 'change ticket CHG-1234',
    });
    expect(triggers(instanceId)).toHaveLength(1);
    // Too late: the gate is closed.
    expect(await runCli(['approve', handle.workflowId, '--by', 'carol'])).toBe(1);
  });

  test('a reject ends it as rejected, with who and why, and nothing sent', async () => {
    const instanceId = seedInstance();
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, requireApproval: true, ...FAST });
    await waitForPhase(handle.workflowId, 'approval');
    await decideApproval(env.client, handle.workflowId, 'reject', {
      by: 'dana',
      comment: 'not during the sale',
    });
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('rejected');
    expect(outcome.message).toBe('rejected by dana: not during the sale; nothing was sent');
    expect(outcome.approval).toMatchObject({ decision: 'rejected', by: 'dana' });
    expect(triggers(instanceId)).toHaveLength(0);
  });

  test('nobody answering in time ends it as approval_timed_out, nothing sent', async () => {
    const instanceId = seedInstance();
    const outcome = await env.run('dcs', {
      projectId: PROJECT,
      instanceId,
      requireApproval: true,
      approvalTimeoutSeconds: 2,
      ...FAST,
    });
    expect(outcome.status).toBe('approval_timed_out');
    expect(outcome.triggered).toBe(false);
    expect(triggers(instanceId)).toHaveLength(0);
  });

  test('cancel while waiting for approval: cancelled, nothing sent', async () => {
    const instanceId = seedInstance();
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, requireApproval: true, ...FAST });
    await waitForPhase(handle.workflowId, 'approval');
    expect(await runCli(['cancel', handle.workflowId])).toBe(0);
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('cancelled');
    expect(outcome.message).toMatch(/nothing was switched/);
    expect(triggers(instanceId)).toHaveLength(0);
  });
});

describe('approval required by worker policy', () => {
  let policyEnv: SwitchoverTestEnv;
  beforeAll(async () => {
    policyEnv = await createSwitchoverTestEnv({ workerEnv: { SWITCHOVER_REQUIRE_APPROVAL: 'dcs' } });
  });
  afterAll(async () => {
    await policyEnv?.close();
  });

  test('a DCS switchover waits for approval although its input did not ask for it', async () => {
    const instanceId = uniqueId('redis');
    policyEnv.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const handle = await policyEnv.start('dcs', { projectId: PROJECT, instanceId, ...FAST });
    const until = Date.now() + 20_000;
    while ((await switchoverProgress(handle)).phase !== 'approval') {
      if (Date.now() > until) throw new Error('never reached the approval phase');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await decideApproval(policyEnv.client, handle.workflowId, 'approve', { by: 'erin' });
    expect((await awaitOutcome(handle)).status).toBe('succeeded');
  });
});

describe('scheduled switchover', () => {
  test('waits until its time (visible as scheduled), then runs preflight and the switch', async () => {
    const instanceId = seedInstance();
    const notBefore = new Date(Date.now() + 3000).toISOString();
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, notBefore, ...FAST });
    await waitForPhase(handle.workflowId, 'scheduled');
    expect((await switchoverProgress(handle)).scheduledFor).toBe(notBefore);
    expect(await (await handle.describe()).staticSummary()).toContain(`scheduled ${notBefore}`);
    expect(env.requests({ path: instanceId })).toHaveLength(0);

    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('succeeded');
    const firstCall = env.requests({ path: instanceId })[0]!;
    expect(Date.parse(firstCall.at)).toBeGreaterThanOrEqual(Date.parse(notBefore));
    expect(triggers(instanceId)).toHaveLength(1);
  });

  test('cancelled before it fires: nothing is read or sent', async () => {
    const instanceId = seedInstance();
    const notBefore = new Date(Date.now() + 60 * 60_000).toISOString();
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, notBefore, ...FAST });
    await waitForPhase(handle.workflowId, 'scheduled');
    await handle.cancel();
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('cancelled');
    expect(env.requests({ path: instanceId })).toHaveLength(0);
  });
});
