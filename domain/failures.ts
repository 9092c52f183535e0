/**
 * Failure type names shared by activities (which throw them, classified once at the HTTP edge) and
 * workflows (which react to the type, never to message text).
 */
export const CloudFailure = {
  /** Bad input, not supported, forbidden: retrying cannot help. */
  Permanent: 'CloudPermanentError',
  /** The resource does not exist. */
  NotFound: 'CloudNotFoundError',
  /** Authentication failed even after one token refresh. */
  Auth: 'CloudAuthError',
  /** The resource is busy (another job, wrong state for now): wait and retry. */
  Busy: 'CloudBusyError',
  /** The API gateway throttled us (429); retried after Retry-After. */
  Throttled: 'CloudThrottledError',
  /** 5xx from the cloud: retryable. */
  Server: 'CloudServerError',
  /** Timeout or reset after the connection was made: retryable, but ambiguous for a trigger. */
  Network: 'CloudNetworkError',
  /**
   * The request provably did not reach the cloud service: it never left this host (connection refused, DNS
   * failure, connect timeout, credentials unavailable, cancelled or out of time before the request was written), or
   * the gateway refused its credentials (401) before the service saw it. Retryable; for a trigger, proof that
   * nothing was sent.
   */
  NotSent: 'CloudNotSentError',
  /** A response that does not match the documented schema. */
  InvalidResponse: 'CloudInvalidResponseError',
  /** A trigger whose fate is unknown (sent, then timeout/reset/5xx): resolved by looking, never by resending. */
  TriggerAmbiguous: 'TriggerAmbiguousError',
  /** An earlier attempt may have sent the switch and the cloud cannot tell: never resend, end as `unknown`. */
  TriggerUnresolvable: 'TriggerUnresolvableError',
} as const;
export type CloudFailureType = (typeof CloudFailure)[keyof typeof CloudFailure];

export const NON_RETRYABLE_CLOUD_FAILURES: readonly CloudFailureType[] = [
  CloudFailure.Permanent,
  CloudFailure.NotFound,
  CloudFailure.Auth,
  CloudFailure.InvalidResponse,
  CloudFailure.TriggerUnresolvable,
];

/**
 * Failure types that prove a trigger was not accepted: a documented refusal by the cloud, or a failure before the
 * request left the host. Every other failure of a send may have reached the cloud.
 */
export const DEFINITELY_NOT_SENT: readonly CloudFailureType[] = [
  CloudFailure.Permanent,
  CloudFailure.NotFound,
  CloudFailure.Auth,
  CloudFailure.Busy,
  CloudFailure.Throttled,
  CloudFailure.NotSent,
];

/** Thrown by a workflow whose outcome is not `succeeded`; the outcome is its first detail. */
export const SWITCHOVER_NOT_SUCCEEDED = 'SwitchoverNotSucceeded';
/** Failure type of an outcome that cannot be recorded (missing identity): retrying cannot help. */
export const INVALID_OUTCOME = 'InvalidOutcomeError';
/** Thrown when the workflow input fails validation. */
export const INVALID_INPUT = 'InvalidSwitchoverInput';

/** The cloud's own error, as carried in failure details and outcomes. */
export interface CloudError {
  service: string;
  httpStatus?: number;
  code?: string;
  message: string;
}
