import { Context } from '@temporalio/activity';
import { CloudFailure } from '../../domain/failures';
import type { DwsSwitchoverParams } from '../../domain/inputs';
import type {
  AwaitArgs,
  AwaitReport,
  PreflightReport,
  TriggerArgs,
  TriggerReceipt,
  VerifyArgs,
  VerifyReport,
} from '../../domain/reports';
import { cloudFailure } from '../http/failures';
import { pollUntilDone, type Observation } from '../polling';
import { triggerFailure } from '../trigger';
import {
  DR_FAILURE_STATUSES,
  DR_SWITCHING_STATUSES,
  primaryClusterId,
  standbyCluster,
  type DisasterRecovery,
  type DwsApi,
} from './api';

export interface DwsActivityDeps {
  api: DwsApi;
  now?: () => number;
  /** After an ambiguous send, how long to wait before the second look at the DR status. */
  ambiguousSettleMs?: number;
}

/** Seconds since the standby's last successful synchronization (the data a failover would lose), if known. */
function dataLossWindowSeconds(dr: DisasterRecovery, now: number): number | undefined {
  const last = standbyCluster(dr).last_success_time;
  const at = last ? Date.parse(last) : NaN;
  return Number.isFinite(at) ? Math.max(0, Math.round((now - at) / 1000)) : undefined;
}

/** Statuses from which each mode may start. */
const STARTABLE: Record<DwsSwitchoverParams['mode'], string[]> = {
  switchover: ['running'],
  failover: ['running', 'abnormal', 'stopped', 'stop_failed'],
};

