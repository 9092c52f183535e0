import type { CloudAuth } from './http/auth';
import { CloudClient, type CloudCall } from './http/cloud-client';
import { SWITCHOVER_DEFINITIONS } from '../domain/catalog';
import { SWITCHOVER_KINDS, type SwitchoverKind } from '../domain/kinds';
import { createServiceActivities } from '../services/runtime';
import type { CloudRateLimiter } from './http/rate-limit';
import type { SwitchoverOutcome } from '../domain/outcome';
import type { AwaitArgs, AwaitReport, PreflightReport, VerifyArgs, VerifyReport } from '../domain/reports';
import { awaitThenVerify } from './await-verify';
import { withRunCancelCheck, type RunCancelRequested } from './trigger';
import { createRecordActivities, type AuditAppendResult, type AuditStore } from './audit';
import { createNotifyActivities, type NotifyDeps } from './notify';
import { createValidateActivities } from './validate';
import { createAdmitActivities } from './admit';
import { createSafetyActivities, type RecentSwitch, type SafetyPolicy } from './safety';
import {
  createDurationLearner,
  withLearnedTiming,
  type ExpectedDuration,
  type LearnedTiming,
} from './learned-durations';

export const DEFAULT_SAFETY_POLICY: SafetyPolicy = { cooldownMinutes: 10, approvalRequiredKinds: [] };

export interface ActivityDeps {
  /** Each service's endpoint (more keys, e.g. `iam`, are ignored). */
  endpoints: Record<SwitchoverKind, string>;
  auth: CloudAuth;
  requestTimeoutMs: number;
  /** After a trigger that may have reached the cloud, how long to look for its switch (default 120 s). */
  lateAcceptanceWindowMs?: number;
  /** Pause between those looks (default 2 s). */
  lookIntervalMs?: number;
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
  /** The cooldown's shared source (Temporal visibility, see ./visibility); without it only the audit store counts. */
  triggeredRunsOf?: (
    resource: { kind: SwitchoverKind; projectId: string; resourceId: string },
    since: Date,
  ) => Promise<RecentSwitch[]>;
  /** Asked right before each trigger sends (Temporal, see ./visibility): a cancelled run sends nothing. */
  runCancelRequested?: RunCancelRequested;
  /** How long a switchover waits for the audit store before returning its outcome flagged not recorded. */
  recordWaitSeconds?: number;
  /** Observes each failed recordOutcome attempt (metrics: an audit store that does not take outcomes). */
  onRecordFailed?: (outcome: SwitchoverOutcome, error: unknown) => void;
  /**
   * Learned-duration polling (activities/poll-schedule.ts): `false` turns it off (plain backoff); omitted or
   * `true`: durations learned from `audit`; a function: durations from it (tests). `settings`: dense polling.
   */
  learnedPolling?: boolean | ExpectedDuration;
  pollSchedule?: LearnedTiming['settings'];
  /** Cloud call permits per service and project (SWITCHOVER_CLOUD_RATE_LIMIT); none = unlimited. */
  rateLimiter?: CloudRateLimiter;
}

/** Every activity the worker registers, built from its dependencies (tests pass their own). */
export function createActivities(deps: ActivityDeps) {
  const expectedDuration: ExpectedDuration | undefined =
    deps.learnedPolling === false
      ? undefined
      : typeof deps.learnedPolling === 'function'
        ? deps.learnedPolling
        : createDurationLearner({ outcomesOf: (kind, limit) => deps.audit.list({ kind, limit }) });
  type AwaitActivity = (args: AwaitArgs<unknown, unknown>) => Promise<AwaitReport>;
  type VerifyActivity = (args: VerifyArgs<unknown, unknown>) => Promise<VerifyReport>;
  /** The await activity of `kind`, run with its switch's learned duration for `pollUntilDone`. */
  const learning = (kind: SwitchoverKind, awaitActivity: AwaitActivity): AwaitActivity =>
    async function (args) {
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
  // Every service of services/runtime.ts, each on a client for its endpoint, error codes and headers.
  const services = createServiceActivities(
    (service, edge) =>
      new CloudClient({
        service,
        endpoint: deps.endpoints[service],
        auth: deps.auth,
        ...edge,
        timeoutMs: deps.requestTimeoutMs,
        onCall: deps.onCloudCall,
        rateLimiter: deps.rateLimiter,
      }),
    {
      requestTimeoutMs: deps.requestTimeoutMs,
      verifySettleMs: deps.verifySettleMs,
      lateAcceptanceWindowMs: deps.lateAcceptanceWindowMs,
      lookIntervalMs: deps.lookIntervalMs,
    },
  );
  // Each service's await activity polls with its switch's learned duration, and verifies when asked.
  for (const kind of SWITCHOVER_KINDS) {
    const { await: name, verify } = SWITCHOVER_DEFINITIONS[kind].phases;
    const table = services as unknown as Record<string, AwaitActivity>;
    table[name] = awaitThenVerify(learning(kind, table[name]!), table[verify] as unknown as VerifyActivity);
    const check = deps.runCancelRequested;
    if (check) {
      const triggers = services as unknown as Record<string, (args: unknown) => Promise<unknown>>;
      const trigger = triggers[SWITCHOVER_DEFINITIONS[kind].phases.trigger]!;
      triggers[SWITCHOVER_DEFINITIONS[kind].phases.trigger] = (args) =>
        withRunCancelCheck(check, () => trigger(args));
    }
  }
  const validate = createValidateActivities();
  const safety = createSafetyActivities({
    policy: deps.safety ?? DEFAULT_SAFETY_POLICY,
    notificationsEnabled: Boolean(deps.notify?.webhook),
    triggeredRunsOf: deps.triggeredRunsOf,
    recordWaitSeconds: deps.recordWaitSeconds,
    outcomesOf: async ({ kind, projectId, resourceId }) =>
      (await deps.audit.list({ kind, resource: resourceId })).filter((o) => o.projectId === projectId),
  });
  return {
    ...services,
    ...createRecordActivities({
      audit: deps.audit,
      onRecorded: deps.onOutcomeRecorded,
      onFailed: deps.onRecordFailed,
    }),
    ...validate,
    ...createNotifyActivities(deps.notify ?? { namespace: 'default' }),
    ...safety,
    ...createAdmitActivities({
      validate: validate.validateSwitchoverInput,
      policy: safety.switchoverPolicy,
      preflight: (kind, params) => {
        const table = services as unknown as Record<string, (p: unknown) => Promise<PreflightReport>>;
        return table[SWITCHOVER_DEFINITIONS[kind].phases.preflight]!(params);
      },
    }),
  };
}
