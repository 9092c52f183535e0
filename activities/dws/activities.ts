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
import { ensureTimeToSend, triggerFailure } from '../trigger';
import {
  DR_FAILURE_STATUSES,
  DR_SWITCHING_STATUSES,
  formerStandbyIsPrimary,
  parseCloudTime,
  primaryClusterId,
  productionCluster,
  rolesSwapped,
  standbyCluster,
  unknownClusterRoles,
  type DisasterRecovery,
  type DwsApi,
} from './api';

export interface DwsActivityDeps {
  api: DwsApi;
  now?: () => number;
  /** After an ambiguous send, how long to wait before the second look at the DR status. */
  ambiguousSettleMs?: number;
  /** The cloud client's per-request timeout: a send is started only when it can resolve within the attempt. */
  requestTimeoutMs?: number;
}

/** Seconds since the standby's last successful synchronization (the data a failover would lose), if known. */
function dataLossWindowSeconds(dr: DisasterRecovery, now: number): number | undefined {
  const at = parseCloudTime(standbyCluster(dr).last_success_time);
  return Number.isFinite(at) ? Math.max(0, Math.round((now - at) / 1000)) : undefined;
}

/**
 * Cluster statuses that mean the production cluster is faulty: the cloud refuses a planned switchover then
 * (only a failover can move production). Values other than the simulator's `UNAVAILABLE` are unverified, so the
 * list names known-bad states only and an unlisted status is left for the cloud to judge.
 */
const FAULTY_CLUSTER_STATUSES = ['UNAVAILABLE', 'FAILED', 'ABNORMAL', 'ERROR'];

/** Statuses from which each mode may start. */
const STARTABLE: Record<DwsSwitchoverParams['mode'], string[]> = {
  switchover: ['running'],
  failover: ['running', 'abnormal', 'stopped', 'stop_failed'],
};

