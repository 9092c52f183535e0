import type { SwitchInterval } from './throttle';
import { z } from 'zod';
import { dwsError } from './errors';
import { describeIssues } from './faults';
import { derivedHex, isoSeconds, stripUndefined } from './ids';
import type { Clock, HandlerContext, Route, SimRequest, SimResponse } from './types';
import { SimulatorInputError } from './types';

/**
 * DWS disaster recovery: planned switchover and exception switchover (failover).
 *
 * Like DCS, state advances lazily from the clock (`settle()` before every read or write):
 * - synchronization: while the DR is `running`, no operation runs and the production cluster is healthy,
 *   `last_success_time` jumps forward once every sync period;
 * - an operation (switchover or failover) shows `switchovering` for `switchMs`, then either swaps the roles
 *   and returns to `running` (SUCCESS) or ends in `abnormal` with the roles unchanged (FAIL).
 */

export const DWS_CODES = {
  /**
   * Not found, answered with **400**: the huaweicloud Terraform provider's DWS disaster-recovery resource turns a
   * 400 carrying `DWS.10101` into its 404 (`ConvertExpected400ErrInto404Err(err, "error_code", "DWS.10101")`).
   */
  notFound: 'DWS.10101',
  /** Simulator's choice (unverified): the DR status does not allow the operation. */
  statusNotAllowed: 'DWS.10102',
  /** Simulator's choice (unverified): planned switchover refused because the production cluster is faulty. */
  productionFaulty: 'DWS.10103',
  /** Simulator's choice (unverified): a switchover or failover is already in progress. */
  operationInProgress: 'DWS.10104',
} as const;

const behaviourSchema = z
  .object({
    /** How long `switchovering` lasts (default 1000). */
    switchMs: z.number().int().min(0).max(86_400_000).optional(),
    /** SUCCESS swaps the roles; FAIL ends in `abnormal` with the roles unchanged; SWAPPED_ABNORMAL swaps the roles
     *  and ends in `abnormal` (the switch moved, the DR's replication did not come back) (default SUCCESS). */
    result: z.enum(['SUCCESS', 'FAIL', 'SWAPPED_ABNORMAL']).optional(),
    /** A planned switchover is degraded to a failover (event `switchoverContinueAsFailoverDisasterRecovery`):
     *  the roles swap but unsynchronized data is lost (last_success_time is not refreshed). */
    degradeToFailover: z.boolean().optional(),
  })
  .strict();

type DwsResult = 'SUCCESS' | 'FAIL' | 'SWAPPED_ABNORMAL';

export interface DwsBehaviour {
  switchMs: number;
  result: DwsResult;
  degradeToFailover: boolean;
}

const drFields = {
  name: z.string().min(1).max(128).optional(),
  /** Stored DR status (running, stopped, abnormal, ...); shown unless an operation runs. */
  status: z.string().min(1).optional(),
  /** Age of the latest synchronization (last_success_time) at the time of this call. */
  lastSuccessAgeSeconds: z
    .number()
    .min(0)
    .max(10 * 365 * 86_400)
    .optional(),
  syncPeriodSeconds: z
    .number()
    .min(0.05)
    .max(7 * 86_400)
    .optional(),
  /** The production (primary) cluster is faulty: sync stops, planned switchover is refused, failover allowed. */
  productionFaulty: z.boolean().optional(),
  behaviour: behaviourSchema.optional(),
  /**
   * `zoneless`: `last_success_time` as in the reference's examples, `2023-03-27 20:16:34` (UTC, no zone);
   * `iso` (default): `2023-03-27T20:16:34Z`. The format is undocumented.
   */
  timeFormat: z.enum(['iso', 'zoneless']).optional(),
  /**
   * `static`: each cluster keeps the role it was created with (role values are undocumented and may be labels of
   * the pair, not the current role); only the `primary_cluster`/`standby_cluster` fields swap. Default `current`.
   */
  clusterRoles: z.enum(['current', 'static']).optional(),
};

export const dwsDrCreateSchema = z
  .object({
    projectId: z.string().min(1),
    drId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'drId must be a cloud ID'),
    ...drFields,
    primaryClusterName: z.string().min(1).optional(),
    standbyClusterName: z.string().min(1).optional(),
  })
  .strict();

