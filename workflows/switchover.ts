/**
 * The one switchover skeleton every service walks:
 * validate → preflight → trigger → await → verify → record.
 * Services plug in their phase activities; the decisions, deadlines and the outcome live here, once.
 * Deterministic code only: no I/O, no credentials, no endpoints.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { z } from 'zod';
import {
  CloudFailure,
  INVALID_INPUT,
  NON_RETRYABLE_CLOUD_FAILURES,
  SWITCHOVER_NOT_SUCCEEDED,
  type CloudError,
} from '../domain/failures';
import { InputValidationError, parseInput, type commonSwitchoverFields } from '../domain/inputs';
import type { SwitchoverDefinition } from '../domain/catalog';
import { switchoverWorkflowId } from '../domain/kinds';
import type { OutcomeStatus, SwitchoverOutcome } from '../domain/outcome';
import type { Phase } from '../domain/phases';
import type { AwaitReport, Facts, PreflightReport, TriggerReceipt, VerifyReport } from '../domain/reports';
import { SA_KIND, SA_OUTCOME, SA_PROJECT, SA_RESOURCE } from '../domain/search-attributes';

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
  deadline?: string;
  preflight?: string;
  trigger?: string;
  jobId?: string;
  lastCloudStatus?: string;
  polls: number;
  outcome?: OutcomeStatus;
}

export const progressQuery = defineQuery<SwitchoverProgress>('progress');

const NON_RETRYABLE = [...NON_RETRYABLE_CLOUD_FAILURES];
/** After the deadline, how long the await activity gets to report `deadline_reached` itself. */
const DEADLINE_GRACE_MS = 60_000;
const RECORD_ACTIVITY = 'recordOutcome';

type PhaseCall<A, R> = (args: A) => Promise<R>;

