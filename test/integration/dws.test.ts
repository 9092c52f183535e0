/**
 * DWS disaster-recovery switchover / failover end to end: real Temporal dev server, real worker, simulator over
 * HTTP. Every test checks the simulator's request log for the number of triggers actually received.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { readAuditFile } from '../../activities/record';
import { awaitOutcome, InputValidationError, outcomeOfFailure } from '../../client';
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
  test('a planned switchover swaps the roles, verified against the simulator, with exactly one trigger and one outcome', async () => {
    const disasterRecoveryId = seedDr();
    const before = dr(disasterRecoveryId);

    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      reason: 'planned test',
      ...FAST,
    });

    expect(outcome.status).toBe('succeeded');
    expect(outcome.triggered).toBe(true);
    expect(outcome.jobId).toBe(disasterRecoveryId);
    expect(outcome.lastCloudStatus).toBe('running');
    expect(outcome.details).toMatchObject({
      mode: 'switchover',
      primaryBefore: before.primaryCluster.id,
      standbyBefore: before.standbyCluster.id,
      primaryAfter: before.standbyCluster.id,
      drStatusAfter: 'running',
      degradedToFailover: false,
    });
    const after = dr(disasterRecoveryId);
    expect(after.status).toBe('running');
    expect(after.primaryCluster.id).toBe(before.standbyCluster.id);
    expect(after.standbyCluster.id).toBe(before.primaryCluster.id);
    expect(after.events.map((e) => [e.event, e.result])).toEqual([['switchoverDisasterRecovery', 'SUCCESS']]);
    const sent = triggers(disasterRecoveryId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: expect.stringMatching(/\/switchover$/), status: 200 });
    const records = (await readAuditFile(env.auditFile)).filter((r) => r.resourceId === disasterRecoveryId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'succeeded', kind: 'dws', reason: 'planned test' });
  });

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

  test('an unknown DR is rejected with the cloud error DWS.10101', async () => {
    const disasterRecoveryId = uniqueId('missing');
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(outcome.status).toBe('rejected');
    expect(outcome.cloudError).toMatchObject({ service: 'dws', code: 'DWS.10101', httpStatus: 404 });
    expect(outcome.message).toContain('does not exist');
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

  test("a trigger the cloud refuses ends failed with the cloud's code and message, sent once", async () => {
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
    expect(outcome.status).toBe('failed');
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

  test('polling survives injected 5xx, 429 with Retry-After, connection resets, unknown statuses and garbled JSON', async () => {
    const disasterRecoveryId = seedDr({ behaviour: { switchMs: 8_000 } });
    const detail = `^/v2/[^/]+/disaster-recovery/${disasterRecoveryId}$`;
    const handle = await env.start('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    // The trigger itself reads the DR first: inject only once the switch was sent.
    await waitUntil(() => triggers(disasterRecoveryId).length === 1);

    // One fault at a time, each consumed by a real poll before the next is injected.
    const faults = [
      { type: 'status', status: 503 },
      { type: 'status', status: 500, body: { error_code: 'DWS.0000', error_msg: 'internal error' } },
      { type: 'throttle', retryAfterSeconds: 1 },
      { type: 'reset' },
      { type: 'reset' },
      { type: 'unknown-enum', field: 'disaster_recovery.status', value: 'paused' },
      { type: 'malformed-json' },
    ];
    for (const fault of faults) {
      env.sim.control.addFault({ match: { method: 'GET', path: detail }, fault, times: 1 });
      await waitUntil(() => env.sim.control.listFaults().length === 0);
    }
    expect(dr(disasterRecoveryId).status).toBe('switchovering');
    const outcome = await awaitOutcome(handle);

    expect(outcome.status).toBe('succeeded');
    const polls = env.requests({ method: 'GET', path: detail });
    expect(polls.filter((r) => r.status === 503)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 500)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 429)).toHaveLength(1);
    expect(polls.filter((r) => r.status === 'reset')).toHaveLength(2);
    expect(outcome.polls).toBeGreaterThanOrEqual(faults.length + 1);
    expect(dr(disasterRecoveryId).primaryCluster.id).toBe(outcome.details.standbyBefore);
    expect(triggers(disasterRecoveryId)).toHaveLength(1);
  });

  test('a trigger whose connection drops after the cloud accepted it is resolved by looking, not resent', async () => {
    const disasterRecoveryId = seedDr({ behaviour: { switchMs: 3_000 } });
    env.sim.control.addFault({
      match: { method: 'POST', path: `/disaster-recovery/${disasterRecoveryId}/switchover$` },
      fault: { type: 'reset-after-accept' },
      times: 1,
    });
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.details.primaryAfter).toBe(outcome.details.standbyBefore);
    const sent = triggers(disasterRecoveryId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.status).toBe('reset');
    expect(dr(disasterRecoveryId).events.map((e) => e.event)).toEqual(['switchoverDisasterRecovery']);
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

  test('a trigger whose connection is reset is not resent (a reset proves nothing): unknown once the look window passed', async () => {
    const disasterRecoveryId = seedDr();
    env.sim.control.addFault({
      match: { method: 'POST', path: `/disaster-recovery/${disasterRecoveryId}/switchover$` },
      fault: { type: 'reset' },
      times: 1,
    });
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(/late-acceptance window.*the switch may still happen/);
    expect(triggers(disasterRecoveryId).map((r) => r.status)).toEqual(['reset']);
    expect(dr(disasterRecoveryId).events).toHaveLength(0);
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

  test('when the deadline passes with the DR still switching, the outcome is unknown with the last status', async () => {
    const disasterRecoveryId = seedDr({ behaviour: { switchMs: 600_000 } });
    const outcome = await env.run('dws', {
      projectId: PROJECT,
      disasterRecoveryId,
      mode: 'switchover',
      ...FAST,
      timeoutSeconds: 3,
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.lastCloudStatus).toBe('switchovering');
    expect(outcome.message).toMatch(/deadline of 3s passed.*last cloud status switchovering/);
    expect(triggers(disasterRecoveryId)).toHaveLength(1);
  });

  test('invalid input is rejected before any cloud call, naming the field and the rule', async () => {
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

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
