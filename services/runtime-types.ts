/**
 * The runtime half of a service module (Node only, never imported by workflows): its error-code table, the extra
 * headers its API wants, and how its phase activities are built on a cloud client.
 */
import type { CloudClient, ErrorCodeTable } from '../activities/http/cloud-client';
import type { ServicePhaseNames } from './definition';
import type { ServiceKind, ServiceOf } from './registry';

/** What every service's activities get from the worker. */
export interface ServiceActivityDeps {
  /** The cloud client's per-request timeout. */
  requestTimeoutMs: number;
  /** How long verification waits for the resource to settle (DCS). */
  verifySettleMs?: number;
  /** After a trigger that may have reached the cloud, how long to look for its switch (late acceptance). */
  lateAcceptanceWindowMs?: number;
  /** Pause between those looks. */
  lookIntervalMs?: number;
}

type PhaseNameOf<K extends ServiceKind> = ServiceOf<K>['phases'][keyof ServicePhaseNames];

/** A service's activities: at least one activity under each phase name its definition declares. */
export type PhaseActivities<K extends ServiceKind> = {
  [N in PhaseNameOf<K>]: (...args: never[]) => Promise<unknown>;
};

export interface ServiceRuntime<K extends ServiceKind, A extends PhaseActivities<K> = PhaseActivities<K>> {
  kind: K;
  /** The service's own error codes, classified once at the cloud edge; unlisted codes fall back to HTTP status. */
  errorCodes: ErrorCodeTable;
  /** Maps another spelling of the service's codes to the one `errorCodes` uses (DCS: `111400017` = `DCS.4017`). */
  normalizeErrorCode?: (code: string) => string;
  /** Extra headers on every request to the service (e.g. DRS `X-Language`). */
  headers?: Readonly<Record<string, string>>;
  /** The service's activities, registered under their own names, on a client for its endpoint. */
  createActivities(client: CloudClient, deps: ServiceActivityDeps): A;
}

/** Checks a runtime against its definition's phase names while keeping its activities' own types. */
export function defineRuntime<K extends ServiceKind, A extends PhaseActivities<K>>(
  runtime: ServiceRuntime<K, A>,
): ServiceRuntime<K, A> {
  return runtime;
}
