/** How the skeleton calls activities and reads their failures (deterministic code). */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import { CloudFailure, NON_RETRYABLE_CLOUD_FAILURES, type CloudError } from '../domain/failures';

export const NON_RETRYABLE = [...NON_RETRYABLE_CLOUD_FAILURES];

type ActivityCall<A, R> = (args: A) => Promise<R>;

/** One activity, by its registered name, with the options (timeouts, retries, UI summary) of this call. */
export function activity<A, R>(name: string, options: ActivityOptions): ActivityCall<A, R> {
  const proxies = proxyActivities<Record<string, ActivityCall<A, R>>>(options);
  return proxies[name];
}

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
      definitelyNotSent: DEFINITE_REFUSALS.includes(failure.type ?? ''),
    };
  }
  const message = failure instanceof Error ? failure.message : String(failure);
  return { message, definitelyNotSent: false };
}
