/**
 * The behaviours every service must show, run against each (describe.each over DCS, DWS, DRS): one worker on the
 * run's dev server, the simulator over real HTTP. Each service supplies only how to seed a resource, where its
 * trigger and polls go, what the simulator counts as an accepted switch, and its own words for the outcome.
 * Service-specific behaviour stays in dcs.test.ts, dws.test.ts and drs.test.ts.
 *
 * Safety checks count what the simulator accepted (its request log and its own switch counters), not what the
 * client believes.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { readAuditFile } from '../../activities/record';
import { awaitOutcome, InputValidationError, type SwitchoverOutcome } from '../../client';
import { WORKFLOW_TYPES, type SwitchoverKind } from '../../domain/kinds';
import { waitUntil } from '../../simulator/testing';
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

/** How the contract drives one service. */
interface ServiceUnderContract {
  kind: SwitchoverKind;
  /** The input field naming the resource. */
  resourceField: string;
  /** Further required input (e.g. `mode`). */
  input: Record<string, unknown>;
  /** Seeds a resource whose switch completes quickly, or (`stuck`) never completes on its own. */
  seed(options?: { stuck?: boolean }): string;
  /** The trigger's method and path (as a request-log regex), where faults are injected. */
  trigger(id: string): { method: string; path: string };
  /** Trigger calls the simulator received for the resource. */
  triggers(id: string): { status: number | string }[];
  /** HTTP status of an accepted trigger. */
  acceptedStatus: number;
  /** Switches the simulator itself carried out on the resource (completed ones). */
  switchesDone(id: string): number;
  /** The poll the await phase makes (GET), as a request-log regex. */
  pollPath(id: string): string;
  /** Input for the polling test (e.g. DCS async mode, whose job is polled). */
  pollInput?: Record<string, unknown>;
  /** Seeds the resource for the polling test: its switch must outlast seven injected faults. */
  seedForPolling(): string;
  /** The service's own facts after the polling test's switch. */
  checkPolled(id: string, outcome: SwitchoverOutcome): void;
  /** Ends the switch after the polling test's faults (when it does not end by itself). */
  finishSwitch(id: string): void;
  /** The field an unknown fault value is injected into, and the value. */
  unknownStatus: { field: string; value: string };
  /** The last cloud status of a switch still in progress at the deadline. */
  inProgressStatus: string;
  /** The cloud error of an unknown resource (its message as a pattern). */
  notFound: { code: string; httpStatus?: number; message?: RegExp };
  /** An invalid enum value a workflow started by type name must refuse, and the rule it names. */
  badEnum: { field: string; value: string; rule: RegExp };
  /** The service's own facts after a successful switch (read from the simulator). */
  checkSucceeded(id: string, outcome: SwitchoverOutcome, before: unknown): void;
  /** The simulator's view before the switch, for checkSucceeded. */
  snapshot(id: string): unknown;
}

const dcs: ServiceUnderContract = {
  kind: 'dcs',
  resourceField: 'instanceId',
  input: {},
  seed({ stuck } = {}) {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId,
      ...(stuck ? { swapBehaviour: { initMs: 100, runMs: 100, result: 'STUCK' } } : {}),
    });
    return instanceId;
  },
  trigger: (id) => ({ method: 'POST', path: `/instances/${id}/swap$` }),
  triggers: (id) =>
    env.requests({ path: `/instances/${id}/(swap|async-swap)$` }).filter((r) => r.method !== 'GET'),
  acceptedStatus: 204,
  switchesDone: (id) => env.sim.control.getDcsInstance(id)!.swapCount,
  pollPath: () => '^/v2/[^/]+/jobs/',
  pollInput: { swapMode: 'async' },
  seedForPolling: () => dcs.seed({ stuck: true }),
  finishSwitch: (id) => void env.sim.control.patchDcsInstance(id, { finishActiveJob: 'SUCCESS' }),
  checkPolled: (_id, outcome) => expect(outcome.details.unexpectedJobStatus).toBe('PAUSED'),
  unknownStatus: { field: 'status', value: 'PAUSED' },
  inProgressStatus: 'RUNNING',
  notFound: { code: 'DCS.3022', httpStatus: 404 },
  badEnum: { field: 'swapMode', value: 'sideways', rule: /swapMode: swapMode must be 'sync' or 'async'/ },
  snapshot: (id) => env.sim.control.getDcsInstance(id)!.masterNodeId,
  checkSucceeded(id, outcome, masterBefore) {
    expect(outcome.jobId).toEqual(expect.any(String));
    expect(outcome.lastCloudStatus).toBe('SUCCESS');
    expect(outcome.details.masterBefore).toBe(masterBefore);
    const instance = env.sim.control.getDcsInstance(id)!;
    expect(instance.masterNodeId).not.toBe(masterBefore);
    expect(outcome.details.masterAfter).toBe(instance.masterNodeId);
    expect(instance.jobs.map((j) => j.jobId)).toEqual([outcome.jobId]);
  },
};

