/**
 * The switchover skeleton's branches in milliseconds: the real workflow bundle on the run's dev server, with plain
 * stub functions registered under the real activity names (the service modules' phase names, switchoverPolicy,
 * recordOutcome) instead of the cloud. Each test scripts the stubs for one resource and checks the outcome's
 * status, whether it says the switch was triggered, and how often each stub was called: the trigger stub counts
 * every call that could have sent a switch.
 *
 * No cloud, no simulator: what the cloud does is the business of the service tests (test/integration/).
 */
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { PolicyAnswer, PolicyQuestion } from '../../activities/safety';
import { createAdmitActivities } from '../../activities/admit';
import { awaitThenVerify } from '../../activities/await-verify';
import { createValidateActivities } from '../../activities/validate';
import {
  awaitOutcome,
  decideApproval,
  startSwitchover,
  switchoverProgress,
  type SwitchoverOutcome,
} from '../../client';
import { SWITCHOVER_DEFINITIONS } from '../../domain/catalog';
import { CloudFailure, type CloudError } from '../../domain/failures';
import { SWITCHOVER_KINDS, type SwitchoverKind } from '../../domain/kinds';
import type {
  AwaitArgs,
  AwaitReport,
  PreflightReport,
  TriggerReceipt,
  VerifyArgs,
  VerifyReport,
} from '../../domain/reports';
import { waitUntil } from '../../simulator/testing';
import { FAST, PROJECT, quietRuntime, uniqueId } from '../helpers/switchover-env';
import { testConnection, workflowBundle, type TestConnection } from '../helpers/temporal';

type Phase = 'preflight' | 'trigger' | 'await' | 'verify';

/** What the stubs do for one resource; each phase's function gets the call number (1, 2, ...) and the argument. */
interface Script {
  preflight?: (call: number) => Promise<PreflightReport> | PreflightReport;
  trigger?: (call: number, args: { mayHaveSent: boolean }) => Promise<TriggerReceipt> | TriggerReceipt;
  await?: (call: number) => Promise<AwaitReport> | AwaitReport;
  verify?: (call: number) => Promise<VerifyReport> | VerifyReport;
}

interface Calls {
  preflight: number;
  trigger: number;
  await: number;
  verify: number;
  record: number;
  /** `mayHaveSent` of each trigger call. */
  mayHaveSent: boolean[];
}

const scripts = new Map<string, Script>();
const calls = new Map<string, Calls>();

const ok = {
  preflight: (): PreflightReport => ({
    ok: true,
    summary: 'ready',
    observedAt: Date.now(),
    facts: {},
    state: {},
  }),
  trigger: (): TriggerReceipt => ({
    jobId: 'job-1',
    adopted: false,
    triggeredAt: Date.now(),
    summary: 'sent',
    facts: {},
  }),
  await: (): AwaitReport => ({
    state: 'succeeded',
    jobId: 'job-1',
    lastCloudStatus: 'SUCCESS',
    polls: 3,
    transientErrors: 0,
    summary: 'job SUCCESS',
    facts: {},
  }),
  verify: (): VerifyReport => ({ ok: true, summary: 'switched', facts: {} }),
};

const cloudError: CloudError = {
  service: 'dcs',
  httpStatus: 400,
  code: 'DCS.4855',
  message: 'not supported',
};
const permanent = () =>
  ApplicationFailure.create({
    type: CloudFailure.Permanent,
    message: 'refused',
    nonRetryable: true,
    details: [cloudError],
  });
const ambiguous = () =>
  ApplicationFailure.create({ type: CloudFailure.Network, message: 'connection reset after send' });

function resourceOf(kind: SwitchoverKind, params: unknown): string {
  return SWITCHOVER_DEFINITIONS[kind].resourceOf(params as never);
}

function counted(resourceId: string): Calls {
  let c = calls.get(resourceId);
  if (!c)
    calls.set(
      resourceId,
      (c = { preflight: 0, trigger: 0, await: 0, verify: 0, record: 0, mayHaveSent: [] }),
    );
  return c;
}