function phaseActivity<A, R>(name: string, options: ActivityOptions): PhaseCall<A, R> {
  const proxies = proxyActivities<Record<string, PhaseCall<A, R>>>(options);
  return proxies[name];
}

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

  const deadlineAt = startedAt + params.timeoutSeconds * 1000;
  progress.resource = `${spec.resourceLabel} ${resourceId}`;
  progress.deadline = new Date(deadlineAt).toISOString();
  const remainingMs = () => Math.max(1, deadlineAt - Date.now());

  let preflight: PreflightReport | undefined;
  let receipt: TriggerReceipt | undefined;
  let awaited: AwaitReport | undefined;
  let triggered = false;
  const facts: Facts = {};

  const enter = (phase: Phase) => {
    progress.phase = phase;
    showDetails(progress);
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
      details: { ...preflight?.facts, ...receipt?.facts, ...awaited?.facts, ...facts },
    };
    progress.outcome = status;
    enter('record');
    await CancellationScope.nonCancellable(async () => {
      upsertSearchAttributes([{ key: SA_OUTCOME, value: status }]);
      await phaseActivity<SwitchoverOutcome, void>(RECORD_ACTIVITY, {
        startToCloseTimeout: '30s',
        retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
        summary: `record outcome: ${status}`,
      })(outcome);
    });
    enter('done');
    log.info('switchover finished', { status, message });
    return outcome;
  };

  try {
    // preflight: read-only checks; any refusal or failure here means nothing was sent.
    enter('preflight');
    try {
      preflight = await phaseActivity<typeof params, PreflightReport>(spec.phases.preflight, {
        startToCloseTimeout: '30s',
        retry: {
          initialInterval: '1s',
          maximumInterval: '10s',
          maximumAttempts: 5,
          nonRetryableErrorTypes: NON_RETRYABLE,
        },
        summary: `preflight: check ${spec.resourceLabel} ${resourceId}`,
      })(params);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      return await finish('rejected', `preflight failed: ${cause.message}`, cause.cloudError);
    }
    progress.preflight = preflight.summary;
    if (!preflight.ok)
      return await finish('rejected', preflight.refusal ?? preflight.summary, preflight.cloudError);

    // trigger: the only side effect on the cloud, never sent twice. Attempts are driven from here (one activity
    // attempt each) so every attempt knows whether an earlier one may have reached the cloud.
    enter('trigger');
    const triggerResult = await triggerOnce(spec, params, preflight, resourceId, deadlineAt);
    if ('refused' in triggerResult) {
      const { cause, mayHaveSent } = triggerResult.refused;
      if (!mayHaveSent) {
        return await finish('failed', `the switchover was not sent: ${cause.message}`, cause.cloudError);
      }
      triggered = true;
      return await finish(
        'unknown',
        `the switch may have been sent but its fate cannot be established (${cause.message}); check the resource before retrying`,
        cause.cloudError,
      );
    }
    receipt = triggerResult.receipt;
    triggered = true;
    progress.trigger = receipt.summary;
    progress.jobId = receipt.jobId;

    // await: one heartbeating activity polls until the switch ends or the deadline passes.
    enter('await');
    awaited = await awaitWithDeadline(
      spec.phases.await,
      { params, preflight, receipt, deadlineAt },
      remainingMs(),
    );
    progress.polls = awaited?.polls ?? 0;
    progress.lastCloudStatus = awaited?.lastCloudStatus;
    progress.jobId = awaited?.jobId ?? progress.jobId;
    if (!awaited || awaited.state === 'deadline_reached') {
      const last = awaited?.lastCloudStatus ? `; last cloud status ${awaited.lastCloudStatus}` : '';
      return await finish(
        'unknown',
        `deadline of ${params.timeoutSeconds}s passed before the switch was resolved${last}; it may still be running`,
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
      verified = await phaseActivity<unknown, VerifyReport>(spec.phases.verify, {
        startToCloseTimeout: '2m',
        heartbeatTimeout: '30s',
        retry: {
          initialInterval: '1s',
          maximumInterval: '10s',
          maximumAttempts: 5,
          nonRetryableErrorTypes: NON_RETRYABLE,
        },
        summary: `verify ${spec.resourceLabel} ${resourceId} switched`,
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
    return await finish(
      'succeeded',
      `switchover of ${spec.resourceLabel} ${resourceId} succeeded: ${verified.summary}`,
    );
  } catch (error) {
    if (!isCancellation(error)) throw error;
    const message = triggered
      ? `cancelled after the switch was sent (last cloud status ${awaited?.lastCloudStatus ?? progress.lastCloudStatus ?? 'unknown'}); the switch may complete`
      : 'cancelled before anything was sent; nothing was switched';
    return await finish('cancelled', message);
  }
}

/** Backoff between trigger attempts (busy resource, ambiguous send). */
const TRIGGER_BACKOFF = { firstMs: 2_000, maxMs: 30_000 };

type TriggerResult = { receipt: TriggerReceipt } | { refused: { cause: FailureCause; mayHaveSent: boolean } };

/**
 * Calls the trigger activity until it returns a receipt or a definite answer. A definite refusal by the cloud
 * (4xx) means not sent; a timeout, reset, 5xx or worker crash means "may have been sent" and the next attempt is
 * told so, to look before anything else.
 */
async function triggerOnce<S extends z.ZodType>(
  spec: SwitchoverSpec<S>,
  params: CommonParams,
  preflight: PreflightReport,
  resourceId: string,
  deadlineAt: number,
): Promise<TriggerResult> {
  let mayHaveSent = false;
  let delayMs = TRIGGER_BACKOFF.firstMs;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadlineAt - Date.now();
    try {
      const receipt = await phaseActivity<unknown, TriggerReceipt>(spec.phases.trigger, {
        startToCloseTimeout: '60s',
        retry: { maximumAttempts: 1 },
        summary: `trigger the switchover of ${spec.resourceLabel} ${resourceId}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
      })({ params, preflight, mayHaveSent, attempt });
      return { receipt };
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      if (cause.type === CloudFailure.TriggerUnresolvable || NON_RETRYABLE.includes(cause.type as never)) {
        return { refused: { cause, mayHaveSent } };
      }
      if (!cause.definitelyNotSent) mayHaveSent = true;
      if (remaining <= delayMs) {
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
      await sleep(Math.max(delayMs, cause.retryAfterMs ?? 0));
      delayMs = Math.min(TRIGGER_BACKOFF.maxMs, delayMs * 2);
    }
  }
}

/** Runs the await activity, with a workflow timer as the backstop should the activity never report. */
async function awaitWithDeadline(
  activity: string,
  args: { params: CommonParams; preflight: PreflightReport; receipt: TriggerReceipt; deadlineAt: number },
  remainingMs: number,
): Promise<AwaitReport | undefined> {
  const heartbeatTimeoutMs = Math.max(30_000, 3 * 5_000);
  const call = phaseActivity<typeof args, AwaitReport>(activity, {
    startToCloseTimeout: remainingMs + DEADLINE_GRACE_MS,
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: { initialInterval: '1s', maximumInterval: '10s', nonRetryableErrorTypes: NON_RETRYABLE },
    summary: `await the switch${args.receipt.jobId ? ` (job ${args.receipt.jobId})` : ''}`,
  });
  return CancellationScope.cancellable(async () => {
    const scope = CancellationScope.current();
    const backstop = sleep(remainingMs + DEADLINE_GRACE_MS).then(() => undefined);
    try {
      return await Promise.race([call(args), backstop]);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = failureCause(error);
      // A permanent error while polling (job vanished, access revoked): the switch's fate is unknown.
      return {
        state: 'deadline_reached' as const,
        polls: 0,
        transientErrors: 0,
        summary: `polling stopped: ${cause.message}`,
        cloudError: cause.cloudError,
        facts: {},
      };
    } finally {
      scope.cancel();
    }
  });
}

interface FailureCause {
  type?: string;
  message: string;
  retryAfterMs?: number;
  cloudError?: CloudError;
  /** The cloud answered with a definite refusal (4xx), so the switch was not accepted. */
  definitelyNotSent: boolean;
}

const DEFINITE_REFUSALS: readonly string[] = [
  CloudFailure.Permanent,
  CloudFailure.NotFound,
  CloudFailure.Auth,
  CloudFailure.Busy,
  CloudFailure.Throttled,
];

/** Reads the typed cause out of an activity failure (never its message text for decisions). */
function failureCause(error: unknown): FailureCause {
  let failure: unknown = error;
  while (failure instanceof ActivityFailure && failure.cause) failure = failure.cause;
  if (failure instanceof ApplicationFailure) {
    const detail = failure.details?.[0] as CloudError | undefined;
    const retryAfter = failure.nextRetryDelay;
    return {
      type: failure.type ?? undefined,
      message: failure.message,
      retryAfterMs: typeof retryAfter === 'number' ? retryAfter : undefined,
      cloudError: detail && typeof detail.message === 'string' ? detail : undefined,
      definitelyNotSent: DEFINITE_REFUSALS.includes(failure.type ?? ''),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, definitelyNotSent: false };
}

function showDetails(progress: SwitchoverProgress): void {
  const lines = [
    `**Phase:** ${progress.phase}`,
    progress.resource && `**Resource:** ${progress.resource}`,
    progress.preflight && `**Preflight:** ${progress.preflight}`,
    progress.trigger && `**Trigger:** ${progress.trigger}`,
    progress.jobId && `**Job:** ${progress.jobId}`,
    progress.lastCloudStatus &&
      `**Last cloud status:** ${progress.lastCloudStatus} (${progress.polls} polls)`,
    progress.deadline && `**Deadline:** ${progress.deadline}`,
    progress.outcome && `**Outcome:** ${progress.outcome}`,
  ].filter(Boolean);
  setCurrentDetails(lines.join('\n\n'));
}

/** Fails the workflow (red in the UI) with the outcome attached, for every outcome but success. */
export function settle(outcome: SwitchoverOutcome): SwitchoverOutcome {
  if (outcome.status === 'succeeded') return outcome;
  throw ApplicationFailure.create({
    type: SWITCHOVER_NOT_SUCCEEDED,
    message: `${outcome.status}: ${outcome.message}`,
    nonRetryable: true,
    details: [outcome],
  });
}