const dws: ServiceUnderContract = {
  kind: 'dws',
  resourceField: 'disasterRecoveryId',
  input: { mode: 'switchover' },
  seed({ stuck } = {}) {
    const drId = uniqueId('dr');
    const switchMs = stuck ? 600_000 : 300;
    env.sim.control.createDwsDisasterRecovery({ projectId: PROJECT, drId, behaviour: { switchMs } });
    return drId;
  },
  trigger: (id) => ({ method: 'POST', path: `/disaster-recovery/${id}/switchover$` }),
  triggers: (id) => env.requests({ method: 'POST', path: `/disaster-recovery/${id}/(switchover|failover)$` }),
  acceptedStatus: 200,
  switchesDone: (id) => env.sim.control.getDwsDisasterRecovery(id)!.events.length,
  pollPath: (id) => `^/v2/[^/]+/disaster-recovery/${id}$`,
  seedForPolling() {
    // DWS has no control to end a switch: one that lasts longer than the faults take ends by itself.
    const drId = uniqueId('dr');
    env.sim.control.createDwsDisasterRecovery({ projectId: PROJECT, drId, behaviour: { switchMs: 8_000 } });
    return drId;
  },
  finishSwitch: (id) => expect(env.sim.control.getDwsDisasterRecovery(id)!.status).toBe('switchovering'),
  checkPolled: (id, outcome) =>
    expect(env.sim.control.getDwsDisasterRecovery(id)!.primaryCluster.id).toBe(outcome.details.standbyBefore),
  unknownStatus: { field: 'disaster_recovery.status', value: 'paused' },
  inProgressStatus: 'switchovering',
  notFound: { code: 'DWS.10101', httpStatus: 400, message: /does not exist/ },
  badEnum: { field: 'mode', value: 'flip', rule: /mode: mode must be 'switchover' or 'failover'/ },
  snapshot: (id) => env.sim.control.getDwsDisasterRecovery(id)!,
  checkSucceeded(id, outcome, snapshot) {
    const before = snapshot as ReturnType<typeof env.sim.control.getDwsDisasterRecovery> & object;
    expect(outcome.jobId).toBe(id);
    expect(outcome.lastCloudStatus).toBe('running');
    expect(outcome.details).toMatchObject({
      mode: 'switchover',
      primaryBefore: before.primaryCluster.id,
      standbyBefore: before.standbyCluster.id,
      primaryAfter: before.standbyCluster.id,
      drStatusAfter: 'running',
      degradedToFailover: false,
    });
    const after = env.sim.control.getDwsDisasterRecovery(id)!;
    expect(after.status).toBe('running');
    expect(after.primaryCluster.id).toBe(before.standbyCluster.id);
    expect(after.standbyCluster.id).toBe(before.primaryCluster.id);
    expect(after.events.map((e) => [e.event, e.result])).toEqual([['switchoverDisasterRecovery', 'SUCCESS']]);
    expect(env.requests({ method: 'POST', path: `/disaster-recovery/${id}/switchover$` })).toHaveLength(1);
  },
};

