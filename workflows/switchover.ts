/**
 * The one switchover skeleton every service walks:
 * validate → (scheduled) → policy + preflight → (approval) → trigger → await → verify → record.
 * Services plug in their phase activities; decisions, deadlines and the outcome live here, once.
 * Deterministic code only: no I/O, no credentials, no endpoints.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  type ActivityOptions,
  type LocalActivityOptions,
  defineQuery,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { SwitchoverDefinition } from '../domain/catalog';
import { CloudFailure, INVALID_INPUT, SWITCHOVER_NOT_SUCCEEDED, type CloudError } from '../domain/failures';
import type { commonSwitchoverFields } from '../domain/inputs';
import { workflowIdProblem } from '../domain/kinds';
import { InputValidationError, parseInput } from '../domain/parse-input';
import type { ApprovalDecision, OutcomeStatus, SwitchoverOutcome } from '../domain/outcome';
import type { Phase } from '../domain/phases';
import type { SwitchoverKind } from '../domain/kinds';
import type {
  AwaitArgs,
  AwaitReport,
  Facts,
  PreflightReport,
  TriggerArgs,
  TriggerReceipt,
  VerifyArgs,
  VerifyReport,
} from '../domain/reports';
import { SA_KIND, SA_OUTCOME, SA_PROJECT, SA_RESOURCE, SA_TRIGGERED } from '../domain/search-attributes';
import type { PolicyAnswer } from '../activities/safety';
import type { Admission } from '../activities/admit';
import {
  activities,
  failureCause,
  localActivities,
  localPhaseActivity,
  NON_RETRYABLE,
  phaseActivity,
  READ_RETRY,
  type Activities,
  type FailureCause,
  type ServicePhases,
} from './activity-calls';
import { installApprovalGate, type ApprovalGate } from './approval';
import { startNotification } from './notify';
import { handOffRecording, RECORD_ATTEMPT } from './record';

type CommonParams = z.output<z.ZodObject<typeof commonSwitchoverFields>>;

/**
 * `patched()` IDs: each guards one change of the command sequence, so runs started before it replay as they ran
 * (README, "Changing workflow code"). Never rename or reuse one; remove it only with `deprecatePatch` once no run
 * from before it can exist.
 */
export const PATCHES = {
  /** Input parsed in a local activity (its result is history), not inline (replay then re-parses). */
  validateInLocalActivity: 'validate-input-in-local-activity',
  /** SwitchoverTriggered upserted before the trigger (and back to false when nothing was sent). */
  triggeredSearchAttribute: 'switchover-triggered-search-attribute',
  /**
   * The compact skeleton (30 history events, 4 workflow tasks for a plain run): the start's search attributes are
   * not upserted again; validation with the policy (one), preflight and verify run as local activities (they only
   * read); the trigger, the await and the record are activities (the record's input, the outcome, is in history
   * before anything is written, so a lost workflow task cannot leave a record that differs from the run's); the
   * await activity is bounded by its schedule-to-close timeout instead of a backstop timer. Implies the two
   * patches above (runs on it never call them: each patch costs a marker and a TemporalChangeVersion upsert).
   */
  compactHistory: 'switchover-compact-history',
  /**
   * The compact skeleton with verification inside the await activity (activities/await-verify.ts): every input of
   * the outcome, its finish time included, is then in history when the await activity's result is, so the record
   * runs as a local activity in the last workflow task. A lost workflow task replays to the same outcome, so the
   * record written by a lost attempt and the one returned cannot differ. The admission makes the preflight too
   * (one local activity: validation, policy, preflight). 23 history events, 3 workflow tasks, 2 activity tasks
   * for a plain run. Implies compactHistory (runs on it never call it).
   */
  verifyInAwait: 'switchover-verify-in-await',
} as const;

/**
 * The status rules, written once (every phase ends through them):
 * - `succeeded` only when the switch is verified; switched but something looks off → `succeeded` with a `warning`
 *   fact;
 * - `failed` only when the cloud says this switch failed and nothing was seen to move;
 * - the resource moved, or the cloud's word is ambiguous (reported success not verified, a status that cannot be
 *   attributed to this switch, deadline) → `unknown`, never `failed`;
 * - nothing sent → `rejected` (preflight, cooldown, approver, a trigger refused) or `cancelled`, never `failed`.
 */
const RULES = {
  notSent: (message: string, cloudError?: CloudError): Ending => ({
    status: 'rejected',
    message,
    cloudError,
  }),
  cloudFailed: (message: string, cloudError?: CloudError): Ending => ({
    status: 'failed',
    message,
    cloudError,
  }),
  unresolved: (message: string, cloudError?: CloudError): Ending => ({
    status: 'unknown',
    message,
    cloudError,
  }),
  verified: (message: string): Ending => ({ status: 'succeeded', message }),
} as const;

export interface SwitchoverSpec<Schema extends z.ZodType, State> {
  /**
   * The service's definition, passed as it is: spreading it would read its `schema` getter and so evaluate zod in
   * every workflow (services/definition.ts, `inputSchemas`).
   */
  service: SwitchoverDefinition<Schema>;
  input: unknown;
  /** The service's phase activities, checked by the compiler against the phase contract. */
  phases: ServicePhases<z.output<Schema>, State>;
}

