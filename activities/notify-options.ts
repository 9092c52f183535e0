/**
 * How workflows should call `notifyOutcome`. Workflow-safe: no I/O, only types from @temporalio/common, so
 * workflow code may import it (a workflow must not import activities/notify.ts itself).
 */
import type { ActivityOptions } from '@temporalio/common';

/** Failure types of notifyOutcome (for nonRetryableErrorTypes and alerting). */
export const NotifyFailure = {
  /** Unreachable, timed out, 408, 429 or 5xx: retried. */
  Unavailable: 'WebhookUnavailable',
  /** Any other non-2xx answer: the receiver refuses this hook or payload; not retried. */
  Rejected: 'WebhookRejected',
} as const;

/**
 * Per attempt 30 s (one delivery times out after 10 s); retried with exponential backoff from 5 s up to 10 min
 * between attempts, for at most 2 h in all (a receiver down longer gets no stale news); a refusal is final.
 * Run it where its retries cannot delay the switchover's result: e.g. in a child workflow started with
 * parentClosePolicy ABANDON, so the switchover returns at once and the child keeps trying.
 */
export const NOTIFY_OUTCOME_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2h',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '10m',
    nonRetryableErrorTypes: [NotifyFailure.Rejected],
  },
};
