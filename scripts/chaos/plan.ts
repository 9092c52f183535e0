/**
 * The chaos plan: every run, its resource, its fault and its cancel, and the global events (worker kills, dev
 * server kills, audit outage, clock offset, refused connections), all drawn from one seed before anything runs.
 * The same seed gives the same plan; the interleaving with real time is not replayed exactly.
 */
import type { FaultSpec } from '../../simulator/faults';
import { Prng } from './prng';

export type RunKind = 'dcs-sync' | 'dcs-async' | 'dws-switchover' | 'dws-failover' | 'drs';

export const FAULT_KINDS = [
  'none',
  'read-5xx-burst',
  'trigger-5xx',
  'throttle-storm',
  'reset-before',
  'reset-after-accept',
  'latency-beyond-timeout',
  'accept-late',
  'accept-late-504',
  'unreadable-2xx',
  'malformed-json-read',
  'malformed-json-trigger',
  'unknown-enum',
  'job-fail',
  'job-never-finishes',
  'hold',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedRun {
  index: number;
  kind: RunKind;
  resourceId: string;
  /** ms after the suite's start. */
  startAtMs: number;
  fault: FaultKind;
  /** Faults to add to the simulator for this resource. */
  faultSpecs: FaultSpec[];
  /** Resource set-up (simulator control input, without projectId and ID). */
  setup: Record<string, unknown>;
  /** DRS: an earlier switch made before the run (counted apart from the run's triggers). */
  earlierSwitch?: 'SUCCESS' | 'FAIL';
  /** Cancel this many ms after the start. */
  cancelAfterMs?: number;
  /** concurrent: the same resource is started twice at once; rerun: once more after the first ends. */
  twice?: 'concurrent' | 'rerun';
  input: Record<string, unknown>;
  workflowKind: 'dcs' | 'dws' | 'drs';
}

export type GlobalEvent =
  | { atMs: number; type: 'kill-worker'; slot: number; restartAfterMs: number }
  | { atMs: number; type: 'kill-dev-server'; downMs: number }
  | { atMs: number; type: 'audit-outage'; downMs: number }
  | { atMs: number; type: 'clock-offset'; offsetMs: number; forMs: number }
  | { atMs: number; type: 'refuse-connections'; forMs: number };

export interface ChaosPlan {
  seed: number;
  runs: PlannedRun[];
  events: GlobalEvent[];
  /** When a trigger is held: chance to SIGKILL a worker (a random one, or all of them) before releasing it. */
  holdKill: { killOne: number; killAll: number; releaseAfterMs: [number, number]; dropShare: number };
}

export interface PlanOptions {
  runs: number;
  seed: number;
  workers: number;
  projectId: string;
  /** Runs start over this window. */
  spreadMs: number;
  requestTimeoutMs: number;
  runTimeoutSeconds: number;
  devServerKills: number;
  auditOutageMs: number;
  workerKills: number;
}

const KIND_WEIGHTS: ReadonlyArray<readonly [RunKind, number]> = [
  ['dcs-sync', 2],
  ['dcs-async', 2],
  ['dws-switchover', 2],
  ['dws-failover', 1],
  ['drs', 2],
];

const FAULT_WEIGHTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['none', 10],
  ['read-5xx-burst', 3],
  ['trigger-5xx', 2],
  ['throttle-storm', 3],
  ['reset-before', 2],
  ['reset-after-accept', 3],
  ['latency-beyond-timeout', 2],
  ['accept-late', 4],
  ['accept-late-504', 2],
  ['unreadable-2xx', 3],
  ['malformed-json-read', 2],
  ['malformed-json-trigger', 2],
  ['unknown-enum', 2],
  ['job-fail', 3],
  ['job-never-finishes', 1],
  ['hold', 5],
];