/** Progress as the `progress` query returns it. */
export interface SwitchoverProgress {
  phase: Phase;
  resource?: string;
  scheduledFor?: string;
  approvalUntil?: string;
  deadline?: string;
  preflight?: string;
  trigger?: string;
  jobId?: string;
  lastCloudStatus?: string;
  polls: number;
  outcome?: OutcomeStatus;
  /** The outcome's one-line explanation, once finished. */
  message?: string;
}

export const progressQuery = defineQuery<SwitchoverProgress>('progress');

// Timeouts and retries of the skeleton's own calls, each with its reason.
/** Policy and preflight only read: 30 s covers a few slow cloud calls; READ_RETRY absorbs blips. */
const READ_PHASE: ActivityOptions = { startToCloseTimeout: '30s', retry: READ_RETRY };
/**
 * Local activities of the compact skeleton: policy (config, audit store, visibility), preflight (a few GETs) and
 * verify (a few GETs, up to a minute's settle) only read, so running one again after a lost workflow task is harmless. The worker runs them
 * inside the workflow task (a marker in history, no activity task round trip); a retry backoff longer than the
 * SDK's local retry threshold becomes a timer.
 */
const LOCAL_READ: LocalActivityOptions = { startToCloseTimeout: '30s', retry: READ_RETRY };
const LOCAL_VERIFY: LocalActivityOptions = { startToCloseTimeout: '2m', retry: READ_RETRY };
/**
 * One trigger attempt per activity attempt: the workflow drives retries itself so each attempt knows whether an
 * earlier one may have sent. 30 s bounds a look and one send (see ensureTimeToSend). The attempt heartbeats: a
 * dead worker is noticed in 10 s, and a cancellation reaches it (aborting its request); the workflow waits for the
 * attempt to report how it ended, since a send it cut short may still have reached the cloud.
 */
const TRIGGER_ATTEMPT: ActivityOptions = {
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { maximumAttempts: 1 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};
/**
 * After an attempt that may have sent, the next ones only look, for the worker's late-acceptance window (at most
 * 10 min, SWITCHOVER_LATE_ACCEPTANCE_WINDOW_MS) since that attempt: one heartbeating activity holds the whole window.
 */
const TRIGGER_LOOK: ActivityOptions = { ...TRIGGER_ATTEMPT, startToCloseTimeout: '15m' };
/** Looks that keep failing (dead workers) give up this long after the ambiguous attempt: `unknown`. */
const TRIGGER_LOOK_PHASE_MS = 20 * 60_000;
/** Backoff between trigger attempts (busy resource, ambiguous send). */
const TRIGGER_BACKOFF = { firstMs: 2_000, maxMs: 30_000 };
/** The trigger phase's own bound: a resource that stays busy this long ends the switchover, nothing sent. */
const TRIGGER_PHASE_MS = 10 * 60_000;
/** After the deadline, how long the await activity gets to report `deadline_reached` itself. */
const DEADLINE_GRACE_MS = 60_000;
/** With PATCHES.verifyInAwait, the await activity's time for the verification after the switch's end. */
const VERIFY_ALLOWANCE_MS = 5 * 60_000;
/** Await polls for as long as the switch may take; heartbeats every few seconds reveal a dead worker in 20 s. */
const AWAIT_HEARTBEAT = '20s';
/** Verify may wait for the instance to settle (up to a minute), heartbeating meanwhile. */
const VERIFY_PHASE: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: READ_RETRY,
};
/** One last look after a cancellation: quick, at most one retry; the report is best effort. */
const LAST_LOOK: ActivityOptions = { startToCloseTimeout: '30s', retry: { maximumAttempts: 2 } };
/**
 * The record as a local activity (PATCHES.verifyInAwait): one attempt, short (an append takes milliseconds). The
 * SDK does not bound a local activity's retries by its schedule-to-close timeout, and retries in the worker would
 * not skip time in tests; the activity after it does both.
 */
const RECORD_LOCAL_ATTEMPT: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
};
/** How long the run waits for the audit store before returning its outcome flagged not recorded (then handed off). */
const DEFAULT_RECORD_WAIT_SECONDS = 120;

/** How a run ends: the outcome's status and one line for humans. */
interface Ending {
  status: OutcomeStatus;
  message: string;
  cloudError?: CloudError;
}

