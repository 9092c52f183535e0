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