/** Stubs under every service's real phase activity names, plus the skeleton's own activities. */
function stubActivities(): Record<string, (...args: never[]) => Promise<unknown>> {
  const switchoverPolicy = async (_question: PolicyQuestion): Promise<PolicyAnswer> => ({
    cooldownMinutes: 0,
    approvalRequired: false,
    notificationsEnabled: false,
  });
  const validate = createValidateActivities();
  const activities: Record<string, (arg: never) => Promise<unknown>> = {
    switchoverPolicy,
    async recordOutcome(outcome: SwitchoverOutcome): Promise<void> {
      counted(outcome.resourceId).record += 1;
    },
    // Input validation is pure (no I/O): the real one, as the workflow runs it (a local activity).
    ...validate,
    ...createAdmitActivities({
      validate: validate.validateSwitchoverInput,
      policy: switchoverPolicy,
      // As the worker does: the service's preflight activity, here its stub (registered below).
      preflight: (kind, params) =>
        activities[SWITCHOVER_DEFINITIONS[kind].phases.preflight]!(params as never) as Promise<
          PreflightReport<unknown>
        >,
    }),
  };
  for (const kind of SWITCHOVER_KINDS) {
    const names = SWITCHOVER_DEFINITIONS[kind].phases;
    const phase =
      (name: Phase) =>
      async (arg: { params?: unknown; mayHaveSent?: boolean }): Promise<unknown> => {
        // Today preflight gets the parameters themselves and the later phases get them as `params`; either works.
        const resourceId = resourceOf(kind, arg.params ?? arg);
        const c = counted(resourceId);
        c[name] += 1;
        if (name === 'trigger') c.mayHaveSent.push(arg.mayHaveSent === true);
        const script = scripts.get(resourceId) ?? {};
        const step = script[name];
        if (name === 'trigger')
          return step
            ? (step as NonNullable<Script['trigger']>)(c[name], { mayHaveSent: arg.mayHaveSent === true })
            : ok.trigger();
        return step ? (step as (call: number) => unknown)(c[name]) : ok[name]();
      };
    activities[names.preflight] = phase('preflight');
    activities[names.trigger] = phase('trigger');
    // As the worker registers them: the await verifies when the workflow asks (activities/await-verify.ts).
    activities[names.await] = awaitThenVerify(
      phase('await') as (args: AwaitArgs<unknown, unknown>) => Promise<AwaitReport>,
      phase('verify') as (args: VerifyArgs<unknown, unknown>) => Promise<VerifyReport>,
    ) as (arg: never) => Promise<unknown>;
    activities[names.verify] = phase('verify');
  }
  return activities;
}

let temporal: TestConnection;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueId('skeleton');
/** Stubs blocked on purpose (e.g. an await that lasts until cancelled) are released at the end. */
const releases: Array<() => void> = [];

beforeAll(async () => {
  quietRuntime();
  temporal = await testConnection();
  worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: stubActivities(),
  });
  running = worker.run();
});

afterAll(async () => {
  releases.forEach((release) => release());
  worker?.shutdown();
  await running;
  await temporal?.close();
});

function inputFor(kind: SwitchoverKind, resourceId: string, more: Record<string, unknown> = {}) {
  const resource = {
    dcs: { instanceId: resourceId },
    dws: { disasterRecoveryId: resourceId, mode: 'switchover' },
    drs: { jobId: resourceId, mode: 'target' },
  }[kind];
  return { projectId: PROJECT, ...resource, requestedBy: 'alice', ...FAST, ...more };
}

async function start(script: Script, more: Record<string, unknown> = {}, kind: SwitchoverKind = 'dcs') {
  const resourceId = uniqueId('res');
  scripts.set(resourceId, script);
  const handle = await startSwitchover(temporal.client, kind, inputFor(kind, resourceId, more), {
    taskQueue,
  });
  return { resourceId, handle, calls: () => counted(resourceId) };
}

async function run(script: Script, more: Record<string, unknown> = {}, kind: SwitchoverKind = 'dcs') {
  const { resourceId, handle } = await start(script, more, kind);
  const outcome = await awaitOutcome(handle);
  return { outcome, calls: counted(resourceId) };
}

/** Call counts, without the per-call trigger flags. */
const counts = (c: Calls) => ({
  preflight: c.preflight,
  trigger: c.trigger,
  await: c.await,
  verify: c.verify,
  record: c.record,
});

