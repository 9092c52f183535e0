/**
 * The seam between workflows and activities (deterministic code). Activities are typed from their factory
 * (`import type`: nothing of the activities enters the workflow bundle), so the compiler checks every call across
 * the seam: names, arguments and results.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { DEFINITELY_NOT_SENT, NON_RETRYABLE_CLOUD_FAILURES, type CloudError } from '../domain/failures';
import type {
  AwaitArgs,
  AwaitReport,
  PreflightReport,
  TriggerArgs,
  TriggerReceipt,
  VerifyArgs,
  VerifyReport,
} from '../domain/reports';

/** Every activity the worker registers, as the worker builds them. */
export type Activities = ReturnType<typeof createActivities>;

/** The activities, with the options (timeouts, retries, UI summary) of this call. */
export function activities(options: ActivityOptions): Activities {
  return proxyActivities<Activities>(options);
}

/** The activities as local activities (run in the workflow's worker, result recorded as a marker). */
export function localActivities(options: LocalActivityOptions): Activities {
  return proxyLocalActivities<Activities>(options);
}

/** Names of the registered activities whose signature is `Fn`. */
type ActivityNamed<Fn> = { [K in keyof Activities]: Activities[K] extends Fn ? K : never }[keyof Activities];

/**
 * The phase contract every service fulfils: the registered activity for each phase, checked by the compiler
 * against the phase's arguments and result for the service's params `P` and preflight state `S`.
 */
export interface ServicePhases<P, S> {
  preflight: ActivityNamed<(params: P) => Promise<PreflightReport<S>>>;
  trigger: ActivityNamed<(args: TriggerArgs<P, S>) => Promise<TriggerReceipt>>;
  await: ActivityNamed<(args: AwaitArgs<P, S>) => Promise<AwaitReport>>;
  verify: ActivityNamed<(args: VerifyArgs<P, S>) => Promise<VerifyReport>>;
}

/**
 * One phase activity of a service. `ServicePhases` already checked that the name's signature is `(args: A) =>
 * Promise<R>` for this service; the skeleton, generic over services, cannot restate that, hence the cast.
 */
export function phaseActivity<A, R>(
  name: keyof Activities,
  options: ActivityOptions,
): (args: A) => Promise<R> {
  return activities(options)[name] as unknown as (args: A) => Promise<R>;
}

/** The same, run as a local activity. */
export function localPhaseActivity<A, R>(
  name: keyof Activities,
  options: LocalActivityOptions,
): (args: A) => Promise<R> {
  return localActivities(options)[name] as unknown as (args: A) => Promise<R>;
}

export const NON_RETRYABLE = [...NON_RETRYABLE_CLOUD_FAILURES];

/** Read-only phases (policy, preflight, verify): a few quick retries, permanent cloud errors end them. */
export const READ_RETRY: RetryPolicy = {
  initialInterval: '1s',
  maximumInterval: '10s',
  maximumAttempts: 5,
  nonRetryableErrorTypes: NON_RETRYABLE,
};

export interface FailureCause {
  type?: string;
  message: string;
  retryAfterMs?: number;
  cloudError?: CloudError;
  /**
   * A typed, definite answer that the switch was not accepted: a documented refusal (4xx), or a failure before the
   * request left the host (CloudNotSentError).
   */
  definitelyNotSent: boolean;
}

/** Reads the typed cause out of an activity failure (never its message text for decisions). */
export function failureCause(error: unknown): FailureCause {
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
      definitelyNotSent: (DEFINITELY_NOT_SENT as readonly string[]).includes(failure.type ?? ''),
    };
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  return { message, definitelyNotSent: false };
}
