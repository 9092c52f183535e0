/**
 * The one switchover skeleton every service walks:
 * validate → (scheduled) → policy + preflight → (approval) → trigger → await → verify → record.
 * Services plug in their phase activities; decisions, deadlines and the outcome live here, once.
 * Deterministic code only: no I/O, no credentials, no endpoints.
 */
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { SwitchoverDefinition } from '../domain/catalog';
import { CloudFailure, INVALID_INPUT, SWITCHOVER_NOT_SUCCEEDED, type CloudError } from '../domain/failures';
import { InputValidationError, parseInput, type commonSwitchoverFields } from '../domain/inputs';
import { switchoverWorkflowId } from '../domain/kinds';
import type { ApprovalDecision, OutcomeStatus, SwitchoverOutcome } from '../domain/outcome';
import type { Phase } from '../domain/phases';
import type { AwaitReport, Facts, PreflightReport, TriggerReceipt, VerifyReport } from '../domain/reports';
import { SA_KIND, SA_OUTCOME, SA_PROJECT, SA_RESOURCE } from '../domain/search-attributes';
import type { PolicyAnswer, PolicyQuestion } from '../activities/safety';
import { activity, failureCause, NON_RETRYABLE, READ_RETRY, type FailureCause } from './activity-calls';
import { installApprovalGate } from './approval';
import { startNotification } from './notify';

type CommonParams = z.output<z.ZodObject<typeof commonSwitchoverFields>>;

/** Names of a service's phase activities (registered by the worker). */
export interface ServicePhases {
  preflight: string;
  trigger: string;
  await: string;
  verify: string;
}

