import type { CloudAuth } from './http/auth';
import { CloudClient, type CloudCall } from './http/cloud-client';
import type { CloudRateLimiter } from './http/rate-limit';
import { createDcsActivities } from './dcs/activities';
import { DCS_ERROR_CODES, dcsApi } from './dcs/api';
import { createDrsActivities } from './drs/activities';
import { DRS_ERROR_CODES, drsApi } from './drs/api';
import { createDwsActivities } from './dws/activities';
import { DWS_ERROR_CODES, dwsApi } from './dws/api';
import type { SwitchoverOutcome } from '../domain/outcome';
import { createRecordActivities, type AuditAppendResult, type AuditStore } from './audit';
import { createNotifyActivities, type NotifyDeps } from './notify';
import { createSafetyActivities, type SafetyPolicy } from './safety';

export const DEFAULT_SAFETY_POLICY: SafetyPolicy = { cooldownMinutes: 10, approvalRequiredKinds: [] };

export interface ActivityDeps {
  endpoints: { dcs: string; dws: string; drs: string };
  auth: CloudAuth;
  requestTimeoutMs: number;
  /** Where recordOutcome writes (activities/audit: JSON Lines file or PostgreSQL). */
  audit: AuditStore;
  /** notifyOutcome's webhook; without one, notifications are off. */
  notify?: NotifyDeps;
  onCloudCall?: (call: CloudCall) => void;
  /** Observes each recordOutcome append (metrics). */
  onOutcomeRecorded?: (outcome: SwitchoverOutcome, result: AuditAppendResult) => void;
  /** How long DCS verification waits for the instance to settle. */
  verifySettleMs?: number;
  /** Cooldown and approval policy; DEFAULT_SAFETY_POLICY when omitted. */
  safety?: SafetyPolicy;
  /** Cloud call permits per service and project (SWITCHOVER_CLOUD_RATE_LIMIT); none = unlimited. */
  rateLimiter?: CloudRateLimiter;
}

/** Every activity the worker registers, built from its dependencies (tests pass their own). */
export function createActivities(deps: ActivityDeps) {
  const client = (service: 'dcs' | 'dws' | 'drs', errorCodes = {}, headers?: Record<string, string>) =>
    new CloudClient({
      service,
      endpoint: deps.endpoints[service],
      auth: deps.auth,
      errorCodes,
      timeoutMs: deps.requestTimeoutMs,
      headers,
      onCall: deps.onCloudCall,
      rateLimiter: deps.rateLimiter,
    });
  return {
    ...createDcsActivities({
      api: dcsApi(client('dcs', DCS_ERROR_CODES)),
      verifySettleMs: deps.verifySettleMs,
      requestTimeoutMs: deps.requestTimeoutMs,
    }),
    ...createDwsActivities({
      api: dwsApi(client('dws', DWS_ERROR_CODES)),
      requestTimeoutMs: deps.requestTimeoutMs,
    }),
    ...createDrsActivities({
      api: drsApi(client('drs', DRS_ERROR_CODES, { 'X-Language': 'en-us' })),
      requestTimeoutMs: deps.requestTimeoutMs,
    }),
    ...createRecordActivities({ audit: deps.audit, onRecorded: deps.onOutcomeRecorded }),
    ...createNotifyActivities(deps.notify ?? { namespace: 'default' }),
    ...createSafetyActivities({
      policy: deps.safety ?? DEFAULT_SAFETY_POLICY,
      notificationsEnabled: Boolean(deps.notify?.webhook),
      outcomesOf: async ({ kind, projectId, resourceId }) =>
        (await deps.audit.list({ kind, resource: resourceId })).filter((o) => o.projectId === projectId),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
