/**
 * Scale: N concurrent DCS switchovers (async swaps of `jobMs`) on one or more worker processes, and in the same
 * run the floor: N one-activity workflows of the same duration on the same server and worker settings.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { readAuditFile } from '../activities/audit';
import { startSwitchover } from '../client';
import { END_SEEN_AT, LAST_RUNNING_AT } from '../activities/poll-schedule';
import {
  describeBreakdown,
  phaseBreakdown,
  load,
  mean,
  percentile,
  pool,
  PROJECT,
  runsOn,
  seconds,
  startWorkers,
  waitClosed,
  type Infra,
} from './lib';

export interface ScaleCase {
  n: number;
  jobMs: number;
  workers: number;
  /** Seed each instance with three earlier switches of its duration (learned polling has history). */
  history: boolean;
}

export interface BatchResult {
  makespanMs: number;
  overheadMs: number[];
  events: number[];
  statuses: Record<string, number>;
  peakRssMb: number[];
  /** Worker CPU seconds (all processes) per workflow: what the machine's load does not change. */
  cpuMsPerWorkflow: number;
  workflowIds: string[];
}

const START_CONCURRENCY = 50;

async function runBatch(
  infra: Infra,
  c: ScaleCase,
  taskQueue: string,
  start: (i: number) => Promise<unknown>,
): Promise<BatchResult> {
  const workers = await startWorkers(infra, c.workers, taskQueue);
  const cpuBefore = workers.cpuSeconds().reduce((a, b) => a + b, 0);
  try {
    const t0 = Date.now();
    await pool(c.n, START_CONCURRENCY, start);
    await waitClosed(infra.client, taskQueue, c.n, c.jobMs * 20 + 600_000);
    const runs = await runsOn(infra.client, taskQueue);
    const statuses: Record<string, number> = {};
    for (const r of runs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return {
      makespanMs: Math.max(...runs.map((r) => r.closeMs)) - t0,
      overheadMs: runs.map((r) => r.closeMs - r.startMs - c.jobMs),
      events: runs.map((r) => r.historyLength),
      statuses,
      peakRssMb: workers.peakRssMb(),
      cpuMsPerWorkflow: ((workers.cpuSeconds().reduce((a, b) => a + b, 0) - cpuBefore) * 1000) / c.n,
      workflowIds: runs.map((r) => r.workflowId),
    };
  } finally {
    await workers.stop();
  }
}

export interface ScaleRow {
  c: ScaleCase;
  switchover: BatchResult;
  floor: BatchResult;
  callsPerSwitchover: number;
  pollsPerSwitchover: number;
  load: string;
  /** Where a sample of the switchovers spent their time (bench/lib.ts phaseBreakdown). */
  breakdown: string;
}

export async function runScaleCase(infra: Infra, c: ScaleCase, tag: string): Promise<ScaleRow> {
  const loadBefore = load();
  const floorQueue = `floor-${tag}`;
  const floor = await runBatch(infra, c, floorQueue, (i) =>
    infra.client.workflow.start('benchFloorWorkflow', {
      workflowId: `floor-${tag}-${i}`,
      taskQueue: floorQueue,
      args: [c.jobMs],
    }),
  );

  if (process.env.BENCH_FLOOR_ONLY) {
    console.log(
      `floor only (${c.n}): makespan ${seconds(floor.makespanMs)}, peak RSS ${floor.peakRssMb.map((m) => m.toFixed(0)).join('+')} MB, worker CPU ${floor.cpuMsPerWorkflow.toFixed(1)} ms per workflow`,
    );
    return {
      c,
      breakdown: '',
      switchover: floor,
      floor,
      callsPerSwitchover: 0,
      pollsPerSwitchover: 0,
      load: loadBefore,
    };
  }
  const queue = `scale-${tag}`;
  const ids = Array.from({ length: c.n }, (_, i) => `sc-${tag}-${i}`);
  for (const instanceId of ids) {
    infra.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId,
      swapBehaviour: { initMs: Math.min(500, c.jobMs), runMs: Math.max(0, c.jobMs - 500), result: 'SUCCESS' },
    });
  }
  const auditFile = path.join(infra.dir, `audit-${queue}.jsonl`);
  if (c.history) seedHistory(auditFile, ids, c.jobMs);
  infra.sim.control.clearRequests();
  const switchover = await runBatch(infra, c, queue, (i) =>
    startSwitchover(
      infra.client,
      'dcs',
      { projectId: PROJECT, instanceId: ids[i], swapMode: 'async' },
      { taskQueue: queue },
    ),
  );
  const calls = infra.sim.control.requests({ service: 'dcs' }).length;
  const outcomes = (await readAuditFile(auditFile)).filter((o) =>
    o.workflowId.startsWith(`dcs:${PROJECT}:sc-${tag}-`),
  );
  const sample = switchover.workflowIds.filter((_, i) => i % Math.max(1, Math.floor(c.n / 20)) === 0);
  const breakdown = describeBreakdown(await phaseBreakdown(infra.client, sample));
  return {
    c,
    breakdown,
    switchover,
    floor,
    callsPerSwitchover: calls / c.n,
    pollsPerSwitchover: mean(outcomes.map((o) => o.polls)),
    load: `${loadBefore} before, ${load()} after`,
  };
}