export const dwsDrPatchSchema = z.object(drFields).strict();

export type DwsDrCreate = z.input<typeof dwsDrCreateSchema>;
export type DwsDrPatch = z.input<typeof dwsDrPatchSchema>;

type OperationKind = 'switchover' | 'failover';

interface Cluster {
  id: string;
  name: string;
  az: string;
}

interface DrState {
  projectId: string;
  drId: string;
  name: string;
  status: string;
  clusters: [Cluster, Cluster];
  primaryIndex: 0 | 1;
  syncPeriodMs: number;
  lastSuccessMs: number;
  nextSyncMs: number;
  productionFaulty: boolean;
  behaviour: DwsBehaviour;
  timeFormat: 'iso' | 'zoneless';
  clusterRoles: 'current' | 'static';
  createdAt: number;
  startedAt: number;
  lastDisasterMs: number | null;
  operation: {
    kind: OperationKind;
    startedAt: number;
    endsAt: number;
    result: DwsResult;
    degrade: boolean;
  } | null;
  events: Array<{ at: string; event: string; result: DwsResult }>;
}

/** Internal view of a DR for the control API. */
export interface DwsDrView {
  projectId: string;
  drId: string;
  name: string;
  status: string;
  storedStatus: string;
  primaryCluster: { id: string; name: string };
  standbyCluster: { id: string; name: string };
  syncPeriodSeconds: number;
  lastSuccessTime: string;
  lastSuccessAgeSeconds: number;
  productionFaulty: boolean;
  behaviour: DwsBehaviour;
  operation: { kind: OperationKind; startedAt: string; endsAt: string; result: string } | null;
  events: Array<{ at: string; event: string; result: string }>;
}

const DEFAULT_BEHAVIOUR: DwsBehaviour = { switchMs: 1000, result: 'SUCCESS', degradeToFailover: false };

export class DwsStore {
  /** Told about every switch started (the switch meter, simulator/throttle.ts). */
  onSwitchStarted?: (interval: SwitchInterval) => void;
  private readonly drs = new Map<string, DrState>();

  constructor(private readonly clock: Clock) {}

  reset(): void {
    this.drs.clear();
  }

  // ---- control ----

  create(input: unknown): DwsDrView {
    const parsed = dwsDrCreateSchema.safeParse(input);
    if (!parsed.success)
      throw new SimulatorInputError(`invalid DWS disaster recovery: ${describeIssues(parsed.error)}`);
    const spec = parsed.data;
    if (this.drs.has(spec.drId))
      throw new SimulatorInputError(`DWS disaster recovery ${spec.drId} already exists`, 409);
    const now = this.clock();
    const periodMs = (spec.syncPeriodSeconds ?? 60) * 1000;
    const state: DrState = {
      projectId: spec.projectId,
      drId: spec.drId,
      name: spec.name ?? `dr-${spec.drId.slice(0, 8)}`,
      status: spec.status ?? 'running',
      clusters: [
        {
          id: uuidFrom(`cluster:${spec.drId}:0`),
          name: spec.primaryClusterName ?? 'dws-production',
          az: 'eu-de-01',
        },
        {
          id: uuidFrom(`cluster:${spec.drId}:1`),
          name: spec.standbyClusterName ?? 'dws-disaster',
          az: 'eu-de-02',
        },
      ],
      primaryIndex: 0,
      syncPeriodMs: periodMs,
      lastSuccessMs: now - (spec.lastSuccessAgeSeconds ?? 10) * 1000,
      nextSyncMs: now + periodMs,
      productionFaulty: spec.productionFaulty ?? false,
      behaviour: { ...DEFAULT_BEHAVIOUR, ...stripUndefined(spec.behaviour ?? {}) },
      timeFormat: spec.timeFormat ?? 'iso',
      clusterRoles: spec.clusterRoles ?? 'current',
      createdAt: now - 86_400_000,
      startedAt: now - 86_000_000,
      lastDisasterMs: null,
      operation: null,
      events: [],
    };
    this.drs.set(spec.drId, state);
    return this.view(state);
  }