/** Everything one run knows, in one place: each phase reads it and fills in its part. */
interface Run<State> {
  kind: SwitchoverKind;
  workflowType: string;
  phases: ServicePhases<unknown, State> | Record<keyof ServicePhases<unknown, State>, keyof Activities>;
  params: CommonParams;
  resourceId: string;
  /** e.g. `DCS instance dcs-1`. */
  label: string;
  workflowId: string;
  runId: string;
  startedAt: number;
  progress: SwitchoverProgress;
  approvalGate: ApprovalGate;
  /** PATCHES.compactHistory: this run walks the compact skeleton. */
  compact: boolean;
  /** PATCHES.verifyInAwait: the await activity verifies too. */
  verifyInAwait: boolean;
  /**
   * When the await activity verified and the ending follows from its result alone: when it ended (its clock).
   * The outcome is then a function of history, and is recorded through a local activity.
   */
  endedAt?: number;
  policy?: PolicyAnswer;
  /** The compact skeleton's admission could not read the policy (every attempt failed). */
  policyError?: string;
  /** The admission's preflight (PATCHES.verifyInAwait) could not be made. */
  preflightError?: { message: string; cloudError?: CloudError };
  preflight?: PreflightReport<State>;
  approval?: ApprovalDecision;
  /** Epoch ms when the switch must have resolved; set when the trigger phase starts. */
  deadlineAt?: number;
  receipt?: TriggerReceipt;
  awaited?: AwaitReport;
  /**
   * The switch may have been sent: a receipt, or an attempt scheduled and not (yet) proven not to have sent by a
   * typed, definite answer (a documented refusal, a failure before the request left the host).
   */
  triggered: boolean;
  /** SwitchoverTriggered was upserted `true` (PATCHES.triggeredSearchAttribute). */
  markedTriggered?: boolean;
  /** Workflow time when the first attempt that may have sent ended: later attempts only look, from then on. */
  ambiguousSince?: number;
  /** Facts the skeleton adds to the outcome (cooldown, dry run, verification). */
  facts: Facts;
}

/** The skeleton: each phase either ends the run (returns an Ending) or hands over to the next. */
export async function runSwitchover<Schema extends z.ZodType, State>(
  spec: SwitchoverSpec<Schema, State>,
): Promise<SwitchoverOutcome> {
  const run = await beginRun(spec);
  let ending: Ending;
  try {
    ending =
      (await waitForSchedule(run)) ??
      (await preflightPhase(run)) ??
      (await approvalPhase(run)) ??
      takeCancellation(run) ??
      markTriggering(run) ??
      (await triggerPhase(run)) ??
      (await awaitPhase(run)) ??
      (await verifyPhase(run));
  } catch (error) {
    if (!isCancellation(error)) throw error;
    run.endedAt = undefined;
    ending = await cancelledEnding(run);
  }
  return finish(run, ending);
}

/** validate: the client checked already; check again, since anyone can start a workflow by type name. */
async function beginRun<Schema extends z.ZodType, State>(
  spec: SwitchoverSpec<Schema, State>,
): Promise<Run<State>> {
  const info = workflowInfo();
  const startedAt = Date.now();
  const progress: SwitchoverProgress = { phase: 'validate', polls: 0 };
  setHandler(progressQuery, () => progress);
  // Newest first: a run started on an older skeleton finds no marker for the newer patch and replays as it ran.
  const verifyInAwait = patched(PATCHES.verifyInAwait);
  const compact = verifyInAwait || patched(PATCHES.compactHistory);
  // A cancellation during the admission is taken after it (the run then has its params and ends `cancelled`).
  const admission: Admission = compact
    ? await CancellationScope.nonCancellable(() => admit(spec, info, verifyInAwait))
    : { params: await validatedParams(spec) };
  const params = admission.params as CommonParams;
  const resourceId = spec.service.resourceOf(params as z.output<Schema>);
  // The workflow ID is the per-resource lock; a run under another ID would bypass it.
  const idProblem = workflowIdProblem(spec.service.kind, params.projectId, resourceId, info.workflowId);
  if (idProblem) throw ApplicationFailure.nonRetryable(idProblem, INVALID_INPUT);
  const identity = [
    { key: SA_KIND, value: spec.service.kind },
    { key: SA_PROJECT, value: params.projectId },
    { key: SA_RESOURCE, value: resourceId },
  ];
  // Our clients set them at the start; a start by type name (plain `temporal` CLI) may not have.
  const startedWith = info.typedSearchAttributes;
  if (!compact || identity.some(({ key, value }) => startedWith.get(key) !== value)) {
    upsertSearchAttributes(identity);
  }
  const label = `${spec.service.resourceLabel} ${resourceId}`;
  progress.resource = label;
  return {
    kind: spec.service.kind,
    workflowType: spec.service.workflowType,
    phases: spec.phases as Run<State>['phases'],
    params,
    resourceId,
    label,
    workflowId: info.workflowId,
    runId: info.runId,
    startedAt,
    progress,
    approvalGate: installApprovalGate(info.workflowId, params.requestedBy),
    compact,
    verifyInAwait,
    policy: admission.policy,
    policyError: admission.policyError,
    preflight: admission.preflight as PreflightReport<State> | undefined,
    preflightError: admission.preflightError,
    triggered: false,
    facts: {},
  };
}

/**
 * The parsed input. New runs parse in a local activity: the params are then part of the history and replay uses
 * them as they were, so a later schema edit cannot change a running switchover. Runs started before that
 * (PATCHES.validateInLocalActivity) parse inline, as they did.
 */
async function validatedParams<Schema extends z.ZodType, State>(
  spec: SwitchoverSpec<Schema, State>,
): Promise<CommonParams> {
  if (patched(PATCHES.validateInLocalActivity)) {
    try {
      return (await localActivities({
        startToCloseTimeout: '10s',
        retry: { maximumAttempts: 3, nonRetryableErrorTypes: [INVALID_INPUT] },
      }).validateSwitchoverInput({ kind: spec.service.kind, input: spec.input })) as CommonParams;
    } catch (error) {
      throw invalidInputOr(error);
    }
  }
  try {
    // The only read of the schema in the workflow bundle: zod is evaluated here, for such a run only.
    return parseInput(spec.service.workflowType, spec.service.schema, spec.input) as CommonParams;
  } catch (error) {
    if (error instanceof InputValidationError)
      throw ApplicationFailure.nonRetryable(error.message, INVALID_INPUT);
    throw error;
  }
}

