/**
 * DWS disaster-recovery switchover / failover end to end: real Temporal dev server, real worker, simulator over
 * HTTP. Every test checks the simulator's request log for the number of triggers actually received.
 * The behaviours every service shares (success, unknown resource, polling faults, ambiguous and refused sends,
 * deadline, input checking) are in contract.test.ts; this file holds what only this service does.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { InputValidationError, outcomeOfFailure } from '../../client';
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

function seedDr(overrides: Record<string, unknown> = {}) {
  const disasterRecoveryId = uniqueId('dr');
  env.sim.control.createDwsDisasterRecovery({
    projectId: PROJECT,
    drId: disasterRecoveryId,
    behaviour: { switchMs: 300 },
    ...overrides,
  });
  return disasterRecoveryId;
}

function dr(disasterRecoveryId: string) {
  return env.sim.control.getDwsDisasterRecovery(disasterRecoveryId)!;
}

/** Trigger calls (planned switchover and failover) the simulator received for one DR. */
function triggers(disasterRecoveryId: string) {
  return env.requests({
    method: 'POST',
    path: `/disaster-recovery/${disasterRecoveryId}/(switchover|failover)$`,
  });
}

describe('dwsDisasterRecoverySwitchover', () => {
  test('a faulty production cluster refuses a planned switchover in preflight but allows a failover', async () => {
    const disasterRecoveryId = seedDr({ productionFaulty: true });
    const before = dr(disasterRecoveryId);

    const refused = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(refused.status).toBe('rejected');
    expect(refused.triggered).toBe(false);
    expect(refused.message).toMatch(/production cluster .* is UNAVAILABLE.*failover/);
    expect(triggers(disasterRecoveryId)).toHaveLength(0);

    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'failover',
      ...FAST,
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.details.primaryAfter).toBe(before.standbyCluster.id);
    expect(outcome.details.dataLossWindowSecondsAtPreflight).toEqual(expect.any(Number));
    const after = dr(disasterRecoveryId);
    expect(after.primaryCluster.id).toBe(before.standbyCluster.id);
    expect(after.productionFaulty).toBe(false);
    expect(after.events.map((e) => e.event)).toEqual(['failoverDisasterRecovery']);
    const sent = triggers(disasterRecoveryId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toMatch(/\/failover$/);
  });

  test('a failover from an abnormal DR with a faulty production cluster swaps the roles', async () => {
    const disasterRecoveryId = seedDr({ status: 'abnormal', productionFaulty: true });
    const before = dr(disasterRecoveryId);
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'failover',
      ...FAST,
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.details).toMatchObject({ drStatus: 'abnormal', primaryAfter: before.standbyCluster.id });
    const after = dr(disasterRecoveryId);
    expect(after.status).toBe('running');
    expect(after.primaryCluster.id).toBe(before.standbyCluster.id);
    expect(triggers(disasterRecoveryId)).toHaveLength(1);
  });

  test('a planned switchover the platform completes as a failover succeeds but says data was lost', async () => {
    const disasterRecoveryId = seedDr({ behaviour: { switchMs: 300, degradeToFailover: true } });
    const before = dr(disasterRecoveryId);
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.details.degradedToFailover).toBe(true);
    expect(outcome.details.standbyLastSuccessTimeAfter).toBe(outcome.details.standbyLastSuccessTime);
    expect(outcome.message).toMatch(/completed as a failover: last synchronization .*, later data is lost/);
    const after = dr(disasterRecoveryId);
    expect(after.primaryCluster.id).toBe(before.standbyCluster.id);
    expect(after.events.map((e) => e.event)).toEqual(['switchoverContinueAsFailoverDisasterRecovery']);
    expect(triggers(disasterRecoveryId)).toHaveLength(1);
  });

  test('a failover past the data-loss window is refused in numbers; with force and a reason it proceeds', async () => {
    const disasterRecoveryId = seedDr({ productionFaulty: true, lastSuccessAgeSeconds: 742 });
    const before = dr(disasterRecoveryId);

    const refused = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'failover',
      ...FAST,
    });
    expect(refused.status).toBe('rejected');
    expect(refused.triggered).toBe(false);
    const window = refused.details.dataLossWindowSecondsAtPreflight as number;
    expect(window).toBeGreaterThanOrEqual(742);
    expect(window).toBeLessThanOrEqual(744);
    expect(refused.message).toContain(`standby last synchronized ${window} s ago, allowed 300 s`);
    expect(refused.message).toMatch(/override with force and a reason/);
    expect(triggers(disasterRecoveryId)).toHaveLength(0);
    expect(dr(disasterRecoveryId).primaryCluster.id).toBe(before.primaryCluster.id);

    const forced = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'failover',
      force: true,
      reason: 'production cluster lost; accepting 12 minutes of data loss',
      ...FAST,
    });
    expect(forced.status).toBe('succeeded');
    expect(forced.reason).toBe('production cluster lost; accepting 12 minutes of data loss');
    expect(forced.details).toMatchObject({ forced: true, maxDataLossSeconds: 300 });
    expect(forced.details.dataLossWindowSecondsAtPreflight).toBeGreaterThanOrEqual(742);
    const after = dr(disasterRecoveryId);
    expect(after.primaryCluster.id).toBe(before.standbyCluster.id);
    // A failover keeps the last synchronization: the unsynchronized data is gone.
    expect(after.lastSuccessAgeSeconds).toBeGreaterThanOrEqual(742);
    expect(triggers(disasterRecoveryId)).toHaveLength(1);
  });

  test.each([
    ['stopped', {}],
    ['abnormal', {}],
    ['starting', {}],
  ])('preflight refuses a planned switchover of a DR that is %s and sends no trigger', async (status) => {
    const disasterRecoveryId = seedDr({ status });
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.message).toContain(
      `DR ${disasterRecoveryId} is '${status}'; a switchover needs status running`,
    );
    expect(outcome.details.drStatus).toBe(status);
    expect(triggers(disasterRecoveryId)).toHaveLength(0);
  });

  test('a switch that ends abnormal is failed with the DR status, and the roles stay as they were', async () => {
    const disasterRecoveryId = seedDr({ behaviour: { switchMs: 300, result: 'FAIL' } });
    const before = dr(disasterRecoveryId);
    const handle = await env.start('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const outcome = outcomeOfFailure(error)!;
    expect(outcome).toMatchObject({ status: 'failed', lastCloudStatus: 'abnormal', triggered: true });
    expect(outcome.cloudError).toMatchObject({ service: 'dws' });
    expect(outcome.cloudError!.message).toMatch(/DR ended in status 'abnormal' \(roles not swapped\)/);
    expect(outcome.message).toMatch(/the cloud reports the switchover failed: .*abnormal/);
    const after = dr(disasterRecoveryId);
    expect(after.status).toBe('abnormal');
    expect(after.primaryCluster.id).toBe(before.primaryCluster.id);
    expect(triggers(disasterRecoveryId)).toHaveLength(1);
  });

  test("a trigger the cloud refuses ends rejected (nothing was sent) with the cloud's code and message, sent once", async () => {
    const disasterRecoveryId = seedDr();
    env.sim.control.addFault({
      match: { method: 'POST', path: `/disaster-recovery/${disasterRecoveryId}/switchover$` },
      fault: {
        type: 'status',
        status: 400,
        body: { error_code: 'DWS.10104', error_msg: 'A DR switchover is already in progress.' },
      },
      times: 1,
    });
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.cloudError).toEqual({
      service: 'dws',
      httpStatus: 400,
      code: 'DWS.10104',
      message: 'A DR switchover is already in progress.',
    });
    expect(outcome.message).toContain('DWS.10104');
    expect(triggers(disasterRecoveryId).map((r) => r.status)).toEqual([400]);
    expect(dr(disasterRecoveryId).events).toHaveLength(0);
  });

  test('an ambiguous trigger whose switch already failed ends failed, not resent', async () => {
    const disasterRecoveryId = seedDr();
    const match = { method: 'POST', path: `/disaster-recovery/${disasterRecoveryId}/switchover$` };
    env.sim.control.addFault({ match, fault: { type: 'job-fail' }, times: 1 });
    env.sim.control.addFault({ match, fault: { type: 'reset-after-accept' }, times: 1 });
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.triggered).toBe(true);
    expect(outcome.lastCloudStatus).toBe('abnormal');
    expect(triggers(disasterRecoveryId).map((r) => r.status)).toEqual(['reset']);
    expect(dr(disasterRecoveryId).events).toHaveLength(1);
  });

  test('an ambiguous failover from an abnormal DR that still looks the same is unknown, not resent', async () => {
    // 'abnormal' before and after: the cloud cannot tell an accepted-and-failed failover from none at all.
    const disasterRecoveryId = seedDr({ status: 'abnormal', productionFaulty: true });
    env.sim.control.addFault({
      match: { method: 'POST', path: `/disaster-recovery/${disasterRecoveryId}/failover$` },
      fault: { type: 'reset' },
      times: 1,
    });
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'failover',
      ...FAST,
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(/may have been sent.*no switch of the DR appeared.*may still happen/);
    expect(triggers(disasterRecoveryId).map((r) => r.status)).toEqual(['reset']);
    expect(dr(disasterRecoveryId).events).toHaveLength(0);
  });

  test('force needs a reason and maxDataLossSeconds its rule, in the client and again in the workflow', async () => {
    const disasterRecoveryId = seedDr();
    const error = await env
      .start('dws', { projectId: PROJECT, disasterRecoveryId, mode: 'failover', force: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as Error).message).toMatch(/reason: reason is required when force is true/);

    const error2 = await env
      .start('dws', {
        projectId: PROJECT,
        disasterRecoveryId: 'dr/../x',
        mode: 'flip',
        maxDataLossSeconds: -1,
      })
      .catch((e: unknown) => e);
    expect(error2).toBeInstanceOf(InputValidationError);
    expect((error2 as Error).message).toMatch(/disasterRecoveryId: disasterRecoveryId must be 1-128 letters/);
    expect((error2 as Error).message).toMatch(/mode: mode must be 'switchover' or 'failover'/);
    expect((error2 as Error).message).toMatch(/maxDataLossSeconds: maxDataLossSeconds must be at least 0/);

    // Started by type name, bypassing the client: the workflow validates again and touches nothing.
    const handle = await env.client.workflow.start('dwsDisasterRecoverySwitchover', {
      taskQueue: env.taskQueue,
      workflowId: `dws:${PROJECT}:${disasterRecoveryId}`,
      args: [{ projectId: PROJECT, disasterRecoveryId, mode: 'failover', force: true, reason: '  ' }],
    });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(
      /reason: reason is required when force is true/,
    );
    expect(env.requests({ path: disasterRecoveryId })).toHaveLength(0);
  });
});