  patch(drId: string, input: unknown): DwsDrView {
    const state = this.drs.get(drId);
    if (!state) throw new SimulatorInputError(`DWS disaster recovery ${drId} does not exist`, 404);
    const parsed = dwsDrPatchSchema.safeParse(input ?? {});
    if (!parsed.success)
      throw new SimulatorInputError(`invalid DWS disaster recovery patch: ${describeIssues(parsed.error)}`);
    this.settle();
    const p = parsed.data;
    const now = this.clock();
    if (p.name !== undefined) state.name = p.name;
    if (p.status !== undefined) state.status = p.status;
    if (p.productionFaulty !== undefined) state.productionFaulty = p.productionFaulty;
    if (p.behaviour !== undefined) state.behaviour = { ...state.behaviour, ...stripUndefined(p.behaviour) };
    if (p.timeFormat !== undefined) state.timeFormat = p.timeFormat;
    if (p.clusterRoles !== undefined) state.clusterRoles = p.clusterRoles;
    if (p.syncPeriodSeconds !== undefined) {
      state.syncPeriodMs = p.syncPeriodSeconds * 1000;
      state.nextSyncMs = now + state.syncPeriodMs;
    }
    if (p.lastSuccessAgeSeconds !== undefined) {
      state.lastSuccessMs = now - p.lastSuccessAgeSeconds * 1000;
      state.nextSyncMs = now + state.syncPeriodMs;
    }
    return this.view(state);
  }

  get(drId: string): DwsDrView | undefined {
    this.settle();
    const state = this.drs.get(drId);
    return state ? this.view(state) : undefined;
  }

  list(): DwsDrView[] {
    this.settle();
    return [...this.drs.values()].map((s) => this.view(s));
  }

  // ---- state machine ----

  private syncing(state: DrState): boolean {
    return state.status === 'running' && !state.productionFaulty && state.operation === null;
  }

  private advanceSync(state: DrState, until: number): void {
    if (!this.syncing(state) || until < state.nextSyncMs) return;
    const k = Math.floor((until - state.nextSyncMs) / state.syncPeriodMs);
    state.lastSuccessMs = state.nextSyncMs + k * state.syncPeriodMs;
    state.nextSyncMs = state.lastSuccessMs + state.syncPeriodMs;
  }

  settle(now = this.clock()): void {
    for (const state of this.drs.values()) {
      const op = state.operation;
      if (op && now >= op.endsAt) {
        state.operation = null;
        const asFailover = op.kind === 'failover' || op.degrade;
        const event =
          op.kind === 'failover'
            ? 'failoverDisasterRecovery'
            : op.degrade
              ? 'switchoverContinueAsFailoverDisasterRecovery'
              : 'switchoverDisasterRecovery';
        state.events.push({ at: new Date(op.endsAt).toISOString(), event, result: op.result });
        if (op.result === 'SUCCESS' || op.result === 'SWAPPED_ABNORMAL') {
          state.primaryIndex = state.primaryIndex === 0 ? 1 : 0;
          state.status = op.result === 'SWAPPED_ABNORMAL' ? 'abnormal' : 'running';
          // A planned switchover synchronizes everything first; a failover keeps the last synchronization.
          if (!asFailover) state.lastSuccessMs = op.endsAt;
          if (asFailover) {
            state.lastDisasterMs = op.endsAt;
            // the faulty cluster is now the standby; the new production cluster is healthy
            state.productionFaulty = false;
          }
          state.nextSyncMs = op.endsAt + state.syncPeriodMs;
        } else {
          state.status = 'abnormal';
        }
      }
      this.advanceSync(state, now);
    }
  }

