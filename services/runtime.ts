/**
 * Every service's runtime half (Node only: error codes, headers, activities), keyed by kind. The compiler
 * checks that each kind in services/registry.ts has exactly one entry here.
 */
import type { CloudClient } from '../activities/http/cloud-client';
import { dcsRuntime } from './dcs/runtime';
import { drsRuntime } from './drs/runtime';
import { dwsRuntime } from './dws/runtime';
import type { ServiceKind } from './registry';
import type { ServiceActivityDeps, ServiceRuntime } from './runtime-types';

export const SERVICE_RUNTIMES = {
  dcs: dcsRuntime,
  dws: dwsRuntime,
  drs: drsRuntime,
} as const satisfies { [K in ServiceKind]: ServiceRuntime<K> };

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;

/** Every service's activities, merged (the worker registers them all). */
export type ServiceActivities = UnionToIntersection<
  ReturnType<(typeof SERVICE_RUNTIMES)[ServiceKind]['createActivities']>
>;

/** Builds every service's activities, each on a cloud client made for its endpoint, error codes and headers. */
export function createServiceActivities(
  clientFor: (
    kind: ServiceKind,
    edge: Pick<ServiceRuntime<ServiceKind>, 'errorCodes' | 'normalizeErrorCode'> & {
      headers?: Record<string, string>;
    },
  ) => CloudClient,
  deps: ServiceActivityDeps,
): ServiceActivities {
  const merged: Record<string, unknown> = {};
  for (const kind of Object.keys(SERVICE_RUNTIMES) as ServiceKind[]) {
    const runtime = SERVICE_RUNTIMES[kind] as Pick<
      ServiceRuntime<ServiceKind>,
      'errorCodes' | 'headers' | 'normalizeErrorCode'
    > & { createActivities(client: CloudClient, deps: ServiceActivityDeps): object };
    const { errorCodes, normalizeErrorCode, headers } = runtime;
    Object.assign(
      merged,
      runtime.createActivities(
        clientFor(kind, { errorCodes, normalizeErrorCode, headers: headers && { ...headers } }),
        deps,
      ),
    );
  }
  return merged as ServiceActivities;
}