export function makePlan(o: PlanOptions): ChaosPlan {
  const root = new Prng(o.seed);
  const r = root.fork('runs');
  const runs: PlannedRun[] = [];
  for (let index = 0; index < o.runs; index++) {
    const kind = r.weighted(KIND_WEIGHTS);
    const resourceId = `chaos-${o.seed}-${index}-${kind}`;
    const fault = r.weighted(FAULT_WEIGHTS);
    const switchMs = r.int(300, 3000);
    const run: PlannedRun = {
      index,
      kind,
      resourceId,
      startAtMs: Math.floor(r.next() * o.spreadMs),
      fault,
      faultSpecs: faultSpecs(r, kind, resourceId, fault, o.requestTimeoutMs),
      setup: setupFor(r, kind, switchMs, fault),
      input: inputFor(kind, o.projectId, resourceId, o.runTimeoutSeconds),
      workflowKind: kind.startsWith('dcs') ? 'dcs' : kind.startsWith('dws') ? 'dws' : 'drs',
    };
    if (kind === 'drs' && r.chance(0.35)) run.earlierSwitch = r.chance(0.7) ? 'SUCCESS' : 'FAIL';
    if (r.chance(0.12)) run.cancelAfterMs = r.int(0, 8000);
    const twice = r.next();
    if (twice < 0.1) run.twice = 'concurrent';
    else if (twice < 0.15) run.twice = 'rerun';
    runs.push(run);
  }

  const e = root.fork('events');
  const events: GlobalEvent[] = [];
  const horizon = o.spreadMs + 20_000;
  for (let k = 0; k < o.workerKills; k++) {
    events.push({
      atMs: e.int(2000, horizon),
      type: 'kill-worker',
      slot: e.int(0, o.workers - 1),
      restartAfterMs: e.int(0, 4000),
    });
  }
  for (let k = 0; k < o.devServerKills; k++) {
    events.push({ atMs: e.int(5000, horizon), type: 'kill-dev-server', downMs: e.int(1000, 4000) });
  }
  if (o.auditOutageMs > 0) {
    events.push({
      atMs: e.int(5000, Math.max(6000, o.spreadMs)),
      type: 'audit-outage',
      downMs: o.auditOutageMs,
    });
  }
  const offsets = Math.max(1, Math.round(o.spreadMs / 60_000));
  for (let k = 0; k < offsets; k++) {
    events.push({
      atMs: e.int(1000, horizon),
      type: 'clock-offset',
      offsetMs: e.pick([-5, 5]) * 60_000,
      forMs: e.int(10_000, 30_000),
    });
    events.push({ atMs: e.int(1000, horizon), type: 'refuse-connections', forMs: e.int(1000, 4000) });
  }
  events.sort((a, b) => a.atMs - b.atMs);
  return {
    seed: o.seed,
    runs,
    events,
    holdKill: { killOne: 0.45, killAll: 0.2, releaseAfterMs: [500, 8000], dropShare: 0.1 },
  };
}

function inputFor(
  kind: RunKind,
  projectId: string,
  resourceId: string,
  timeoutSeconds: number,
): Record<string, unknown> {
  const common = {
    projectId,
    reason: 'chaos suite',
    requestedBy: 'chaos',
    pollIntervalSeconds: 0.5,
    maxPollIntervalSeconds: 2,
    timeoutSeconds,
  };
  switch (kind) {
    case 'dcs-sync':
      return { ...common, instanceId: resourceId, swapMode: 'sync' };
    case 'dcs-async':
      return { ...common, instanceId: resourceId, swapMode: 'async' };
    case 'dws-switchover':
      return { ...common, disasterRecoveryId: resourceId, mode: 'switchover' };
    case 'dws-failover':
      return { ...common, disasterRecoveryId: resourceId, mode: 'failover' };
    case 'drs':
      return { ...common, jobId: resourceId, mode: 'source' };
  }
}

function setupFor(r: Prng, kind: RunKind, switchMs: number, fault: FaultKind): Record<string, unknown> {
  const stuck = fault === 'job-never-finishes';
  if (kind.startsWith('dcs')) {
    return { swapBehaviour: { initMs: 200, runMs: switchMs, ...(stuck ? { result: 'STUCK' } : {}) } };
  }
  if (kind.startsWith('dws')) {
    return {
      syncPeriodSeconds: 30,
      // DWS has no stuck result: an operation far longer than the run's deadline never finishes for it.
      behaviour: { switchMs: stuck ? 3_600_000 : switchMs },
      ...(kind === 'dws-failover' && r.chance(0.5) ? { productionFaulty: true } : {}),
    };
  }
  return {
    behaviour: {
      switchMs,
      ...(stuck ? { result: 'STUCK' } : {}),
      ...(r.chance(0.4) ? { staleStatusMs: r.int(300, 2500) } : {}),
    },
  };
}