  private start(req: SimRequest, ctx: HandlerContext, kind: OperationKind): SimResponse {
    this.settle();
    const state = this.find(req);
    if (!state) return notFound(req.params.disaster_recovery_id as string);
    if (state.operation) {
      return dwsError(400, DWS_CODES.operationInProgress, 'A DR switchover is already in progress.');
    }
    if (kind === 'switchover') {
      if (state.productionFaulty) {
        return dwsError(
          400,
          DWS_CODES.productionFaulty,
          'The production cluster is faulty; a planned switchover is not possible. Use the exception switchover (failover).',
        );
      }
      if (state.status !== 'running') {
        return dwsError(
          400,
          DWS_CODES.statusNotAllowed,
          `The DR status is ${state.status}; a switchover requires running.`,
        );
      }
    } else if (state.status !== 'running' && !state.productionFaulty) {
      return dwsError(
        400,
        DWS_CODES.statusNotAllowed,
        `The DR status is ${state.status}; an exception switchover requires running or a faulty production cluster.`,
      );
    }
    const now = this.clock();
    state.operation = {
      kind,
      startedAt: now,
      endsAt: now + state.behaviour.switchMs,
      result: ctx.forceJobFail ? 'FAIL' : state.behaviour.result,
      degrade: kind === 'switchover' && state.behaviour.degradeToFailover,
    };
    this.onSwitchStarted?.({
      service: 'dws',
      projectId: state.projectId,
      resourceId: state.drId,
      startMs: now,
      endMs: state.operation.endsAt,
    });
    return { status: 200, body: { disaster_recovery: { id: state.drId } } };
  }

  // ---- API views ----

  private find(req: SimRequest): DrState | undefined {
    const state = this.drs.get(req.params.disaster_recovery_id as string);
    return state && state.projectId === req.params.project_id ? state : undefined;
  }

  private shownStatus(state: DrState): string {
    return state.operation ? 'switchovering' : state.status;
  }

  private apiCluster(state: DrState, index: 0 | 1): Record<string, unknown> {
    const cluster = state.clusters[index];
    const primary = index === state.primaryIndex;
    const faulty = primary && state.productionFaulty;
    const op = state.operation;
    const progress = op
      ? `${Math.min(99, Math.floor(((this.clock() - op.startedAt) / Math.max(1, op.endsAt - op.startedAt)) * 100))}%`
      : '100%';
    return {
      id: cluster.id,
      name: cluster.name,
      cluster_az: cluster.az,
      role: (state.clusterRoles === 'static' ? index === 0 : primary) ? 'primary' : 'standby',
      region: 'eu-de',
      status: faulty ? 'UNAVAILABLE' : 'AVAILABLE',
      progress,
      last_success_time:
        state.timeFormat === 'zoneless' ? spaced(state.lastSuccessMs) : isoSeconds(state.lastSuccessMs),
      project_id: state.projectId,
    };
  }

  private apiDetail(state: DrState): Record<string, unknown> {
    const standbyIndex = state.primaryIndex === 0 ? 1 : 0;
    return {
      id: state.drId,
      name: state.name,
      dr_type: 'az',
      status: this.shownStatus(state),
      primary_cluster: this.apiCluster(state, state.primaryIndex),
      standby_cluster: this.apiCluster(state, standbyIndex),
      dr_sync_period: formatPeriod(state.syncPeriodMs),
      start_time: isoSeconds(state.startedAt),
      create_time: isoSeconds(state.createdAt),
    };
  }

  private apiListItem(state: DrState): Record<string, unknown> {
    const p = this.apiCluster(state, state.primaryIndex);
    const s = this.apiCluster(state, state.primaryIndex === 0 ? 1 : 0);
    return {
      id: state.drId,
      status: this.shownStatus(state),
      name: state.name,
      dr_type: 'az',
      primary_cluster_id: p.id,
      primary_cluster_name: p.name,
      standby_cluster_id: s.id,
      standby_cluster_name: s.name,
      primary_cluster_role: p.role,
      standby_cluster_role: s.role,
      primary_cluster_status: p.status,
      standby_cluster_status: s.status,
      primary_cluster_region: p.region,
      standby_cluster_region: s.region,
      primary_cluster_project_id: state.projectId,
      standby_cluster_project_id: state.projectId,
      last_disaster_time: state.lastDisasterMs === null ? null : isoSeconds(state.lastDisasterMs),
      start_time: isoSeconds(state.startedAt),
      create_time: isoSeconds(state.createdAt),
      dr_sync_period: formatPeriod(state.syncPeriodMs),
    };
  }

  private apiProgress(state: DrState): Record<string, unknown> {
    const now = this.clock();
    const last = state.lastSuccessMs;
    const key = progressKey(last);
    return {
      disaster_recovery_progress: {
        primary_cluster: {
          key,
          action_type: 'Backup',
          unrestore_keys: 'N/A',
          action_start_time: spaced(last - 20_000),
          action_end_time: spaced(last - 5_000),
        },
        standby_cluster: {
          key,
          action_type: 'Restore',
          unrestore_keys: 'N/A',
          action_start_time: spaced(last - 4_000),
          action_end_time: spaced(last),
        },
        latest_barrier_time: isoSeconds(last),
        last_recovery_spend: 4,
        recovery_point_object: Math.max(0, Math.floor((now - last) / 1000)),
        recovery_time_object: Math.max(1, Math.ceil(state.behaviour.switchMs / 1000)),
      },
    };
  }