/** DWS disaster-recovery switchover / exception failover. */
export function createDwsActivities({
  api,
  now = Date.now,
  ambiguousSettleMs = 3_000,
  requestTimeoutMs = 15_000,
}: DwsActivityDeps) {
  /**
   * A switch started since preflight, if any: DR switching, roles already swapped, or the DR fallen from its
   * preflight status into a failure status (what a switch that failed leaves behind).
   */
  async function findStartedSwitch(params: DwsSwitchoverParams, preflight: PreflightReport) {
    const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
    if (DR_SWITCHING_STATUSES.includes(dr.status)) return { dr, how: `DR is already ${dr.status}` };
    if (rolesSwapped(dr, preflight.facts))
      return {
        dr,
        how: `the roles already moved (cluster ${primaryClusterId(dr)} / ${dr.primary_cluster.id})`,
      };
    const statusBefore = String(preflight.facts.drStatus);
    if (DR_FAILURE_STATUSES.includes(dr.status) && dr.status !== statusBefore)
      return { dr, how: `DR went from '${statusBefore}' to '${dr.status}'` };
    return { dr, how: undefined };
  }

  return {
    async dwsPreflight(params: DwsSwitchoverParams): Promise<PreflightReport> {
      const observedAt = now();
      const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
      const window = dataLossWindowSeconds(dr, observedAt);
      const standby = standbyCluster(dr);
      const production = productionCluster(dr);
      const unknownRoles = unknownClusterRoles(dr);
      if (unknownRoles.length > 0) {
        Context.current().log.warn(
          'undocumented DWS cluster role values; the swap is also detected by cluster id',
          {
            roles: unknownRoles,
          },
        );
      }
      const facts = {
        mode: params.mode,
        drStatus: dr.status,
        primaryBefore: primaryClusterId(dr),
        standbyBefore: standby.id,
        primaryFieldBefore: dr.primary_cluster.id,
        standbyFieldBefore: dr.standby_cluster.id,
        ...(unknownRoles.length > 0 ? { unknownClusterRoles: unknownRoles.join(',') } : {}),
        productionStatusBefore: production.status ?? null,
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
      const productionStatus = production.status?.toUpperCase();
      if (
        params.mode === 'switchover' &&
        productionStatus &&
        FAULTY_CLUSTER_STATUSES.includes(productionStatus)
      ) {
        return refuse(
          `the production cluster ${production.name ?? production.id} is ${production.status}; a planned switchover ` +
            `needs a healthy production cluster (use mode failover, which loses data not yet synchronized)`,
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
      const statusBefore = String(preflight.facts.drStatus);
      if (look.how) {
        if (!mayHaveSent) {
          // Nothing was sent by this workflow: the change is someone else's switchover. Never switch on top of it.
          throw cloudFailure(CloudFailure.Permanent, {
            service: 'dws',
            message: `the DR changed since preflight (${look.how}) although this switchover sent nothing; not switching on top of another change`,
          });
        }
        ctx.log.warn('switch already started for this switchover; adopting it, not resending', {
          how: look.how,
        });
        return {
          jobId: params.disasterRecoveryId,
          adopted: true,
          triggeredAt: now(),
          summary: `adopted: ${look.how}`,
          facts,
        };
      }
      if (mayHaveSent && statusBefore === 'abnormal' && look.dr.status === 'abnormal') {
        // 'abnormal' is also what a failed switch leaves: an accepted-and-failed send looks like no send at all.
        throw cloudFailure(CloudFailure.TriggerUnresolvable, {
          service: 'dws',
          message: `an earlier ${params.mode} attempt may have been accepted and failed; the DR is still 'abnormal' as before, which cannot tell`,
        });
      }
      if (params.mode === 'switchover' && look.dr.status !== 'running') {
        // A DR that ended in a failure status will not recover by itself; a transitional one may.
        const type = DR_FAILURE_STATUSES.includes(look.dr.status)
          ? CloudFailure.Permanent
          : CloudFailure.Busy;
        throw cloudFailure(type, {
          service: 'dws',
          message: `DR is '${look.dr.status}' at trigger time; a planned switchover needs 'running'`,
        });
      }
      ensureTimeToSend(requestTimeoutMs, now);
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
          const swapped = rolesSwapped(dr, preflight.facts);
          const facts = {
            sawSwitching: progress.facts.sawSwitching === true || DR_SWITCHING_STATUSES.includes(dr.status),
            sawFailover: progress.facts.sawFailover === true || dr.status === 'failovering',
          };
          // A failover may start from 'abnormal', which is also how a failed switch ends: until the switch is seen
          // (switching, or another status), an unchanged failure status is the state before it, not its end.
          const unchanged = !facts.sawSwitching && !swapped && dr.status === preflight.facts.drStatus;
          if (DR_FAILURE_STATUSES.includes(dr.status) && !unchanged) {
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
            cloudStatus: swapped
              ? `${dr.status}, roles swapped`
              : unchanged && DR_FAILURE_STATUSES.includes(dr.status)
                ? `${dr.status} (as before the switch; not started yet)`
                : dr.status,
            facts,
          };
        },
      });
    },

    async dwsVerify({ params, preflight, awaited }: VerifyArgs<DwsSwitchoverParams>): Promise<VerifyReport> {
      const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
      // By role when the roles moved; else by field (role values are undocumented and may be static labels).
      const primary =
        primaryClusterId(dr) !== preflight.facts.primaryBefore ? primaryClusterId(dr) : dr.primary_cluster.id;
      const standbySyncAfter = standbyCluster(dr).last_success_time ?? null;
      // A planned switchover synchronizes everything before the roles change, so the latest synchronization moves
      // forward. When it did not, the platform completed it as a failover
      // (switchoverContinueAsFailoverDisasterRecovery) and data written after that synchronization is lost.
      const syncBefore = parseCloudTime(
        typeof preflight.facts.standbyLastSuccessTime === 'string'
          ? preflight.facts.standbyLastSuccessTime
          : null,
      );
      const syncAfter = parseCloudTime(standbySyncAfter);
      const notSynchronized =
        Number.isFinite(syncBefore) && Number.isFinite(syncAfter) && syncAfter <= syncBefore;
      const degraded =
        params.mode === 'switchover' && (awaited.facts.sawFailover === true || notSynchronized);
      const facts = {
        primaryAfter: primary,
        drStatusAfter: dr.status,
        standbyLastSuccessTimeAfter: standbySyncAfter,
        degradedToFailover: degraded,
      };
      if (!formerStandbyIsPrimary(dr, preflight.facts)) {
        return {
          ok: false,
          summary: `cluster ${primary} is primary, expected the former standby ${String(preflight.facts.standbyBefore)}`,
          facts,
        };
      }
      const how = degraded
        ? ` (completed as a failover: last synchronization ${standbySyncAfter ?? 'unknown'}, later data is lost)`
        : '';
      return { ok: true, summary: `roles swapped: ${primary} is primary, DR ${dr.status}${how}`, facts };
    },
  };
}

export type DwsActivities = ReturnType<typeof createDwsActivities>;