/**
 * The compact skeleton's start: the input parsed (its params then in history, as in `validatedParams`) and the
 * safety policy read, in one local activity. A run scheduled for later reads its policy at that time.
 */
async function admit<Schema extends z.ZodType, State>(
  spec: SwitchoverSpec<Schema, State>,
  info: { workflowId: string; runId: string },
  preflight: boolean,
): Promise<Admission> {
  try {
    return await localActivities({
      ...LOCAL_READ,
      retry: { ...LOCAL_READ.retry, nonRetryableErrorTypes: [INVALID_INPUT] },
      summary: `validate the input; policy: cooldown and approval${preflight ? '; preflight checks' : ''}`,
    }).admitSwitchover({
      kind: spec.service.kind,
      input: spec.input,
      workflowId: info.workflowId,
      runId: info.runId,
      maxAttempts: LOCAL_READ.retry!.maximumAttempts!,
      ...(preflight ? { preflight } : {}),
    });
  } catch (error) {
    throw invalidInputOr(error);
  }
}

/** An input refused by validation fails the run (non-retryable, naming the field); anything else as it came. */
function invalidInputOr(error: unknown): unknown {
  const cause = failureCause(error);
  return cause.type === INVALID_INPUT ? ApplicationFailure.nonRetryable(cause.message, INVALID_INPUT) : error;
}

/**
 * A cancellation requested before the trigger is taken here, so it ends the run `cancelled`, nothing sent. With
 * PATCHES.verifyInAwait nothing between the admission (not cancellable) and the trigger waits: no cancellable
 * call would take it first, and the trigger's own scheduling, in a cancelled scope, would count as may-have-sent.
 */
function takeCancellation(run: Run<unknown>): undefined {
  if (run.verifyInAwait && CancellationScope.current().consideredCancelled) {
    throw new CancelledFailure('cancelled before the trigger');
  }
  return undefined;
}

/**
 * From here the switch may be sent: SwitchoverTriggered = true in visibility before the first attempt, so the
 * cooldown counts this run even if it is terminated mid-trigger or its record is lost. Set back to false in
 * `finish` when nothing was sent after all.
 */
function markTriggering(run: Run<unknown>): undefined {
  if (run.params.dryRun || !(run.compact || patched(PATCHES.triggeredSearchAttribute))) return undefined;
  upsertSearchAttributes([{ key: SA_TRIGGERED, value: 'true' }]);
  run.markedTriggered = true;
  return undefined;
}

function enter(run: Run<unknown>, phase: Phase): void {
  run.progress.phase = phase;
  showDetails(run.progress, run.workflowId);
}

/** scheduled: hold the resource's lock and wait; preflight runs at the scheduled time, not now. */
async function waitForSchedule(run: Run<unknown>): Promise<undefined> {
  const { notBefore } = run.params;
  if (!notBefore || Date.parse(notBefore) <= Date.now()) return undefined;
  run.progress.scheduledFor = notBefore;
  enter(run, 'scheduled');
  await sleep(Date.parse(notBefore) - Date.now(), { summary: `scheduled: wait until ${notBefore}` });
  return undefined;
}

/** preflight: the safety policy (cooldown, approval), then the service's read-only checks; a dry run ends here. */
async function preflightPhase<State>(run: Run<State>): Promise<Ending | undefined> {
  const { params, label } = run;
  enter(run, 'preflight');
  let policy: PolicyAnswer;
  let preflight: PreflightReport<State>;
  try {
    if (run.policyError) throw new Error(`cannot read the safety policy: ${run.policyError}`);
    if (run.preflightError) {
      const { message, cloudError } = run.preflightError;
      return { status: 'rejected', message: `preflight failed: ${message}`, cloudError };
    }
    const summary = `policy: cooldown and approval for ${label}`;
    policy = run.policy ??= await (
      run.compact ? localActivities({ ...LOCAL_READ, summary }) : activities({ ...READ_PHASE, summary })
    ).switchoverPolicy({
      kind: run.kind,
      projectId: params.projectId,
      resourceId: run.resourceId,
      workflowId: run.workflowId,
      runId: run.runId,
    });
    const check = `preflight: check ${label}`;
    // Made by the admission (PATCHES.verifyInAwait) unless the run was scheduled for later.
    preflight = run.preflight ??= await (
      run.compact
        ? localPhaseActivity<CommonParams, PreflightReport<State>>(run.phases.preflight, {
            ...LOCAL_READ,
            summary: check,
          })
        : phaseActivity<CommonParams, PreflightReport<State>>(run.phases.preflight, {
            ...READ_PHASE,
            summary: check,
          })
    )(params);
  } catch (error) {
    if (isCancellation(error)) throw error;
    const cause = failureCause(error);
    return {
      status: 'rejected',
      message: `preflight failed: ${cause.message}`,
      cloudError: cause.cloudError,
    };
  }
  run.progress.preflight = preflight.summary;
  const cooldown = cooldownRefusal(policy, label);
  if (cooldown) {
    run.facts.cooldownRecentWorkflow = policy.recentSwitch!.workflowId;
    if (params.force) run.facts.cooldownOverridden = true;
  }
  const refusal = !preflight.ok
    ? (preflight.refusal ?? preflight.summary)
    : cooldown && !params.force
      ? cooldown
      : undefined;
  if (params.dryRun) {
    run.facts.wouldProceed = !refusal;
    const plan = `${run.workflowType} of ${label}`;
    return {
      status: 'dry_run',
      message: refusal
        ? `dry run: ${plan} would be refused: ${refusal}`
        : `dry run: ${plan} would proceed (${preflight.summary}${cooldown ? `; cooldown overridden by force: ${cooldown}` : ''})${policy.approvalRequired || params.requireApproval ? '; it would wait for approval' : ''}`,
      cloudError: preflight.cloudError,
    };
  }
  if (refusal) return { status: 'rejected', message: refusal, cloudError: preflight.cloudError };
  return undefined;
}