/** DWS disaster-recovery switchover / exception failover. */
export function createDwsActivities({ api, now = Date.now, ambiguousSettleMs = 3_000 }: DwsActivityDeps) {
  /** Our switch, if it already started since preflight: DR switching, or roles already swapped. */
  async function findStartedSwitch(params: DwsSwitchoverParams, preflight: PreflightReport) {
    const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
    if (DR_SWITCHING_STATUSES.includes(dr.status)) return { dr, how: `DR is already ${dr.status}` };
    const primary = primaryClusterId(dr);
    if (primary !== preflight.facts.primaryBefore)
      return { dr, how: `cluster ${primary} is already primary` };
    return { dr, how: undefined };
  }

  return {
    async dwsPreflight(params: DwsSwitchoverParams): Promise<PreflightReport> {
      const observedAt = now();
      const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
      const window = dataLossWindowSeconds(dr, observedAt);
      const standby = standbyCluster(dr);
      const facts = {
        mode: params.mode,
        drStatus: dr.status,
        primaryBefore: primaryClusterId(dr),
        standbyBefore: standby.id,
        standbyLastSuccessTime: standby.last_success_time ?? null,
        dataLossWindowSecondsAtPreflight: window ?? null,
        maxDataLossSeconds: params.maxDataLossSeconds,
        forced: params.force,
      };
      const refuse = (refusal: string): PreflightReport => ({
        ok: false,
        refusal,
        summary: `refused: ${refusal}`,
        observedAt,
        facts,
      });
      if (!STARTABLE[params.mode].includes(dr.status)) {
        return refuse(
          `DR ${params.disasterRecoveryId} is '${dr.status}'; a ${params.mode} needs status ${STARTABLE[params.mode].join(' or ')}`,
        );
      }
      if (params.mode === 'failover') {
        const gate =
          window === undefined
            ? `the standby's last synchronization time is unknown, so the data a failover would lose cannot be measured`
            : window > params.maxDataLossSeconds
              ? `standby last synchronized ${window} s ago, allowed ${params.maxDataLossSeconds} s: a failover now loses up to ${window} s of data`
              : undefined;
        if (gate && !params.force) return refuse(`${gate} (override with force and a reason)`);
        if (gate)
          Context.current().log.warn('data-loss gate overridden by force', { gate, reason: params.reason });
      }
      return {
        ok: true,
        summary: `DR ${dr.name ?? params.disasterRecoveryId} ${dr.status}, primary ${facts.primaryBefore}, standby synchronized ${window ?? '?'} s ago`,
        observedAt,
        facts,
      };
    },

    async dwsTrigger({
      params,
      preflight,
      mayHaveSent,
    }: TriggerArgs<DwsSwitchoverParams>): Promise<TriggerReceipt> {
      const ctx = Context.current();
      let look = await findStartedSwitch(params, preflight);
      if (!look.how && mayHaveSent) {
        await ctx.sleep(ambiguousSettleMs);
        look = await findStartedSwitch(params, preflight);
      }
      const window = dataLossWindowSeconds(look.dr, now());
      const facts = { dataLossWindowSecondsAtTrigger: window ?? null };
      if (look.how) {
        ctx.log.warn('switch already started for this switchover; adopting it, not resending', {
          how: look.how,
        });
        return { adopted: true, triggeredAt: now(), summary: `adopted: ${look.how}`, facts };
      }
      if (params.mode === 'switchover' && look.dr.status !== 'running') {
        throw cloudFailure(CloudFailure.Busy, {
          service: 'dws',
          message: `DR is '${look.dr.status}' at trigger time; a planned switchover needs 'running'`,
        });
      }
      const sentAt = now();
      try {
        await api.switchDisasterRecovery(params.projectId, params.disasterRecoveryId, params.mode);
      } catch (error) {
        throw triggerFailure(error);
      }
      return {
        jobId: params.disasterRecoveryId,
        adopted: false,
        triggeredAt: sentAt,
        summary: `${params.mode} submitted${window !== undefined ? ` (standby ${window} s behind)` : ''}`,
        facts,
      };
    },

    async dwsAwaitSwitch({
      params,
      preflight,
      deadlineAt,
    }: AwaitArgs<DwsSwitchoverParams>): Promise<AwaitReport> {
      return pollUntilDone({
        firstIntervalMs: params.pollIntervalSeconds * 1000,
        maxIntervalMs: params.maxPollIntervalSeconds * 1000,
        deadlineAt,
        jobId: params.disasterRecoveryId,
        now,
        async observe(progress): Promise<Observation> {
          const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
          const swapped = primaryClusterId(dr) !== preflight.facts.primaryBefore;
          const facts = {
            sawSwitching: progress.facts.sawSwitching === true || DR_SWITCHING_STATUSES.includes(dr.status),
            sawFailover: progress.facts.sawFailover === true || dr.status === 'failovering',
          };
          if (DR_FAILURE_STATUSES.includes(dr.status)) {
            return {
              state: 'failed',
              cloudStatus: dr.status,
              facts,
              cloudError: {
                service: 'dws',
                message: `DR ended in status '${dr.status}' (roles ${swapped ? '' : 'not '}swapped)`,
              },
            };
          }
          if (dr.status === 'running' && swapped)
            return { state: 'succeeded', cloudStatus: dr.status, facts };
          return {
            state: 'running',
            cloudStatus: swapped ? `${dr.status}, roles swapped` : dr.status,
            facts,
          };
        },
      });
    },

    async dwsVerify({ params, preflight, awaited }: VerifyArgs<DwsSwitchoverParams>): Promise<VerifyReport> {
      const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
      const primary = primaryClusterId(dr);
      const facts = {
        primaryAfter: primary,
        drStatusAfter: dr.status,
        // A planned switchover the platform completed as a failover (switchoverContinueAsFailoverDisasterRecovery).
        degradedToFailover: params.mode === 'switchover' && awaited.facts.sawFailover === true,
      };
      if (primary !== preflight.facts.standbyBefore) {
        return {
          ok: false,
          summary: `cluster ${primary} is primary, expected the former standby ${String(preflight.facts.standbyBefore)}`,
          facts,
        };
      }
      return { ok: true, summary: `roles swapped: ${primary} is primary, DR ${dr.status}`, facts };
    },
  };
}

export type DwsActivities = ReturnType<typeof createDwsActivities>;