function resourcePath(resourceId: string): string {
  return `/${resourceId}(/|$)`;
}

function unreadableBody(r: Prng, kind: RunKind): Record<string, unknown> {
  const options: Array<Record<string, unknown>> = [{ body: null }, { raw: '{"truncated": ' }, {}];
  if (kind === 'dcs-async') options.push({ body: { job_id: '' } });
  if (kind.startsWith('dws')) options.push({ body: { disaster_recovery: 'x' } });
  if (kind === 'drs') options.push({ body: { id: 1, status: 42 } });
  return r.pick(options);
}

function faultSpecs(
  r: Prng,
  kind: RunKind,
  resourceId: string,
  fault: FaultKind,
  requestTimeoutMs: number,
): FaultSpec[] {
  const path = resourcePath(resourceId);
  const trigger = { path, trigger: true };
  const reads = { path, trigger: false };
  switch (fault) {
    case 'none':
    case 'job-never-finishes':
      return [];
    case 'read-5xx-burst':
      return [
        { match: reads, fault: { type: 'status', status: r.pick([500, 502, 503]) }, times: r.int(2, 4) },
      ];
    case 'trigger-5xx':
      return [{ match: trigger, fault: { type: 'status', status: r.pick([500, 503]) }, times: 1 }];
    case 'throttle-storm':
      return [
        { match: { path }, fault: { type: 'throttle', retryAfterSeconds: r.int(1, 2) }, times: r.int(3, 6) },
      ];
    case 'reset-before':
      return [{ match: trigger, fault: { type: 'reset' }, times: 1 }];
    case 'reset-after-accept':
      return [{ match: trigger, fault: { type: 'reset-after-accept' }, times: 1 }];
    case 'latency-beyond-timeout':
      return [
        { match: trigger, fault: { type: 'latency', ms: requestTimeoutMs + r.int(200, 3000) }, times: 1 },
      ];
    case 'accept-late':
      return [
        {
          match: trigger,
          fault: { type: 'accept-late', ms: requestTimeoutMs + r.int(1000, 15_000) },
          times: 1,
        },
      ];
    case 'accept-late-504':
      return [
        { match: trigger, fault: { type: 'accept-late', ms: r.int(500, 6000), status: 504 }, times: 1 },
      ];
    case 'unreadable-2xx':
      return [{ match: trigger, fault: { type: 'replace-body', ...unreadableBody(r, kind) }, times: 1 }];
    case 'malformed-json-read':
      return [{ match: reads, fault: { type: 'malformed-json' }, times: r.int(1, 3) }];
    case 'malformed-json-trigger':
      return [{ match: trigger, fault: { type: 'malformed-json' }, times: 1 }];
    case 'unknown-enum': {
      const target = kind.startsWith('dcs')
        ? { match: { path: `/instances/${resourceId}$`, method: 'GET' }, field: 'status' }
        : kind.startsWith('dws')
          ? {
              match: { path: `/disaster-recovery/${resourceId}$`, method: 'GET' },
              field: 'disaster_recovery.status',
            }
          : { match: { path: `/${resourceId}/get-switch-vip-status$` }, field: 'status' };
      return [
        {
          match: target.match,
          fault: { type: 'unknown-enum', field: target.field, value: 'SOMETHING_NEW' },
          times: r.int(1, 3),
        },
      ];
    }
    case 'job-fail':
      return [
        { match: trigger, fault: { type: 'job-fail', reason: 'chaos: injected job failure' }, times: 1 },
      ];
    case 'hold':
      return [{ match: trigger, fault: { type: 'hold' }, times: 1 }];
  }
}