const drs: ServiceUnderContract = {
  kind: 'drs',
  resourceField: 'jobId',
  input: { mode: 'target' },
  seed({ stuck } = {}) {
    const jobId = uniqueId('drs');
    const behaviour = stuck ? { result: 'STUCK' } : { switchMs: 300 };
    env.sim.control.createDrsJob({ projectId: PROJECT, jobId, behaviour });
    return jobId;
  },
  trigger: (id) => ({ method: 'POST', path: `/jobs/${id}/switch-vip$` }),
  triggers: (id) => env.requests({ method: 'POST', path: `/jobs/${id}/switch-vip$` }),
  acceptedStatus: 202,
  switchesDone: (id) => env.sim.control.getDrsJob(id)!.switchCount,
  pollPath: (id) => `^/v3/[^/]+/jobs/${id}/get-switch-vip-status$`,
  seedForPolling: () => drs.seed({ stuck: true }),
  finishSwitch: (id) => void env.sim.control.patchDrsJob(id, { finishSwitch: 'SUCCESS' }),
  checkPolled: (id) => expect(env.sim.control.getDrsJob(id)!.vip.target).toBe('standby-node'),
  unknownStatus: { field: 'status', value: 'SWITCH_VIP_PAUSED' },
  inProgressStatus: 'SWITCH_VIP_START',
  notFound: { code: 'DRS.M05003', message: /does not exist/ },
  badEnum: { field: 'mode', value: 'sideways', rule: /mode: mode must be 'source' or 'target'/ },
  snapshot: (id) => env.sim.control.getDrsJob(id)!.vip,
  checkSucceeded(id, outcome, vipBefore) {
    expect(vipBefore).toEqual({ source: 'primary-node', target: 'primary-node' });
    expect(outcome.jobId).toBe(id);
    expect(outcome.lastCloudStatus).toBe('SWITCH_VIP_COMPLETE');
    expect(outcome.details).toMatchObject({
      mode: 'target',
      taskStatus: 'INCRE_TRANSFER_STARTED',
      vipStatusBefore: 'none',
      vipStatusAfter: 'SWITCH_VIP_COMPLETE',
    });
    const after = env.sim.control.getDrsJob(id)!;
    expect(after.switchStatus).toBe('SWITCH_VIP_COMPLETE');
    expect(after.vip).toEqual({ source: 'primary-node', target: 'standby-node' });
  },
};