/** approval: a human's yes or no, with who and why, before anything is sent. */
async function approvalPhase(run: Run<unknown>): Promise<Ending | undefined> {
  const { params } = run;
  if (!params.requireApproval && !run.policy?.approvalRequired) return undefined;
  run.progress.approvalUntil = new Date(Date.now() + params.approvalTimeoutSeconds * 1000).toISOString();
  enter(run, 'approval');
  const approval = (run.approval = await run.approvalGate.wait(params.approvalTimeoutSeconds * 1000));
  if (!approval) {
    return {
      status: 'approval_timed_out',
      message: `nobody approved or rejected within ${params.approvalTimeoutSeconds}s; nothing was sent`,
    };
  }
  if (approval.decision === 'rejected') {
    return {
      status: 'rejected',
      message: `rejected by ${approval.by}${approval.comment ? `: ${approval.comment}` : ''}; nothing was sent`,
    };
  }
  return undefined;
}

/**
 * trigger: the only side effect on the cloud, never sent twice. The overall deadline starts here.
 * Attempts are driven from here (one activity attempt each) so every attempt knows whether an earlier one may have
 * reached the cloud: a definite refusal (4xx) means not sent; a timeout, reset, 5xx or worker crash means "may have
 * been sent", and the next attempt must look before anything else.
 */