/** Three earlier switches of each instance, of `jobMs`, as the poller would have recorded them. */
export function seedHistory(file: string, ids: string[], jobMs: number, jitter = () => 0): void {
  const lines: string[] = [];
  const base = Date.now() - 86_400_000;
  for (const id of ids) {
    for (let k = 0; k < 3; k++) {
      const trig = base + k * 3_600_000;
      const end = trig + jobMs + jitter();
      lines.push(
        JSON.stringify({
          kind: 'dcs',
          workflowId: `dcs:${PROJECT}:${id}`,
          runId: `seed-${k}`,
          projectId: PROJECT,
          resourceId: id,
          status: 'succeeded',
          message: 'seeded by the benchmark',
          polls: 4,
          triggeredAt: new Date(trig).toISOString(),
          finishedAt: new Date(end + 500).toISOString(),
          details: { [LAST_RUNNING_AT]: end - 300, [END_SEEN_AT]: end + 300 },
        }),
      );
    }
  }
  appendFileSync(file, lines.join('\n') + '\n');
}

export function describeScaleRow(r: ScaleRow): string[] {
  const s = r.switchover;
  const f = r.floor;
  const statuses = Object.entries(s.statuses)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    String(r.c.n),
    seconds(r.c.jobMs, 0),
    String(r.c.workers),
    seconds(s.makespanMs),
    (s.makespanMs / r.c.jobMs).toFixed(2),
    seconds(f.makespanMs),
    (s.makespanMs / f.makespanMs).toFixed(2),
    `${seconds(percentile(s.overheadMs, 0.5))} / ${seconds(percentile(s.overheadMs, 0.95))} / ${seconds(Math.max(...s.overheadMs))}`,
    `${seconds(percentile(f.overheadMs, 0.5))} / ${seconds(percentile(f.overheadMs, 0.95))}`,
    mean(s.events).toFixed(1),
    r.callsPerSwitchover.toFixed(1),
    r.pollsPerSwitchover.toFixed(1),
    s.peakRssMb.map((m) => m.toFixed(0)).join('+') + ' MB',
    f.peakRssMb.map((m) => m.toFixed(0)).join('+') + ' MB',
    `${s.cpuMsPerWorkflow.toFixed(0)} / ${f.cpuMsPerWorkflow.toFixed(0)} ms`,
    statuses,
  ];
}

export const SCALE_HEADER = [
  'N',
  'job',
  'workers',
  'makespan',
  '/job',
  'floor',
  '/floor',
  'overhead p50/p95/max',
  'floor ovh p50/p95',
  'events',
  'calls',
  'polls',
  'worker peak RSS',
  'floor RSS',
  'worker CPU/wf (floor)',
  'outcomes',
];