describe.each([dcs, dws, drs])('every service: $kind', (service) => {
  const input = (id: string, more: Record<string, unknown> = {}) => ({
    projectId: PROJECT,
    [service.resourceField]: id,
    ...service.input,
    ...FAST,
    ...more,
  });

  test('switches, verified against the simulator, with exactly one trigger and one recorded outcome', async () => {
    const id = service.seed();
    const before = service.snapshot(id);
    const outcome = await env.run(service.kind, input(id, { reason: 'planned test' }));

    expect(outcome.status).toBe('succeeded');
    expect(outcome.triggered).toBe(true);
    service.checkSucceeded(id, outcome, before);
    expect(service.triggers(id).map((r) => r.status)).toEqual([service.acceptedStatus]);
    expect(service.switchesDone(id)).toBe(1);
    const records = (await readAuditFile(env.auditFile)).filter((r) => r.resourceId === id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      status: 'succeeded',
      kind: service.kind,
      jobId: outcome.jobId,
      reason: 'planned test',
    });
  });

  test("an unknown resource is rejected with the cloud's error, and no trigger is sent", async () => {
    const id = uniqueId('missing');
    const outcome = await env.run(service.kind, input(id));
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    const { code, httpStatus, message } = service.notFound;
    expect(outcome.cloudError).toMatchObject({
      service: service.kind,
      code,
      ...(httpStatus ? { httpStatus } : {}),
    });
    expect(outcome.message).toContain(code);
    if (message) {
      expect(outcome.cloudError!.message).toMatch(message);
      expect(outcome.message).toMatch(message);
    }
    expect(outcome.message).not.toMatch(/ is ;/);
    expect(service.triggers(id)).toHaveLength(0);
  });

  test('polling survives injected 5xx, 429 with Retry-After, connection resets, unknown statuses and garbled JSON', async () => {
    const id = service.seedForPolling();
    const polls = service.pollPath(id);
    const handle = await env.start(service.kind, input(id, service.pollInput));
    // Preflight and the trigger may read the same resource: inject only once the switch was sent.
    await waitUntil(() => service.triggers(id).length === 1);

    // One fault at a time, each consumed by a real poll before the next is injected.
    const faults = [
      { type: 'status', status: 503 },
      { type: 'status', status: 500, body: { error_code: 'SIM.0500', error_msg: 'internal error' } },
      { type: 'throttle', retryAfterSeconds: 1 },
      { type: 'reset' },
      { type: 'reset' },
      { type: 'unknown-enum', ...service.unknownStatus },
      { type: 'malformed-json' },
    ];
    for (const fault of faults) {
      env.sim.control.addFault({ match: { method: 'GET', path: polls }, fault, times: 1 });
      await waitUntil(() => env.sim.control.listFaults().length === 0);
    }
    service.finishSwitch(id);
    const outcome = await awaitOutcome(handle);

    expect(outcome.status).toBe('succeeded');
    const answered = env.requests({ method: 'GET', path: polls });
    expect(answered.filter((r) => r.status === 503)).toHaveLength(1);
    expect(answered.filter((r) => r.status === 500)).toHaveLength(1);
    expect(answered.filter((r) => r.status === 429)).toHaveLength(1);
    expect(answered.filter((r) => r.status === 'reset')).toHaveLength(2);
    expect(outcome.polls).toBeGreaterThanOrEqual(faults.length + 1);
    service.checkPolled(id, outcome);
    expect(service.triggers(id)).toHaveLength(1);
    expect(service.switchesDone(id)).toBe(1);
  });

  test('a trigger whose connection drops after the cloud accepted it is resolved by looking, not resent', async () => {
    const id = service.seed();
    env.sim.control.addFault({
      match: service.trigger(id),
      fault: { type: 'reset-after-accept' },
      times: 1,
    });
    const outcome = await env.run(service.kind, input(id));
    expect(outcome.status).toBe('succeeded');
    expect(outcome.triggered).toBe(true);
    expect(service.triggers(id).map((r) => r.status)).toEqual(['reset']);
    expect(service.switchesDone(id)).toBe(1);
  });

  test('a trigger whose connection is reset is not resent (a reset proves nothing): unknown once the look window passed', async () => {
    const id = service.seed();
    env.sim.control.addFault({
      match: service.trigger(id),
      fault: { type: 'reset' },
      times: 1,
    });
    const outcome = await env.run(service.kind, input(id));
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(/late-acceptance window.*the switch may still happen/);
    expect(service.triggers(id).map((r) => r.status)).toEqual(['reset']);
    expect(service.switchesDone(id)).toBe(0);
  });

  test('when the deadline passes with the switch still in progress, the outcome is unknown with the last status', async () => {
    const id = service.seed({ stuck: true });
    const outcome = await env.run(service.kind, input(id, { timeoutSeconds: 3 }));
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.lastCloudStatus).toBe(service.inProgressStatus);
    expect(outcome.message).toMatch(
      new RegExp(`deadline of 3s passed.*last cloud status ${service.inProgressStatus}`),
    );
    expect(service.triggers(id)).toHaveLength(1);
  });

  test('invalid input is rejected before any cloud call, naming the field and the rule', async () => {
    const id = service.seed();
    const field = service.resourceField;
    const error = await env
      .start(service.kind, input('../../etc', { pollIntervalSeconds: 0 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as Error).message).toContain(`${field}: ${field} must be 1-128 letters`);
    expect((error as Error).message).toContain(
      'pollIntervalSeconds: pollIntervalSeconds must be at least 0.1',
    );

    // Started by type name, bypassing the client: the workflow validates again and touches nothing.
    const callsBefore = env.requests({ service: service.kind }).length;
    const handle = await env.client.workflow.start(WORKFLOW_TYPES[service.kind], {
      taskQueue: env.taskQueue,
      workflowId: `${service.kind}:${PROJECT}:${id}`,
      args: [{ ...input(id), [service.badEnum.field]: service.badEnum.value }],
    });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(service.badEnum.rule);
    expect(env.requests({ service: service.kind })).toHaveLength(callsBefore);
  });
});
