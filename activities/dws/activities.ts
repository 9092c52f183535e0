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
import { pollScheduleOf, pollUntilDone, type Observation } from '../polling';
import { preflightAnswer } from '../preflight';
import { DEFAULT_LATE_ACCEPTANCE_WINDOW_MS } from '../late-acceptance';
import { acceptedUnreadable, runTriggerProtocol, type StartedSwitch } from '../trigger';
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
  /** The cloud client's per-request timeout: the hard deadline of one send. */
  requestTimeoutMs?: number;
  /** After a send that may have reached the cloud, how long to look for the switch it may have started. */
  lateAcceptanceWindowMs?: number;
  /** Pause between those looks. */
  lookIntervalMs?: number;
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

/** What the later phases need from preflight: the DR's status and roles before the switch. */
export interface DwsPreflightState {
  drStatus: string;
  /** By role (`role: primary`). */
  primaryBefore: string;
  standbyBefore: string;
  /** By field (`primary_cluster` / `standby_cluster`): role values are undocumented and may be static labels. */
  primaryFieldBefore: string;
  standbyFieldBefore: string;
  standbyLastSuccessTime?: string;
}

type DwsPreflight = PreflightReport<DwsPreflightState>;

/** DWS disaster-recovery switchover / exception failover. */
export function createDwsActivities({
  api,
  now = Date.now,
  requestTimeoutMs = 15_000,
  lateAcceptanceWindowMs = DEFAULT_LATE_ACCEPTANCE_WINDOW_MS,
  lookIntervalMs,
}: DwsActivityDeps) {
  /**
   * A switch started since preflight, if any: DR switching, roles already swapped, or the DR fallen from its
   * preflight status into a failure status (what a switch that failed leaves behind).
   */
  function startedSwitch(dr: DisasterRecovery, before: DwsPreflightState): StartedSwitch | undefined {
    if (DR_SWITCHING_STATUSES.includes(dr.status)) return { how: `DR is already ${dr.status}` };
    if (rolesSwapped(dr, before))
      return { how: `the roles already moved (cluster ${primaryClusterId(dr)} / ${dr.primary_cluster.id})` };
    if (DR_FAILURE_STATUSES.includes(dr.status) && dr.status !== before.drStatus)
      return { how: `DR went from '${before.drStatus}' to '${dr.status}'` };
    return undefined;
  }

  return {
    async dwsPreflight(params: DwsSwitchoverParams): Promise<DwsPreflight> {
      const observedAt = now();
      const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
      const window = dataLossWindowSeconds(dr, observedAt);
      const standby = standbyCluster(dr);
      const production = productionCluster(dr);
      const state: DwsPreflightState = {
        drStatus: dr.status,
        primaryBefore: primaryClusterId(dr),
        standbyBefore: standby.id,
        primaryFieldBefore: dr.primary_cluster.id,
        standbyFieldBefore: dr.standby_cluster.id,
        standbyLastSuccessTime: standby.last_success_time ?? undefined,
      };
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
        primaryBefore: state.primaryBefore,
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
      const { refuse, proceed } = preflightAnswer(observedAt, facts, state);
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
      return proceed(
        `DR ${dr.name ?? params.disasterRecoveryId} ${dr.status}, primary ${facts.primaryBefore}, standby synchronized ${window ?? '?'} s ago`,
      );
    },

    async dwsTrigger({
      params,
      preflight,
      mayHaveSent,
      ambiguousSince,
    }: TriggerArgs<DwsSwitchoverParams, DwsPreflightState>): Promise<TriggerReceipt> {
      const before = preflight.state;
      const jobId = params.disasterRecoveryId;
      return runTriggerProtocol<DisasterRecovery>(
        {
          service: 'dws',
          subject: 'the DR',
          async look() {
            const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
            const started = startedSwitch(dr, before);
            return { seen: dr, started: started && { ...started, jobId } };
          },
          checkBeforeSend(dr) {
            if (params.mode === 'switchover' && dr.status !== 'running') {
              // A DR that ended in a failure status will not recover by itself; a transitional one may.
              const type = DR_FAILURE_STATUSES.includes(dr.status)
                ? CloudFailure.Permanent
                : CloudFailure.Busy;
              throw cloudFailure(type, {
                service: 'dws',
                message: `DR is '${dr.status}' at trigger time; a planned switchover needs 'running'`,
              });
            }
          },
          async send(dr, options) {
            const sentAt = now();
            const answer = await api.switchDisasterRecovery(
              params.projectId,
              params.disasterRecoveryId,
              params.mode,
              options,
            );
            if (answer.unreadable)
              return { jobId, ...acceptedUnreadable(params.mode, answer.status, answer.unreadable) };
            const window = dataLossWindowSeconds(dr, sentAt);
            return {
              jobId,
              summary: `${params.mode} submitted${window !== undefined ? ` (standby ${window} s behind)` : ''}`,
            };
          },
          facts: (dr) => ({ dataLossWindowSecondsAtTrigger: dataLossWindowSeconds(dr, now()) ?? null }),
        },
        { mayHaveSent, ambiguousSince },
        { now, requestTimeoutMs, lateAcceptanceWindowMs, lookIntervalMs },
      );
    },

    async dwsAwaitSwitch({
      params,
      preflight,
      deadlineAt,
    }: AwaitArgs<DwsSwitchoverParams, DwsPreflightState>): Promise<AwaitReport> {
      const before = preflight.state;
      return pollUntilDone({
        ...pollScheduleOf(params),
        deadlineAt,
        jobId: params.disasterRecoveryId,
        now,
        async observe(progress): Promise<Observation> {
          const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
          const swapped = rolesSwapped(dr, before);
          const facts = {
            sawSwitching: progress.facts.sawSwitching === true || DR_SWITCHING_STATUSES.includes(dr.status),
            sawFailover: progress.facts.sawFailover === true || dr.status === 'failovering',
          };
          // A failover may start from 'abnormal', which is also how a failed switch ends: until the switch is seen
          // (switching, or another status), an unchanged failure status is the state before it, not its end.
          const unchanged = !facts.sawSwitching && !swapped && dr.status === before.drStatus;
          if (DR_FAILURE_STATUSES.includes(dr.status) && !unchanged) {
            return {
              state: 'failed',
              cloudStatus: dr.status,
              // Roles swapped although the DR reads as failed: the switch moved; verify decides, never `failed`.
              moved: swapped,
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

    async dwsVerify({
      params,
      preflight,
      awaited,
    }: VerifyArgs<DwsSwitchoverParams, DwsPreflightState>): Promise<VerifyReport> {
      const before = preflight.state;
      const dr = await api.getDisasterRecovery(params.projectId, params.disasterRecoveryId);
      // By role when the roles moved; else by field (role values are undocumented and may be static labels).
      const primary =
        primaryClusterId(dr) !== before.primaryBefore ? primaryClusterId(dr) : dr.primary_cluster.id;
      const standbySyncAfter = standbyCluster(dr).last_success_time ?? null;
      // A planned switchover synchronizes everything before the roles change, so the latest synchronization moves
      // forward. When it did not, the platform completed it as a failover
      // (switchoverContinueAsFailoverDisasterRecovery) and data written after that synchronization is lost.
      const syncBefore = parseCloudTime(before.standbyLastSuccessTime);
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
      if (!formerStandbyIsPrimary(dr, before)) {
        return {
          ok: false,
          summary: `cluster ${primary} is primary, expected the former standby ${before.standbyBefore}`,
          facts,
        };
      }
      const how = degraded
        ? ` (completed as a failover: last synchronization ${standbySyncAfter ?? 'unknown'}, later data is lost)`
        : '';
      return {
        ok: true,
        summary: `roles swapped: ${primary} is primary, DR ${dr.status}${how}`,
        ...(dr.status !== 'running'
          ? {
              warning: `the DR is '${dr.status}' after the roles swapped (expected 'running'); check its replication`,
            }
          : {}),
        facts,
      };
    },
  };
}

export type DwsActivities = ReturnType<typeof createDwsActivities>;