export interface SwitchoverSpec<S extends z.ZodType> extends SwitchoverDefinition<S> {
  input: unknown;
  phases: ServicePhases;
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

/** After the deadline, how long the await activity gets to report `deadline_reached` itself. */
const DEADLINE_GRACE_MS = 60_000;
/** Backoff between trigger attempts (busy resource, ambiguous send). */
const TRIGGER_BACKOFF = { firstMs: 2_000, maxMs: 30_000 };
/** The trigger phase's own bound: a resource that stays busy this long ends the switchover, nothing sent. */
const TRIGGER_PHASE_MS = 10 * 60_000;

export async function runSwitchover<S extends z.ZodType>(
  spec: SwitchoverSpec<S>,
): Promise<SwitchoverOutcome> {
  const info = workflowInfo();
  const startedAt = Date.now();
  const progress: SwitchoverProgress = { phase: 'validate', polls: 0 };
  setHandler(progressQuery, () => progress);

  // validate: the client checked already; check again, since anyone can start a workflow by type name.
  let params: z.output<S> & CommonParams;
  try {
    params = parseInput(spec.workflowType, spec.schema, spec.input) as z.output<S> & CommonParams;
  } catch (error) {
    if (error instanceof InputValidationError)
      throw ApplicationFailure.nonRetryable(error.message, INVALID_INPUT);
    throw error;
  }
  const resourceId = spec.resourceOf(params);
  const expectedId = switchoverWorkflowId(spec.kind, params.projectId, resourceId);
  if (info.workflowId !== expectedId) {
    // The workflow ID is the per-resource lock; a run under another ID would bypass it.
    throw ApplicationFailure.nonRetryable(
      `workflow ID must be '${expectedId}' (one switchover per resource at a time), got '${info.workflowId}'`,
      INVALID_INPUT,
    );
  }
  upsertSearchAttributes([
    { key: SA_KIND, value: spec.kind },
    { key: SA_PROJECT, value: params.projectId },
    { key: SA_RESOURCE, value: resourceId },
  ]);
  const approvalGate = installApprovalGate(info.workflowId, params.requestedBy);
  const label = `${spec.resourceLabel} ${resourceId}`;
  progress.resource = label;

  let preflight: PreflightReport | undefined;
  let receipt: TriggerReceipt | undefined;
  let awaited: AwaitReport | undefined;
  let approval: ApprovalDecision | undefined;
  let triggered = false;
  let policy: PolicyAnswer | undefined;
  const facts: Facts = {};

  const enter = (phase: Phase) => {
    progress.phase = phase;
    showDetails(progress, info.workflowId);
  };

  const finish = async (
    status: OutcomeStatus,
    message: string,
    cloudError?: CloudError,
  ): Promise<SwitchoverOutcome> => {
    const finishedAt = Date.now();
    const outcome: SwitchoverOutcome = {
      kind: spec.kind,
      workflowId: info.workflowId,
      runId: info.runId,
      projectId: params.projectId,
      resourceId,
      status,
      message,
      phase: progress.phase,
      triggered,
      jobId: receipt?.jobId ?? awaited?.jobId,
      lastCloudStatus: awaited?.lastCloudStatus,
      cloudError: cloudError ?? awaited?.cloudError,
      polls: awaited?.polls ?? 0,
      startedAt: new Date(startedAt).toISOString(),
      triggeredAt: receipt ? new Date(receipt.triggeredAt).toISOString() : undefined,
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - startedAt,
      reason: params.reason,
      requestedBy: params.requestedBy,
      approval,
      details: { ...preflight?.facts, ...receipt?.facts, ...awaited?.facts, ...facts },
    };
    progress.outcome = status;
    progress.message = message;
    enter('record');
    await CancellationScope.nonCancellable(async () => {
      upsertSearchAttributes([{ key: SA_OUTCOME, value: status }]);
      await activity<SwitchoverOutcome, void>('recordOutcome', {
        startToCloseTimeout: '30s',
        retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
        summary: `record outcome: ${status}`,
      })(outcome);
      if (policy?.notificationsEnabled) await startNotification(outcome);
    });
    enter('done');
    log.info('switchover finished', { status, message });
    return outcome;
  };

  try {
    // scheduled: hold the resource's lock and wait; preflight runs at the scheduled time, not now.
    if (params.notBefore && Date.parse(params.notBefore) > Date.now()) {
      progress.scheduledFor = params.notBefore;
      enter('scheduled');
      await sleep(Date.parse(params.notBefore) - Date.now(), {
        summary: `scheduled: wait until ${params.notBefore}`,
      });
    }

    // preflight: the safety policy (cooldown, approval), then the service's read-only checks.
    enter('preflight');
    try {
      policy = await activity<PolicyQuestion, PolicyAnswer>('switchoverPolicy', {
        startToCloseTimeout: '30s',
        retry: READ_RETRY,
        summary: `policy: cooldown and approval for ${label}`,
      })({
        kind: spec.kind,
        projectId: params.projectId,
        resourceId,
        workflowId: info.workflowId,
        runId: info.runId,
      });
      preflight = await activity<typeof params, PreflightReport>(spec.phases.preflight, {
        startToCloseTimeout: '30s',
        retry: READ_RETRY,
        summary: `preflight: check ${label}`,
      })(params);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      return await finish('rejected', `preflight failed: ${cause.message}`, cause.cloudError);
    }
    progress.preflight = preflight.summary;
    const cooldown = cooldownRefusal(policy, label);
    if (cooldown) {
      facts.cooldownRecentWorkflow = policy.recentSwitch!.workflowId;
      if (params.force) facts.cooldownOverridden = true;
    }
    const refusal = !preflight.ok
      ? (preflight.refusal ?? preflight.summary)
      : cooldown && !params.force
        ? cooldown
        : undefined;
    if (params.dryRun) {
      facts.wouldProceed = !refusal;
      const plan = `${spec.workflowType} of ${label}`;
      return await finish(
        'dry_run',
        refusal
          ? `dry run: ${plan} would be refused: ${refusal}`
          : `dry run: ${plan} would proceed (${preflight.summary}${cooldown ? `; cooldown overridden by force: ${cooldown}` : ''})${policy.approvalRequired || params.requireApproval ? '; it would wait for approval' : ''}`,
        preflight.cloudError,
      );
    }
    if (refusal) return await finish('rejected', refusal, preflight.cloudError);

    // approval: a human's yes or no, with who and why, before anything is sent.
    if (params.requireApproval || policy.approvalRequired) {
      progress.approvalUntil = new Date(Date.now() + params.approvalTimeoutSeconds * 1000).toISOString();
      enter('approval');
      approval = await approvalGate.wait(params.approvalTimeoutSeconds * 1000);
      if (!approval) {
        return await finish(
          'approval_timed_out',
          `nobody approved or rejected within ${params.approvalTimeoutSeconds}s; nothing was sent`,
        );
      }
      if (approval.decision === 'rejected') {
        return await finish(
          'rejected',
          `rejected by ${approval.by}${approval.comment ? `: ${approval.comment}` : ''}; nothing was sent`,
        );
      }
    }

    // trigger: the only side effect on the cloud, never sent twice. The overall deadline starts here.
    const deadlineAt = Date.now() + params.timeoutSeconds * 1000;
    progress.deadline = new Date(deadlineAt).toISOString();
    enter('trigger');
    const attempt = await triggerAttempts(
      spec,
      params,
      preflight,
      label,
      deadlineAt,
      () => (triggered = true),
    );
    if ('refused' in attempt) {
      const { cause, mayHaveSent } = attempt.refused;
      if (!mayHaveSent) {
        return await finish(
          'failed',
          `the cloud refused the switchover; nothing was started: ${cause.message}`,
          cause.cloudError,
        );
      }
      return await finish(
        'unknown',
        `the switch may have been sent but its fate cannot be established (${cause.message}); check the resource before retrying`,
        cause.cloudError,
      );
    }
    receipt = attempt.receipt;
    triggered = true;
    progress.trigger = receipt.summary;
    progress.jobId = receipt.jobId;

    // await: one heartbeating activity polls until the switch ends or the deadline passes.
    enter('await');
    awaited = await awaitWithDeadline(spec.phases.await, { params, preflight, receipt, deadlineAt });
    progress.polls = awaited.polls;
    progress.lastCloudStatus = awaited.lastCloudStatus;
    progress.jobId = awaited.jobId ?? progress.jobId;
    if (awaited.state === 'deadline_reached') {
      const last = awaited.lastCloudStatus ? `; last cloud status ${awaited.lastCloudStatus}` : '';
      return await finish(
        'unknown',
        `deadline of ${params.timeoutSeconds}s passed before the switch was resolved${last}; it may still be running (${awaited.summary})`,
      );
    }
    if (awaited.state === 'failed') {
      const why = awaited.cloudError?.message ?? awaited.lastCloudStatus ?? 'failed';
      return await finish('failed', `the cloud reports the switchover failed: ${why}`);
    }

    // verify: the cloud said success; check the resource really switched.
    enter('verify');
    let verified: VerifyReport;
    try {
      verified = await activity<unknown, VerifyReport>(spec.phases.verify, {
        startToCloseTimeout: '2m',
        heartbeatTimeout: '30s',
        retry: READ_RETRY,
        summary: `verify ${label} switched`,
      })({ params, preflight, receipt, awaited });
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      return await finish(
        'unknown',
        `the switch reported success but could not be verified: ${cause.message}`,
        cause.cloudError,
      );
    }
    Object.assign(facts, verified.facts);
    if (!verified.ok) return await finish('failed', `the cloud reported success but ${verified.summary}`);
    return await finish('succeeded', `switchover of ${label} succeeded: ${verified.summary}`);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    if (!triggered)
      return await finish('cancelled', 'cancelled before anything was sent; nothing was switched');
    // Sent already: say so, with the cloud's latest word on it.
    const last = await CancellationScope.nonCancellable(() =>
      lastCloudStatus(spec, params, preflight!, receipt),
    );
    if (last) awaited = { ...last, polls: (awaited?.polls ?? 0) + last.polls };
    return await finish(
      'cancelled_after_trigger',
      `cancelled after the switch was sent; it may still complete (last cloud status ${awaited?.lastCloudStatus ?? 'unknown'})`,
    );
  }
}

function cooldownRefusal(policy: PolicyAnswer, label: string): string | undefined {
  const recent = policy.recentSwitch;
  if (!recent) return undefined;
  const minutesAgo = Math.max(0, Math.round((Date.now() - Date.parse(recent.finishedAt)) / 60_000));
  const until = new Date(Date.parse(recent.finishedAt) + policy.cooldownMinutes * 60_000).toISOString();
  return (
    `cooldown: ${label} was switched by workflow ${recent.workflowId} (run ${recent.runId}, ${recent.status}), ` +
    `which ended at ${recent.finishedAt} (${minutesAgo} min ago); the cooldown is ${policy.cooldownMinutes} min, ` +
    `until ${until} (override with force and a reason)`
  );
}

type TriggerResult = { receipt: TriggerReceipt } | { refused: { cause: FailureCause; mayHaveSent: boolean } };

/**
 * Calls the trigger activity until it returns a receipt or a definite answer. Attempts are driven from here
 * (one activity attempt each) so every attempt knows whether an earlier one may have reached the cloud: a
 * definite refusal (4xx) means not sent; a timeout, reset, 5xx or worker crash means "may have been sent",
 * and the next attempt must look before anything else.
 */
async function triggerAttempts<S extends z.ZodType>(
  spec: SwitchoverSpec<S>,
  params: CommonParams,
  preflight: PreflightReport,
  label: string,
  deadlineAt: number,
  markMaybeSent: () => void,
): Promise<TriggerResult> {
  let mayHaveSent = false;
  let delayMs = TRIGGER_BACKOFF.firstMs;
  const phaseEndsAt = Math.min(deadlineAt, Date.now() + TRIGGER_PHASE_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      const receipt = await activity<unknown, TriggerReceipt>(spec.phases.trigger, {
        startToCloseTimeout: '30s',
        retry: { maximumAttempts: 1 },
        summary: `trigger the switchover of ${label}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
      })({ params, preflight, mayHaveSent, attempt });
      return { receipt };
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      if (cause.type === CloudFailure.TriggerUnresolvable || NON_RETRYABLE.includes(cause.type as never)) {
        return { refused: { cause, mayHaveSent } };
      }
      if (!cause.definitelyNotSent) {
        mayHaveSent = true;
        markMaybeSent();
      }
      if (phaseEndsAt - Date.now() <= delayMs) {
        return {
          refused: {
            cause: { ...cause, message: `deadline reached while triggering: ${cause.message}` },
            mayHaveSent,
          },
        };
      }
      log.warn('trigger attempt did not complete; trying again', {
        attempt,
        mayHaveSent,
        error: cause.message,
      });
      await sleep(Math.max(delayMs, cause.retryAfterMs ?? 0), {
        summary: `backoff before trigger attempt ${attempt + 1}`,
      });
      delayMs = Math.min(TRIGGER_BACKOFF.maxMs, delayMs * 2);
    }
  }
}

interface AwaitArgs {
  params: CommonParams;
  preflight: PreflightReport;
  receipt: TriggerReceipt;
  deadlineAt: number;
}

/** Runs the await activity, with a workflow timer as the backstop should the activity never report. */
async function awaitWithDeadline(name: string, args: AwaitArgs): Promise<AwaitReport> {
  const remainingMs = Math.max(1, args.deadlineAt - Date.now());
  const call = activity<AwaitArgs, AwaitReport>(name, {
    startToCloseTimeout: remainingMs + DEADLINE_GRACE_MS,
    heartbeatTimeout: '20s',
    retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: NON_RETRYABLE },
    summary: `await the switch${args.receipt.jobId ? ` (job ${args.receipt.jobId})` : ''}`,
  });
  const unresolved = (summary: string, cloudError?: CloudError): AwaitReport => ({
    state: 'deadline_reached',
    polls: 0,
    transientErrors: 0,
    summary,
    cloudError,
    facts: {},
  });
  return CancellationScope.cancellable(async () => {
    const scope = CancellationScope.current();
    const backstop = sleep(remainingMs + DEADLINE_GRACE_MS, {
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
async function lastCloudStatus<S extends z.ZodType>(
  spec: SwitchoverSpec<S>,
  params: CommonParams,
  preflight: PreflightReport,
  receipt: TriggerReceipt | undefined,
): Promise<AwaitReport | undefined> {
  const effectiveReceipt = receipt ?? {
    adopted: false,
    triggeredAt: Date.now(),
    summary: 'unknown',
    facts: {},
  };
  try {
    return await activity<AwaitArgs, AwaitReport>(spec.phases.await, {
      startToCloseTimeout: '30s',
      retry: { maximumAttempts: 2 },
      summary: 'last look at the switch after cancellation',
    })({ params, preflight, receipt: effectiveReceipt, deadlineAt: Date.now() });
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
