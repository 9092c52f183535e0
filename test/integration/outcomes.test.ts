/**
 * Honest outcomes, never lost (issue 11), on the real dev server and the simulator over real HTTP:
 * - the audit store down at record time: the typed outcome is returned (flagged not recorded), a second run in
 *   between is refused by the cooldown (Temporal visibility), the record lands exactly once when the store is back,
 *   and cancelling the record workflow does not stop it;
 * - the cooldown holds across workers with separate JSONL files, and after a run terminated after its trigger;
 * - the status rules: a switch that moved is never `failed`, a status that cannot be attributed to this switch is
 *   never taken for its result, and a switchover that sent nothing is `rejected`, never `failed`.
 * Safety assertions count what the simulator ACCEPTED, not what the client believes.
 */
import { readFileSync } from 'node:fs';
import { awaitOutcome, decideApproval } from '../../client';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { SA_TRIGGERED } from '../../domain/search-attributes';
import { acceptedCount, addFault, call, waitFor } from '../../simulator/testing';
import { OutageAuditStore } from '../helpers/outage';
import {
  createSwitchoverTestEnv,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 0.5, timeoutSeconds: 60 };
/** The switchover waits this long for the store before returning its outcome flagged (config, not a skip). */
const RECORD_WAIT = { SWITCHOVER_RECORD_WAIT_SECONDS: '2', SWITCHOVER_COOLDOWN_MINUTES: '10' };

/** Lines of the JSONL file that carry this run: exactly-once is checked on the raw file, not the deduped read. */
function rawLinesOf(file: string, runId: string): number {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  return text.split('\n').filter((line) => line.includes(`"runId":"${runId}"`)).length;
}

async function searchAttribute(env: SwitchoverTestEnv, workflowId: string, runId: string, name: string) {
  const description = await env.client.workflow.getHandle(workflowId, runId).describe();
  return (description.searchAttributes as Record<string, unknown[] | undefined>)[name]?.[0];
}

