import { ApplicationFailure } from '@temporalio/common';
import {
  CloudFailure,
  NON_RETRYABLE_CLOUD_FAILURES,
  type CloudError,
  type CloudFailureType,
} from '../../domain/failures';

/**
 * Builds the typed failure activities throw. The cloud's own error travels as the first detail so the
 * workflow can put code and message in the outcome without parsing text.
 */
export function cloudFailure(
  type: CloudFailureType,
  cloudError: CloudError,
  options: { retryAfterMs?: number; cause?: Error } = {},
): ApplicationFailure {
  const code = cloudError.code ? ` ${cloudError.code}` : '';
  const status = cloudError.httpStatus ? ` (HTTP ${cloudError.httpStatus})` : '';
  return ApplicationFailure.create({
    type,
    message: `${cloudError.service}${code}${status}: ${cloudError.message}`,
    nonRetryable: NON_RETRYABLE_CLOUD_FAILURES.includes(type),
    details: [cloudError],
    nextRetryDelay: options.retryAfterMs,
    cause: options.cause,
  });
}

export function isCloudFailure(error: unknown, ...types: CloudFailureType[]): error is ApplicationFailure {
  return (
    error instanceof ApplicationFailure &&
    typeof error.type === 'string' &&
    (types.length === 0
      ? Object.values<string>(CloudFailure).includes(error.type)
      : types.includes(error.type as CloudFailureType))
  );
}

export function cloudErrorOf(error: ApplicationFailure): CloudError | undefined {
  const detail = error.details?.[0];
  return detail && typeof detail === 'object' && 'message' in detail ? (detail as CloudError) : undefined;
}

/** Transient failures: the call may succeed if made again later. */
export function isTransient(error: unknown): error is ApplicationFailure {
  return isCloudFailure(
    error,
    CloudFailure.Busy,
    CloudFailure.Throttled,
    CloudFailure.Server,
    CloudFailure.Network,
    CloudFailure.NotSent,
  );
}

export function retryAfterMsOf(error: ApplicationFailure): number | undefined {
  const delay = error.nextRetryDelay;
  return typeof delay === 'number' ? delay : undefined;
}

/** The failure type of an HTTP error status (and gateway code), when the service's own code table has none. */
export function failureTypeForStatus(status: number, code?: string): CloudFailureType {
  if (status === 429 || code === 'APIG.0308') return CloudFailure.Throttled;
  if (status === 401) return CloudFailure.Auth;
  if (status === 404) return CloudFailure.NotFound;
  if (status === 409) return CloudFailure.Busy;
  if (status >= 500) return CloudFailure.Server;
  return CloudFailure.Permanent;
}

/** Worth another attempt: anything but a non-retryable failure or a permanent cloud answer. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApplicationFailure)) return true;
  return (
    !error.nonRetryable && !(NON_RETRYABLE_CLOUD_FAILURES as readonly string[]).includes(error.type ?? '')
  );
}

/** A failure as data for a report (an activity that answers with it instead of failing): message and cloud error. */
export function failureReport(error: unknown): { message: string; cloudError?: CloudError } {
  const cloudError = error instanceof ApplicationFailure ? cloudErrorOf(error) : undefined;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(cloudError ? { cloudError } : {}),
  };
}
