import type { CloudAuth } from './http/auth';
import { CloudClient, type CloudCall } from './http/cloud-client';
import { createDcsActivities } from './dcs/activities';
import { DCS_ERROR_CODES, dcsApi } from './dcs/api';
import { createDrsActivities } from './drs/activities';
import { DRS_ERROR_CODES, drsApi } from './drs/api';
import { createDwsActivities } from './dws/activities';
import { DWS_ERROR_CODES, dwsApi } from './dws/api';
import { SWITCHOVER_DEFINITIONS } from '../domain/catalog';
import type { SwitchoverKind } from '../domain/kinds';
import type { SwitchoverOutcome } from '../domain/outcome';
import type { AwaitArgs, AwaitReport } from '../domain/reports';
import { createRecordActivities, type AuditAppendResult, type AuditStore } from './audit';
import { createNotifyActivities, type NotifyDeps } from './notify';
import { createSafetyActivities, type SafetyPolicy } from './safety';
import {
  createDurationLearner,
  withLearnedTiming,
  type ExpectedDuration,
  type LearnedTiming,
} from './learned-durations';

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
  /**
   * Learned-duration polling (activities/poll-schedule.ts): `false` turns it off (plain backoff); omitted or
   * `true`: durations learned from `audit`; a function: durations from it (tests). `settings`: dense polling.
   */
  learnedPolling?: boolean | ExpectedDuration;
  pollSchedule?: LearnedTiming['settings'];
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
    });
  const expectedDuration: ExpectedDuration | undefined =
    deps.learnedPolling === false
      ? undefined
      : typeof deps.learnedPolling === 'function'
        ? deps.learnedPolling
        : createDurationLearner({ outcomesOf: (kind, limit) => deps.audit.list({ kind, limit }) });
  /** The await activity of `kind`, run with its switch's learned duration for `pollUntilDone`. */
  const learning = <P extends object>(
    kind: SwitchoverKind,
    awaitActivity: (args: AwaitArgs<P>) => Promise<AwaitReport>,
  ) =>
    async function (args: AwaitArgs<P>): Promise<AwaitReport> {
      const resourceOf = SWITCHOVER_DEFINITIONS[kind].resourceOf as (params: unknown) => string;
      const estimate = await expectedDuration?.({
        kind,
        projectId: (args.params as { projectId: string }).projectId,
        resourceId: resourceOf(args.params),
      }).catch(() => undefined);
      const timing: LearnedTiming = {
        triggeredAt: args.receipt.triggeredAt,
        ...(estimate ? { estimate } : {}),
        ...(deps.pollSchedule ? { settings: deps.pollSchedule } : {}),
      };
      return withLearnedTiming(timing, () => awaitActivity(args));
    };
  const dcs = createDcsActivities({
    api: dcsApi(client('dcs', DCS_ERROR_CODES)),
    verifySettleMs: deps.verifySettleMs,
    requestTimeoutMs: deps.requestTimeoutMs,
  });
  const dws = createDwsActivities({
    api: dwsApi(client('dws', DWS_ERROR_CODES)),
    requestTimeoutMs: deps.requestTimeoutMs,
  });
  const drs = createDrsActivities({
    api: drsApi(client('drs', DRS_ERROR_CODES, { 'X-Language': 'en-us' })),
    requestTimeoutMs: deps.requestTimeoutMs,
  });
  return {
    ...dcs,
    dcsAwaitSwap: learning('dcs', dcs.dcsAwaitSwap),
    ...dws,
    dwsAwaitSwitch: learning('dws', dws.dwsAwaitSwitch),
    ...drs,
    drsAwaitVip: learning('drs', drs.drsAwaitVip),
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
