import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CloudFailure } from '../domain/failures';
import { cloudErrorOf, cloudFailure, isCloudFailure } from './http/failures';

/**
 * A trigger that failed on the wire (timeout, reset, 5xx) may still have reached the cloud. It becomes a
 * retryable TriggerAmbiguous failure: the next attempt first looks whether the switch started, and only
 * sends when it finds nothing. Other failures pass through unchanged.
 */
export function triggerFailure(error: unknown): unknown {
  if (isCloudFailure(error, CloudFailure.Network, CloudFailure.Server)) {
    const cloudError = cloudErrorOf(error) ?? { service: 'cloud', message: error.message };
    return cloudFailure(CloudFailure.TriggerAmbiguous, {
      ...cloudError,
      message: `trigger outcome unknown (${cloudError.message}); the next attempt looks before sending again`,
    });
  }
  return error instanceof ApplicationFailure || error instanceof Error ? error : new Error(String(error));
}

/** Room left after the send's own timeout before the attempt's start-to-close deadline. */
const SEND_MARGIN_MS = 2_000;

/**
 * Call right before sending a trigger. Refuses (retryable, nothing sent) when the send could still be in flight
 * after this attempt's start-to-close timeout: the workflow's next attempt starts only after that timeout, and
 * its look must not race a send of this attempt that has not resolved yet.
 */
export function ensureTimeToSend(requestTimeoutMs: number, now: () => number = Date.now): void {
  const info = Context.current().info;
  const attemptDeadline = info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs;
  const left = attemptDeadline - now();
  if (left < requestTimeoutMs + SEND_MARGIN_MS) {
    throw cloudFailure(CloudFailure.Busy, {
      service: 'switchover',
      message: `not sending: only ${left} ms left in this attempt, less than the request timeout ${requestTimeoutMs} ms plus margin; the next attempt looks first`,
    });
  }
}