  view(state: DrState): DwsDrView {
    const primary = state.clusters[state.primaryIndex];
    const standby = state.clusters[state.primaryIndex === 0 ? 1 : 0];
    const op = state.operation;
    return {
      projectId: state.projectId,
      drId: state.drId,
      name: state.name,
      status: this.shownStatus(state),
      storedStatus: state.status,
      primaryCluster: { id: primary.id, name: primary.name },
      standbyCluster: { id: standby.id, name: standby.name },
      syncPeriodSeconds: state.syncPeriodMs / 1000,
      lastSuccessTime: new Date(state.lastSuccessMs).toISOString(),
      lastSuccessAgeSeconds: Math.max(0, (this.clock() - state.lastSuccessMs) / 1000),
      productionFaulty: state.productionFaulty,
      behaviour: { ...state.behaviour },
      operation: op
        ? {
            kind: op.kind,
            startedAt: new Date(op.startedAt).toISOString(),
            endsAt: new Date(op.endsAt).toISOString(),
            result: op.result,
          }
        : null,
      events: state.events.map((e) => ({ ...e })),
    };
  }

  // ---- routes ----

  routes(): Route[] {
    const one = '/v2/{project_id}/disaster-recovery/{disaster_recovery_id}';
    return [
      {
        method: 'GET',
        pattern: '/v2/{project_id}/disaster-recoveries',
        service: 'dws',
        handler: (req) => {
          this.settle();
          const items = [...this.drs.values()]
            .filter((s) => s.projectId === req.params.project_id)
            .filter((s) => !req.query.id || s.drId === req.query.id)
            .map((s) => this.apiListItem(s))
            .filter(
              (i) => !req.query.primary_cluster_id || i.primary_cluster_id === req.query.primary_cluster_id,
            )
            .filter(
              (i) => !req.query.standby_cluster_id || i.standby_cluster_id === req.query.standby_cluster_id,
            );
          return { status: 200, body: { disaster_recovery: items } };
        },
      },
      {
        method: 'GET',
        pattern: one,
        service: 'dws',
        handler: (req) => {
          this.settle();
          const state = this.find(req);
          return state
            ? { status: 200, body: { disaster_recovery: this.apiDetail(state) } }
            : notFound(req.params.disaster_recovery_id as string);
        },
      },
      {
        method: 'GET',
        pattern: '/v1/{project_id}/disaster-recovery/{disaster_recovery_id}/show-progress',
        service: 'dws',
        handler: (req) => {
          this.settle();
          const state = this.find(req);
          return state
            ? { status: 200, body: this.apiProgress(state) }
            : notFound(req.params.disaster_recovery_id as string);
        },
      },
      {
        method: 'POST',
        pattern: `${one}/switchover`,
        service: 'dws',
        trigger: true,
        handler: (req, ctx) => this.start(req, ctx, 'switchover'),
      },
      {
        method: 'POST',
        pattern: `${one}/failover`,
        service: 'dws',
        trigger: true,
        handler: (req, ctx) => this.start(req, ctx, 'failover'),
      },
    ];
  }
}

function notFound(id: string): SimResponse {
  return dwsError(400, DWS_CODES.notFound, `The disaster recovery ${id} does not exist.`);
}

function uuidFrom(seed: string): string {
  const h = derivedHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `dr_sync_period` as the console shows it: `30S`, `5M`, `1H` (format unverified). */
function formatPeriod(ms: number): string {
  const s = ms / 1000;
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600}H`;
  if (s >= 60 && s % 60 === 0) return `${s / 60}M`;
  return `${s}S`;
}

/** `2023-03-27 20:16:34` (UTC), the format of the show-progress example. */
function spaced(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Backup key like `20230327_201637`. */
function progressKey(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}_${iso.slice(11, 19).replace(/:/g, '')}`;
}