describe('audit store down at record time (JSONL)', () => {
  let env: SwitchoverTestEnv;
  let store: OutageAuditStore;
  beforeAll(async () => {
    env = await createSwitchoverTestEnv({
      workerEnv: RECORD_WAIT,
      wrapAudit: (inner) => (store = new OutageAuditStore(inner)),
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  test('the typed outcome is returned flagged, a second run in between is refused by the cooldown, the record lands once when the store is back, and cancelling the record workflow does not stop it', async () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, ...FAST });
    // Down from just after the trigger until well after the run returned.
    await waitFor(
      async () => ((await acceptedCount(env.sim.url, instanceId)) >= 1 ? true : undefined),
      20_000,
    );
    store.downFor(25_000);

    const first = await awaitOutcome(handle);
    expect(first.status).toBe('succeeded');
    expect(first.notRecorded).toEqual({
      reason: expect.stringContaining('unavailable (test outage)'),
      recordWorkflowId: `record:${first.workflowId}:${first.runId}`,
    });
    expect(store.down).toBe(true);
    expect(rawLinesOf(env.auditFile, first.runId)).toBe(0);
    expect(await searchAttribute(env, first.workflowId, first.runId, SA_TRIGGERED.name)).toBe('true');

    // The store is still down: the cooldown reads Temporal's visibility and refuses.
    const second = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(store.down).toBe(true);
    expect(second.status).toBe('rejected');
    expect(second.triggered).toBe(false);
    expect(second.message).toContain(`switched by workflow ${first.workflowId} (run ${first.runId}`);
    expect(second.message).toContain('seen in Temporal visibility');
    expect(await acceptedCount(env.sim.url, instanceId)).toBe(1);

    // Cancelling the record workflow while the store is down does not stop it.
    const recorder = env.client.workflow.getHandle(first.notRecorded!.recordWorkflowId);
    await recorder.cancel();
    expect(store.refusedAppends).toBeGreaterThan(0);

    store.up();
    expect(await recorder.result()).toMatch(/^(written|already-recorded)$/);
    await waitFor(
      async () => (rawLinesOf(env.auditFile, second.runId) === 1 ? true : undefined),
      60_000,
      250,
    );
    expect(rawLinesOf(env.auditFile, first.runId)).toBe(1);
    const stored = (await env.audit.list({ resource: instanceId })).find((o) => o.runId === first.runId)!;
    expect(stored).toMatchObject({ status: 'succeeded', triggered: true });
    // The record is the outcome, not the returned copy's flag.
    expect(stored.notRecorded).toBeUndefined();
  }, 120_000);
});

describe('audit store down, the record workflow terminated', () => {
  let env: SwitchoverTestEnv;
  let store: OutageAuditStore;
  beforeAll(async () => {
    env = await createSwitchoverTestEnv({
      workerEnv: RECORD_WAIT,
      wrapAudit: (inner) => (store = new OutageAuditStore(inner)),
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  test('terminating the recording does not lose the outcome silently: it stays in the run result and the record workflow, and the cooldown still holds', async () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, ...FAST });
    await waitFor(
      async () => ((await acceptedCount(env.sim.url, instanceId)) >= 1 ? true : undefined),
      20_000,
    );
    store.downFor(60_000);
    const first = await awaitOutcome(handle);
    const recorder = env.client.workflow.getHandle(first.notRecorded!.recordWorkflowId);
    await recorder.terminate('operator gave up on the audit store');
    store.up();

    // Still there, typed, in the run's own result and in the record workflow's input; and flagged, not silent.
    expect(await awaitOutcome(env.client.workflow.getHandle(first.workflowId, first.runId))).toMatchObject({
      status: 'succeeded',
      notRecorded: { recordWorkflowId: recorder.workflowId },
    });
    const started = (await recorder.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = JSON.parse(
      Buffer.from(started!.input!.payloads![0]!.data!).toString(),
    ) as SwitchoverOutcome;
    expect(input).toMatchObject({ runId: first.runId, status: 'succeeded', triggered: true });
    expect(rawLinesOf(env.auditFile, first.runId)).toBe(0);

    const next = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(next.status).toBe('rejected');
    // Terminating a workflow does not stop an append already in flight on the worker: the record may still land
    // once the store is back. Either way this run's switch is what refuses the next one.
    expect(next.message).toMatch(
      new RegExp(`\\(run ${first.runId}, succeeded(, seen in Temporal visibility)?\\)`),
    );
    expect(await acceptedCount(env.sim.url, instanceId)).toBe(1);
  }, 60_000);
});

describe('cooldown shared by every worker', () => {
  let hostA: SwitchoverTestEnv;
  let hostB: SwitchoverTestEnv;
  beforeAll(async () => {
    hostA = await createSwitchoverTestEnv({ workerEnv: { SWITCHOVER_COOLDOWN_MINUTES: '10' } });
    // Another host: its own JSONL file and task queue, the same cloud and the same Temporal namespace.
    hostB = await createSwitchoverTestEnv({
      workerEnv: { SWITCHOVER_COOLDOWN_MINUTES: '10' },
      sim: hostA.sim,
    });
  });
  afterAll(async () => {
    await hostB?.close();
    await hostA?.close();
  });

  test('two workers with separate JSONL files: a switch recorded on one host is refused on the other', async () => {
    const instanceId = uniqueId('redis');
    hostA.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const first = await hostA.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(first.status).toBe('succeeded');
    expect(hostB.auditFile).not.toBe(hostA.auditFile);
    expect(rawLinesOf(hostA.auditFile, first.runId)).toBe(1);
    expect(rawLinesOf(hostB.auditFile, first.runId)).toBe(0);

    const second = await hostB.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(second.status).toBe('rejected');
    expect(second.message).toContain(`switched by workflow ${first.workflowId} (run ${first.runId}`);
    expect(await acceptedCount(hostA.sim.url, instanceId)).toBe(1);
  });

  test('a run terminated after its trigger (no outcome, no record) still starts the cooldown', async () => {
    const instanceId = uniqueId('redis');
    hostA.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId,
      swapBehaviour: { result: 'STUCK' },
    });
    const handle = await hostA.start('dcs', { projectId: PROJECT, instanceId, ...FAST });
    await waitFor(
      async () => ((await acceptedCount(hostA.sim.url, instanceId)) >= 1 ? true : undefined),
      20_000,
    );
    await handle.terminate('operator stopped it');
    hostA.sim.control.patchDcsInstance(instanceId, { finishActiveJob: 'SUCCESS' });

    const next = await hostB.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(next.status).toBe('rejected');
    expect(next.message).toMatch(/\(run [^,]+, terminated, seen in Temporal visibility\)/);
    expect(await acceptedCount(hostA.sim.url, instanceId)).toBe(1);
    expect((await hostA.audit.list({ resource: instanceId })).some((o) => o.triggered)).toBe(false);
  });

  test('a run that sent nothing does not count: SwitchoverTriggered goes back to false', async () => {
    const instanceId = uniqueId('redis');
    hostA.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    // Every swap answered "a job is running" (DCS.4017): nothing accepted, the trigger phase runs out of time.
    await addFault(hostA.sim.url, {
      match: { service: 'dcs', trigger: true, path: instanceId },
      fault: { type: 'status', status: 400, body: { error_code: 'DCS.4017', error_msg: 'a job is running' } },
      times: -1,
    });
    const refused = await hostA.run('dcs', { projectId: PROJECT, instanceId, ...FAST, timeoutSeconds: 4 });
    expect(refused).toMatchObject({ status: 'rejected', triggered: false });
    expect(refused.message).toContain('deadline reached while triggering');
    expect(await acceptedCount(hostA.sim.url, instanceId)).toBe(0);
    expect(await searchAttribute(hostA, refused.workflowId, refused.runId, SA_TRIGGERED.name)).toBe('false');
  });
});

describe('status rules', () => {
  let env: SwitchoverTestEnv;
  beforeAll(async () => {
    env = await createSwitchoverTestEnv({ verifySettleMs: 1_500 });
  });
  afterAll(async () => {
    await env?.close();
  });

  const outcomeOf = (promise: Promise<SwitchoverOutcome>) => promise;

  test('DCS: the master moved and a backup task started within the settle time: succeeded with a warning, not failed', async () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId, swapBehaviour: { runMs: 1_500 } });
    const run = outcomeOf(env.run('dcs', { projectId: PROJECT, instanceId, ...FAST }));
    await waitFor(
      async () => (env.sim.control.getDcsInstance(instanceId)?.activeJobId ? true : undefined),
      20_000,
    );
    env.sim.control.patchDcsInstance(instanceId, { task: 'BACKUPING' });
    const outcome = await run;
    expect(outcome.status).toBe('succeeded');
    expect(outcome.details.warning).toMatch(/task BACKUPING after the switch/);
    expect(outcome.details.masterAfter).not.toBe(outcome.details.masterBefore);
    expect(await acceptedCount(env.sim.url, instanceId)).toBe(1);
  });

  test('DWS: roles swapped but the DR ends abnormal: succeeded with a warning, not failed', async () => {
    const drId = uniqueId('dr');
    env.sim.control.createDwsDisasterRecovery({
      projectId: PROJECT,
      drId,
      behaviour: { switchMs: 500, result: 'SWAPPED_ABNORMAL' },
    });
    const outcome = await outcomeOf(
      env.run('dws', { projectId: PROJECT, disasterRecoveryId: drId, mode: 'switchover', ...FAST }),
    );
    expect(outcome.status).not.toBe('failed');
    expect(outcome.status).toBe('succeeded');
    expect(outcome.details.warning).toMatch(/abnormal/);
    expect(outcome.details.primaryAfter).toBe(outcome.details.standbyBefore);
    expect(await acceptedCount(env.sim.url, drId)).toBe(1);
  });

  /** A DRS task whose last VIP switch ended with `result` (switched directly on the cloud, not by a workflow). */
  async function drsJobAfterEarlierSwitch(result: 'SUCCESS' | 'FAIL'): Promise<string> {
    const jobId = uniqueId('drs');
    env.sim.control.createDrsJob({ projectId: PROJECT, jobId, behaviour: { switchMs: 100, result } });
    const sent = await call(env.sim.url, 'POST', `/v3/${PROJECT}/jobs/${jobId}/switch-vip`, {
      body: { mode: 'target' },
    });
    expect(sent.status).toBe(202);
    const final = result === 'SUCCESS' ? 'SWITCH_VIP_COMPLETE' : 'SWITCH_VIP_FAILED';
    await waitFor(
      async () => (env.sim.control.getDrsJob(jobId)?.switchStatus === final ? true : undefined),
      5_000,
    );
    return jobId;
  }

  test('DRS: an earlier SWITCH_VIP_COMPLETE, the new switch fails (stale status first): not succeeded', async () => {
    const jobId = await drsJobAfterEarlierSwitch('SUCCESS');
    env.sim.control.patchDrsJob(jobId, {
      behaviour: { switchMs: 1_500, staleStatusMs: 700, result: 'FAIL' },
    });
    const outcome = await outcomeOf(env.run('drs', { projectId: PROJECT, jobId, mode: 'source', ...FAST }));
    expect(outcome.status).not.toBe('succeeded');
    expect(outcome.status).toBe('failed');
    expect(outcome.lastCloudStatus).toBe('SWITCH_VIP_FAILED');
    expect(await acceptedCount(env.sim.url, jobId)).toBe(2);
  });

  test('DRS: an earlier SWITCH_VIP_FAILED, the new switch succeeds (stale status first): not failed', async () => {
    const jobId = await drsJobAfterEarlierSwitch('FAIL');
    env.sim.control.patchDrsJob(jobId, {
      behaviour: { switchMs: 1_500, staleStatusMs: 700, result: 'SUCCESS' },
    });
    const outcome = await outcomeOf(env.run('drs', { projectId: PROJECT, jobId, mode: 'source', ...FAST }));
    expect(outcome.status).not.toBe('failed');
    expect(outcome.status).toBe('succeeded');
    expect(await acceptedCount(env.sim.url, jobId)).toBe(2);
  });

  test('DRS: the status never moves from the earlier SWITCH_VIP_COMPLETE and START is never seen: unknown, saying why', async () => {
    const jobId = await drsJobAfterEarlierSwitch('SUCCESS');
    // The stale status outlasts the switch: START is never shown, the new result equals the old one.
    env.sim.control.patchDrsJob(jobId, {
      behaviour: { switchMs: 300, staleStatusMs: 600, result: 'SUCCESS' },
    });
    const outcome = await outcomeOf(
      env.run('drs', { projectId: PROJECT, jobId, mode: 'source', ...FAST, timeoutSeconds: 4 }),
    );
    expect(outcome.status).toBe('unknown');
    expect(outcome.message).toMatch(/not attributable to this one/);
    expect(await acceptedCount(env.sim.url, jobId)).toBe(2);
  });

  test('DRS: an ambiguous send, then a 400 "operation too frequent" while looking: not read as "never switched", never adopted into a stale success', async () => {
    const jobId = await drsJobAfterEarlierSwitch('SUCCESS');
    // The new switch fails, and its status keeps showing the earlier COMPLETE for a while (no START shown).
    env.sim.control.patchDrsJob(jobId, {
      behaviour: { switchMs: 300, staleStatusMs: 5_000, result: 'FAIL' },
    });
    await addFault(env.sim.url, {
      match: { service: 'drs', path: `${jobId}/switch-vip$` },
      fault: { type: 'reset-after-accept' },
    });
    const handle = await env.start('drs', { projectId: PROJECT, jobId, mode: 'source', ...FAST });
    await waitFor(
      // The earlier direct switch and this run's (ambiguous) send.
      async () => (env.requests({ path: `${jobId}/switch-vip$` }).length >= 2 ? true : undefined),
      20_000,
    );
    // The next attempt's look at the status is answered 400 DRS.M01503 (a throttle, not "no switch record").
    await addFault(env.sim.url, {
      match: { service: 'drs', path: `${jobId}/get-switch-vip-status` },
      fault: {
        type: 'status',
        status: 400,
        body: { error_code: 'DRS.M01503', error_msg: 'Operation too frequent' },
      },
      times: 2,
    });
    const outcome = await awaitOutcome(handle);
    // Unresolvable (unknown), or, once the stale window ends, the new switch's FAILED (it differs from before).
    expect(outcome.status).not.toBe('succeeded');
    expect(outcome.status).toMatch(/^(unknown|failed)$/);
    expect(outcome.triggered).toBe(true);
    expect(outcome.details.vipStatusBefore).toBe('SWITCH_VIP_COMPLETE');
    expect(await acceptedCount(env.sim.url, jobId)).toBe(2); // the earlier switch and ours: never resent
  });

  test('DRS: a 400 "operation too frequent" at preflight is retried, not read as "never switched"', async () => {
    const jobId = await drsJobAfterEarlierSwitch('SUCCESS');
    env.sim.control.patchDrsJob(jobId, { behaviour: { switchMs: 300, result: 'SUCCESS' } });
    await addFault(env.sim.url, {
      match: { service: 'drs', path: `${jobId}/get-switch-vip-status` },
      fault: {
        type: 'status',
        status: 400,
        body: { error_code: 'DRS.M01503', error_msg: 'Operation too frequent' },
      },
      times: 1,
    });
    const outcome = await env.run('drs', { projectId: PROJECT, jobId, mode: 'source', ...FAST });
    expect(outcome.details.vipStatusBefore).toBe('SWITCH_VIP_COMPLETE');
    expect(outcome.status).toBe('succeeded');
  });

  test('DWS: a switch started by someone else between preflight and trigger: rejected, nothing of ours sent', async () => {
    const drId = uniqueId('dr');
    env.sim.control.createDwsDisasterRecovery({ projectId: PROJECT, drId, behaviour: { switchMs: 300 } });
    const handle = await env.start('dws', {
      projectId: PROJECT,
      disasterRecoveryId: drId,
      mode: 'switchover',
      requireApproval: true,
      ...FAST,
    });
    await waitFor(async () => {
      const progress = await handle.query<{ phase: string }>('progress').catch(() => undefined);
      return progress?.phase === 'approval' ? true : undefined;
    }, 20_000);
    const foreign = await call(env.sim.url, 'POST', `/v2/${PROJECT}/disaster-recovery/${drId}/switchover`, {
      body: {},
    });
    expect(foreign.status).toBe(200);
    await decideApproval(env.client, handle.workflowId, 'approve', { by: 'bob', comment: 'go' });
    const outcome = await awaitOutcome(handle);
    expect(outcome).toMatchObject({ status: 'rejected', triggered: false });
    expect(outcome.message).toMatch(/changed since preflight/);
    expect(await acceptedCount(env.sim.url, drId)).toBe(1); // the foreign one only
  });
});