describe('the switchover skeleton with stubbed activities', () => {
  test.each(SWITCHOVER_KINDS)('%s: every phase once, succeeded, triggered', async (kind) => {
    const { outcome, calls } = await run({}, {}, kind);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.triggered).toBe(true);
    expect(outcome.jobId).toBe('job-1');
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 1, await: 1, verify: 1, record: 1 });
  });

  test('a preflight refusal is rejected: nothing triggered', async () => {
    const { outcome, calls } = await run({
      preflight: () => ({
        ok: false,
        summary: 'not ready',
        refusal: 'instance is RESTARTING',
        observedAt: Date.now(),
        state: {},
        facts: {},
      }),
    });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.message).toBe('instance is RESTARTING');
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 0, await: 0, verify: 0, record: 1 });
  });

  test('a preflight that fails with a permanent cloud error is rejected with that error: nothing triggered', async () => {
    const { outcome, calls } = await run({
      preflight: () => {
        throw permanent();
      },
    });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.cloudError).toEqual(cloudError);
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 0, await: 0, verify: 0, record: 1 });
  });

  test('a definite refusal of the trigger is rejected (nothing was sent), not triggered, and not sent again', async () => {
    const { outcome, calls } = await run({
      trigger: () => {
        throw permanent();
      },
    });
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.cloudError).toEqual(cloudError);
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 1, await: 0, verify: 0, record: 1 });
  });

  test('an ambiguous trigger is looked at again (mayHaveSent) and its switch adopted: one possible send', async () => {
    const { outcome, calls } = await run({
      trigger: (call, { mayHaveSent }) => {
        if (call === 1) throw ambiguous();
        // The second attempt must know the first may have sent: it adopts instead of sending.
        expect(mayHaveSent).toBe(true);
        return { ...ok.trigger(), adopted: true, summary: 'adopted the running job' };
      },
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.triggered).toBe(true);
    expect(calls.mayHaveSent).toEqual([false, true]);
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 2, await: 1, verify: 1, record: 1 });
  });

  test('an ambiguous trigger the cloud cannot resolve is unknown and triggered, never sent again', async () => {
    const { outcome, calls } = await run({
      trigger: (call) => {
        if (call === 1) throw ambiguous();
        throw ApplicationFailure.create({
          type: CloudFailure.TriggerUnresolvable,
          message: 'cannot tell whether the switch was started',
          nonRetryable: true,
        });
      },
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(calls.mayHaveSent).toEqual([false, true]);
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 2, await: 0, verify: 0, record: 1 });
  });

  test('a switch the cloud reports failed is failed: triggered, not verified', async () => {
    const { outcome, calls } = await run({
      await: () => ({
        ...ok.await(),
        state: 'failed',
        lastCloudStatus: 'FAIL',
        cloudError: { service: 'dcs', message: 'standby not ready' },
      }),
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toContain('standby not ready');
    expect(outcome.lastCloudStatus).toBe('FAIL');
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 1, await: 1, verify: 0, record: 1 });
  });

  test('a deadline reached while awaiting is unknown: triggered, not verified', async () => {
    const { outcome, calls } = await run({
      await: () => ({ ...ok.await(), state: 'deadline_reached', lastCloudStatus: 'RUNNING' }),
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toMatch(/deadline of 60s passed.*last cloud status RUNNING/);
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 1, await: 1, verify: 0, record: 1 });
  });

  test('a switch reported done that verify finds not switched is unknown (never failed: it may have happened)', async () => {
    const { outcome, calls } = await run({
      verify: () => ({ ok: false, summary: 'the master did not move', facts: {} }),
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(outcome.message).toContain('the master did not move');
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 1, await: 1, verify: 1, record: 1 });
  });

  test('a verify that cannot look (permanent error) is unknown, not succeeded', async () => {
    const { outcome, calls } = await run({
      verify: () => {
        throw permanent();
      },
    });
    expect(outcome.status).toBe('unknown');
    expect(outcome.triggered).toBe(true);
    expect(counts(calls)).toEqual({ preflight: 1, trigger: 1, await: 1, verify: 1, record: 1 });
  });

  test('a dry run preflights only and says whether it would proceed', async () => {
    const yes = await run({}, { dryRun: true });
    expect(yes.outcome.status).toBe('dry_run');
    expect(yes.outcome.triggered).toBe(false);
    expect(yes.outcome.details.wouldProceed).toBe(true);
    expect(counts(yes.calls)).toEqual({ preflight: 1, trigger: 0, await: 0, verify: 0, record: 1 });

    const no = await run(
      {
        preflight: () => ({
          ok: false,
          summary: 'single node',
          refusal: 'single node',
          observedAt: Date.now(),
          state: {},
          facts: {},
        }),
      },
      { dryRun: true },
    );
    expect(no.outcome.status).toBe('dry_run');
    expect(no.outcome.details.wouldProceed).toBe(false);
    expect(counts(no.calls)).toEqual({ preflight: 1, trigger: 0, await: 0, verify: 0, record: 1 });
  });

  test("an approver's reject is rejected with who and why: nothing triggered", async () => {
    const { handle, calls } = await start({}, { requireApproval: true });
    await waitUntil(async () => (await switchoverProgress(handle)).phase === 'approval', 10_000);
    await decideApproval(temporal.client, handle.workflowId, 'reject', { by: 'bob', comment: 'not now' });
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('rejected');
    expect(outcome.triggered).toBe(false);
    expect(outcome.approval).toMatchObject({ decision: 'rejected', by: 'bob', comment: 'not now' });
    expect(counts(calls())).toEqual({ preflight: 1, trigger: 0, await: 0, verify: 0, record: 1 });
  });

  test('cancelled before the trigger (waiting for approval) is cancelled: nothing triggered', async () => {
    const { handle, calls } = await start({}, { requireApproval: true });
    await waitUntil(async () => (await switchoverProgress(handle)).phase === 'approval', 10_000);
    await handle.cancel();
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('cancelled');
    expect(outcome.triggered).toBe(false);
    expect(counts(calls())).toEqual({ preflight: 1, trigger: 0, await: 0, verify: 0, record: 1 });
  });

  test('cancelled after the trigger is cancelled_after_trigger with one last look at the switch', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    const { handle, calls } = await start({
      await: async (call) => {
        // The first await lasts until the test ends; the second is the last look after the cancellation.
        if (call === 1) await blocked;
        return { ...ok.await(), state: 'deadline_reached', lastCloudStatus: 'RUNNING', polls: 1 };
      },
    });
    await waitUntil(() => calls().await === 1, 10_000);
    await handle.cancel();
    const outcome = await awaitOutcome(handle);
    release();
    expect(outcome.status).toBe('cancelled_after_trigger');
    expect(outcome.triggered).toBe(true);
    expect(outcome.lastCloudStatus).toBe('RUNNING');
    expect(counts(calls())).toEqual({ preflight: 1, trigger: 1, await: 2, verify: 0, record: 1 });
  });
});