async function triggerPhase<State>(run: Run<State>): Promise<Ending | undefined> {
  const { params, label } = run;
  const deadlineAt = (run.deadlineAt = Date.now() + params.timeoutSeconds * 1000);
  run.progress.deadline = new Date(deadlineAt).toISOString();
  enter(run, 'trigger');
  let delayMs = TRIGGER_BACKOFF.firstMs;
  const phaseEndsAt = Math.min(deadlineAt, Date.now() + TRIGGER_PHASE_MS);
  for (let attempt = 1; ; attempt++) {
    // From the moment an attempt is scheduled the switch may have been sent, until a definite answer says not.
    const mayHaveSent = run.triggered;
    run.triggered = true;
    try {
      const args: TriggerArgs<CommonParams, State> = {
        params,
        preflight: run.preflight!,
        mayHaveSent,
        ...(mayHaveSent ? { ambiguousSince: run.ambiguousSince } : {}),
        attempt,
      };
      run.receipt = await phaseActivity<typeof args, TriggerReceipt>(run.phases.trigger, {
        ...(mayHaveSent ? TRIGGER_LOOK : TRIGGER_ATTEMPT),
        summary: mayHaveSent
          ? `look for the switch an earlier attempt may have sent (attempt ${attempt}); never resend`
          : `trigger the switchover of ${label}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
      })(args);
      run.progress.trigger = run.receipt.summary;
      run.progress.jobId = run.receipt.jobId;
      return undefined;
    } catch (error) {
      // A cancelled attempt proves nothing: `triggered` stays set and the cancellation ending looks once more.
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      if (cause.definitelyNotSent) run.triggered = mayHaveSent;
      else run.ambiguousSince ??= Date.now();
      if (cause.type === CloudFailure.TriggerUnresolvable || NON_RETRYABLE.includes(cause.type as never))
        return triggerRefused(run, cause);
      const endsAt = run.triggered ? run.ambiguousSince! + TRIGGER_LOOK_PHASE_MS : phaseEndsAt;
      if (endsAt - Date.now() <= delayMs) {
        return triggerRefused(run, {
          ...cause,
          message: `deadline reached while triggering: ${cause.message}`,
        });
      }
      log.warn('trigger attempt did not complete; trying again', {
        attempt,
        mayHaveSent: run.triggered,
        error: cause.message,
      });
      await sleep(Math.max(delayMs, cause.retryAfterMs ?? 0), {
        summary: `backoff before trigger attempt ${attempt + 1}`,
      });
      delayMs = Math.min(TRIGGER_BACKOFF.maxMs, delayMs * 2);
    }
  }
}

/** The trigger phase ended without a receipt: refused (nothing sent) or ambiguous (may have been sent). */
function triggerRefused(run: Run<unknown>, cause: FailureCause): Ending {
  if (!run.triggered) {
    return RULES.notSent(`the switchover was not sent: ${cause.message}`, cause.cloudError);
  }
  return RULES.unresolved(
    `the switch may have been sent but its fate cannot be established (${cause.message}); check the resource before retrying`,
    cause.cloudError,
  );
}

/** await: one heartbeating activity polls until the switch ends or the deadline passes. */
async function awaitPhase<State>(run: Run<State>): Promise<Ending | undefined> {
  const { params, progress } = run;
  enter(run, 'await');
  // Workflow time of the task that schedules the await: in history once the await runs, so replay sees it too.
  const awaitFrom = Date.now();
  const awaited = (run.awaited = await awaitWithDeadline(
    run.phases.await,
    {
      params,
      preflight: run.preflight!,
      receipt: run.receipt!,
      deadlineAt: run.deadlineAt!,
      ...(run.verifyInAwait ? { verify: true } : {}),
    },
    run.compact,
  ));
  // The activity's clock, never before the await began by workflow time (a worker clock behind the server's, or
  // time skipped in tests).
  run.endedAt = awaited.endedAt === undefined ? undefined : Math.max(awaited.endedAt, awaitFrom);
  progress.polls = awaited.polls;
  progress.lastCloudStatus = awaited.lastCloudStatus;
  progress.jobId = awaited.jobId ?? progress.jobId;
  if (awaited.state === 'deadline_reached') {
    const last = awaited.lastCloudStatus ? `; last cloud status ${awaited.lastCloudStatus}` : '';
    return RULES.unresolved(
      `deadline of ${params.timeoutSeconds}s passed before the switch was resolved${last}; it may still be running (${awaited.summary})`,
    );
  }
  if (awaited.state === 'failed') {
    const why = awaited.cloudError?.message ?? awaited.lastCloudStatus ?? 'failed';
    // The cloud says failed but the resource moved: never `failed`; verify decides between succeeded and unknown.
    if (awaited.moved) {
      run.facts.cloudReportedFailure = why;
      return undefined;
    }
    return RULES.cloudFailed(`the cloud reports the switchover failed: ${why}`);
  }
  return undefined;
}

/** verify: the cloud said success; check the resource really switched. */
async function verifyPhase<State>(run: Run<State>): Promise<Ending> {
  const { label } = run;
  enter(run, 'verify');
  const verification = await verificationOf(run);
  if ('status' in verification) return verification;
  const verified = verification;
  Object.assign(run.facts, verified.facts);
  const cloudSaid =
    run.awaited?.state === 'failed'
      ? `the cloud reported failure (${String(run.facts.cloudReportedFailure)}) but`
      : 'the cloud reported success but';
  // Not verified: the cloud's word and the resource disagree. Never `failed` (the cloud did not say this switch
  // failed, or the resource moved): unknown, so nobody retries a switch that may have happened.
  if (!verified.ok) return RULES.unresolved(`${cloudSaid} ${verified.summary}; check the resource`);
  const warning =
    verified.warning ??
    (run.awaited?.state === 'failed'
      ? `the cloud reported the switch failed (${String(run.facts.cloudReportedFailure)}), but it happened`
      : undefined);
  if (warning) {
    run.facts.warning = warning;
    return RULES.verified(`switchover of ${label} succeeded with a warning: ${verified.summary}; ${warning}`);
  }
  return RULES.verified(`switchover of ${label} succeeded: ${verified.summary}`);
}

/** The await activity's verification (PATCHES.verifyInAwait), else a verify local activity or activity. */
async function verificationOf<State>(run: Run<State>): Promise<VerifyReport | Ending> {
  const { verified, verifyError } = run.awaited!;
  if (verifyError) {
    return RULES.unresolved(
      `the switch could not be verified: ${verifyError.message}`,
      verifyError.cloudError,
    );
  }
  if (verified) return verified;
  // Not verified by the await activity (a run from before PATCHES.verifyInAwait, or a worker from before it ran
  // the await): verify here; the outcome then depends on this workflow task, so it is recorded by an activity.
  run.endedAt = undefined;
  try {
    const args: VerifyArgs<CommonParams, State> = {
      params: run.params,
      preflight: run.preflight!,
      receipt: run.receipt!,
      awaited: run.awaited!,
    };
    const summary = `verify ${run.label} switched`;
    return await (
      run.compact
        ? localPhaseActivity<typeof args, VerifyReport>(run.phases.verify, { ...LOCAL_VERIFY, summary })
        : phaseActivity<typeof args, VerifyReport>(run.phases.verify, { ...VERIFY_PHASE, summary })
    )(args);
  } catch (error) {
    if (isCancellation(error)) throw error;
    const cause = failureCause(error);
    return RULES.unresolved(`the switch could not be verified: ${cause.message}`, cause.cloudError);
  }
}

/**
 * Cancelled: before anything may have been sent, nothing was switched. After (a receipt, or an attempt that may have
 * reached the cloud, including one in flight when the cancellation came): one last look, and say what it saw.
 */
async function cancelledEnding<State>(run: Run<State>): Promise<Ending> {
  if (!run.triggered)
    return { status: 'cancelled', message: 'cancelled before anything was sent; nothing was switched' };
  const last = await CancellationScope.nonCancellable(() => lastCloudStatus(run));
  if (last) run.awaited = { ...last, polls: (run.awaited?.polls ?? 0) + last.polls };
  const seen = run.awaited?.lastCloudStatus ?? 'unknown';
  if (!run.receipt) {
    return {
      status: 'cancelled_after_trigger',
      message: `cancelled while a trigger attempt may have reached the cloud; the switch may have been sent and may still happen (last cloud status ${seen}); check the resource before retrying`,
    };
  }
  return {
    status: 'cancelled_after_trigger',
    message: `cancelled after the switch was sent; it may still complete (last cloud status ${seen})`,
  };
}

/** record: the one typed outcome, upserted, written to the audit store and (when configured) notified. */
async function finish(
  run: Run<unknown>,
  { status, message, cloudError }: Ending,
): Promise<SwitchoverOutcome> {
  const { params, receipt, awaited, preflight, progress } = run;
  // From the await activity when the outcome follows from history alone: a replay computes the very same outcome.
  const finishedAt = run.endedAt ?? Date.now();
  const outcome: SwitchoverOutcome = {
    kind: run.kind,
    workflowId: run.workflowId,
    runId: run.runId,
    projectId: params.projectId,
    resourceId: run.resourceId,
    status,
    message,
    phase: progress.phase,
    triggered: run.triggered,
    jobId: receipt?.jobId ?? awaited?.jobId,
    lastCloudStatus: awaited?.lastCloudStatus,
    cloudError: cloudError ?? awaited?.cloudError,
    polls: awaited?.polls ?? 0,
    startedAt: new Date(run.startedAt).toISOString(),
    triggeredAt: receipt ? new Date(receipt.triggeredAt).toISOString() : undefined,
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: Math.max(0, finishedAt - run.startedAt),
    reason: params.reason,
    requestedBy: params.requestedBy,
    approval: run.approval,
    details: { ...preflight?.facts, ...receipt?.facts, ...awaited?.facts, ...run.facts },
  };
  progress.outcome = status;
  progress.message = message;
  enter(run, 'record');
  const upsertOutcome = (final: SwitchoverOutcome) =>
    upsertSearchAttributes([
      { key: SA_OUTCOME, value: final.status },
      // Marked before the trigger, and nothing was sent after all: this run does not count for the cooldown.
      ...(run.markedTriggered && !final.triggered ? [{ key: SA_TRIGGERED, value: 'false' }] : []),
    ]);
  // Cancelling the run does not cancel its record; the outcome is returned whatever the audit store does.
  const returned = await CancellationScope.nonCancellable(async () => {
    upsertOutcome(outcome);
    const recorded = await recordOrHandOff(outcome, run.policy?.recordWaitSeconds, run.endedAt !== undefined);
    if (run.policy?.notificationsEnabled) await startNotification(outcome);
    return recorded;
  });
  enter(run, 'done');
  log.info('switchover finished', {
    status: returned.status,
    message: returned.message,
    recorded: !returned.notRecorded,
  });
  return returned;
}

/**
 * The audit record, waited for up to `recordWaitSeconds` (the store may be down: a database failover, maintenance).
 * Should the store not take it by then, the outcome is returned anyway, flagged `notRecorded`, and a record
 * workflow of its own keeps retrying (30 days, alerting in logs and metrics every attempt) until it lands once.
 */
async function recordOrHandOff(
  outcome: SwitchoverOutcome,
  recordWaitSeconds = DEFAULT_RECORD_WAIT_SECONDS,
  local = false,
): Promise<SwitchoverOutcome> {
  const summary = `record outcome: ${outcome.status}`;
  if (local) {
    // Only when the outcome follows from history (`Run.endedAt`): otherwise a lost workflow task could replay to
    // another outcome than the one a lost attempt wrote (an activity's input is in history first). One quick
    // attempt; a store that does not take it is waited for by the activity below, as for every other outcome.
    try {
      await localActivities({ ...RECORD_LOCAL_ATTEMPT, summary }).recordOutcome(outcome);
      return outcome;
    } catch (error) {
      log.warn('audit store did not take the outcome at once; recording through an activity', {
        error: failureCause(error).message,
      });
    }
  }
  try {
    await activities({
      ...RECORD_ATTEMPT,
      scheduleToCloseTimeout: `${recordWaitSeconds}s`,
      summary,
    }).recordOutcome(outcome);
    return outcome;
  } catch (error) {
    return handedOff(outcome, failureCause(error).message);
  }
}

async function handedOff(outcome: SwitchoverOutcome, reason: string): Promise<SwitchoverOutcome> {
  const recordWorkflowId = await handOffRecording(outcome, reason);
  log.error('switchover outcome not recorded yet; returning it flagged, a record workflow keeps retrying', {
    reason,
    recordWorkflowId,
  });
  return { ...outcome, notRecorded: { reason, recordWorkflowId } };
}

function cooldownRefusal(policy: PolicyAnswer, label: string): string | undefined {
  const recent = policy.recentSwitch;
  if (!recent) return undefined;
  const minutesAgo = Math.max(0, Math.round((Date.now() - Date.parse(recent.finishedAt)) / 60_000));
  const until = new Date(Date.parse(recent.finishedAt) + policy.cooldownMinutes * 60_000).toISOString();
  const from = recent.source === 'visibility' ? ', seen in Temporal visibility' : '';
  return (
    `cooldown: ${label} was switched by workflow ${recent.workflowId} (run ${recent.runId}, ${recent.status}${from}), ` +
    `which ended at ${recent.finishedAt} (${minutesAgo} min ago); the cooldown is ${policy.cooldownMinutes} min, ` +
    `until ${until} (override with force and a reason)`
  );
}

/** Runs the await activity, with a workflow timer as the backstop should the activity never report. */
async function awaitWithDeadline<State>(
  name: keyof Activities,
  args: AwaitArgs<CommonParams, State>,
  compact: boolean,
): Promise<AwaitReport> {
  const boundMs =
    Math.max(1, args.deadlineAt - Date.now()) + DEADLINE_GRACE_MS + (args.verify ? VERIFY_ALLOWANCE_MS : 0);
  const call = phaseActivity<typeof args, AwaitReport>(name, {
    startToCloseTimeout: boundMs,
    // Compact: the server bounds the activity across its retries (what the backstop timer guarded against).
    ...(compact ? { scheduleToCloseTimeout: boundMs } : {}),
    heartbeatTimeout: AWAIT_HEARTBEAT,
    retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: NON_RETRYABLE },
    summary: `await the switch${args.receipt.jobId ? ` (job ${args.receipt.jobId})` : ''}${args.verify ? ', then verify it' : ''}`,
  });
  const unresolved = (summary: string, cloudError?: CloudError): AwaitReport => ({
    state: 'deadline_reached',
    polls: 0,
    transientErrors: 0,
    summary,
    cloudError,
    facts: {},
  });
  if (compact) {
    try {
      return await call(args);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      const timedOut = error instanceof ActivityFailure && error.cause instanceof TimeoutFailure;
      return unresolved(
        timedOut ? 'the await activity never reported' : `polling stopped: ${cause.message}`,
        cause.cloudError,
      );
    }
  }
  return CancellationScope.cancellable(async () => {
    const scope = CancellationScope.current();
    const backstop = sleep(boundMs, {
      summary: 'deadline backstop of the await activity',
    }).then(() => unresolved('the await activity never reported'));
    try {
      return await Promise.race([call(args), backstop]);
    } catch (error) {
      if (isCancellation(error)) throw error;
      // A permanent error while polling (job vanished, access revoked): the switch's fate is unknown.
      const cause = failureCause(error);
      return unresolved(`polling stopped: ${cause.message}`, cause.cloudError);
    } finally {
      scope.cancel();
    }
  });
}

/** One look at the switch (the await activity with its deadline now), for an honest cancellation report. */
async function lastCloudStatus<State>(run: Run<State>): Promise<AwaitReport | undefined> {
  const receipt = run.receipt ?? {
    adopted: false,
    triggeredAt: Date.now(),
    summary: 'unknown',
    facts: {},
  };
  try {
    const args: AwaitArgs<CommonParams, State> = {
      params: run.params,
      preflight: run.preflight!,
      receipt,
      deadlineAt: Date.now(),
    };
    return await phaseActivity<typeof args, AwaitReport>(run.phases.await, {
      ...LAST_LOOK,
      summary: 'last look at the switch after cancellation',
    })(args);
  } catch {
    return undefined;
  }
}

function showDetails(progress: SwitchoverProgress, workflowId: string): void {
  const waiting =
    progress.phase === 'approval'
      ? [
          `### ⏸ Waiting for approval until ${progress.approvalUntil}`,
          `Approve: \`switchover approve ${workflowId} --comment "..."\``,
          `Reject: \`switchover reject ${workflowId} --comment "..."\``,
        ]
      : progress.phase === 'scheduled'
        ? [`### ⏰ Scheduled for ${progress.scheduledFor}`, `Cancel: \`switchover cancel ${workflowId}\``]
        : [];
  const lines = [
    ...waiting,
    `**Phase:** ${progress.phase}`,
    progress.resource && `**Resource:** ${progress.resource}`,
    progress.preflight && `**Preflight:** ${progress.preflight}`,
    progress.trigger && `**Trigger:** ${progress.trigger}`,
    progress.jobId && `**Job:** ${progress.jobId}`,
    progress.lastCloudStatus &&
      `**Last cloud status:** ${progress.lastCloudStatus} (${progress.polls} polls)`,
    progress.deadline && !progress.outcome && `**Deadline:** ${progress.deadline}`,
    progress.outcome && `**Outcome:** ${progress.outcome}`,
    progress.message && `**Result:** ${progress.message}`,
  ].filter(Boolean);
  setCurrentDetails(lines.join('\n\n'));
}

/** Outcomes that complete the workflow normally; every other one fails it (red in the UI) with the outcome attached. */
const COMPLETING: readonly OutcomeStatus[] = ['succeeded', 'dry_run'];

export function settle(outcome: SwitchoverOutcome): SwitchoverOutcome {
  if (COMPLETING.includes(outcome.status)) return outcome;
  throw ApplicationFailure.create({
    type: SWITCHOVER_NOT_SUCCEEDED,
    message: `${outcome.status}: ${outcome.message}`,
    nonRetryable: true,
    details: [outcome],
  });
}
