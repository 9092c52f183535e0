/**
 * Detection and cost: how long after a switch's end the workflow notices it, and how many cloud calls the
 * await spends, for the project's polling (cold: no history, the backoff; warm: learned from the resource's
 * earlier switches; kind: learned from other resources of its kind) against a fixed 10 s poller (the Terraform
 * provider's strategy) and a fixed 1 s poller.
 *   A. computed: the schedules played against a mix of durations (DCS 5-120 s, DWS 2-15 min), each resource
 *      switched four times with its own typical duration and a per-run jitter, the earlier runs recorded as the
 *      poller would record them;
 *   B. real: a smaller set of DCS switchovers on the simulator, the three pollers at once.
 */
import path from 'node:path';
import { readAuditFile } from '../activities/audit';
import {
  DEFAULT_SCHEDULE,
  estimateFrom,
  simulateSchedule,
  type DurationEstimate,
  type DurationSample,
  type ScheduleSettings,
} from '../activities/poll-schedule';
import { startSwitchover } from '../client';
import {
  load,
  mean,
  percentile,
  pool,
  PROJECT,
  seconds,
  startWorkers,
  table,
  waitClosed,
  type Infra,
} from './lib';
import { seedHistory } from './scale';

/** Small deterministic PRNG (mulberry32), so every run computes the same mix. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROJECT_DEFAULT: ScheduleSettings = {
  ...DEFAULT_SCHEDULE,
  firstIntervalMs: 2_000,
  maxIntervalMs: 30_000,
};
const fixed = (ms: number): ScheduleSettings => ({
  ...DEFAULT_SCHEDULE,
  firstIntervalMs: ms,
  maxIntervalMs: ms,
});
/** The await activity starts this long after the trigger; each answer takes this long. */
const START_MS = 150;
const LATENCY_MS = 30;

interface Tally {
  delays: number[];
  calls: number[];
}
const tally = (): Tally => ({ delays: [], calls: [] });

export function computed(jitter: number): string[][] {
  const random = rng(14);
  const groups = [
    { name: 'DCS 5-120 s', resources: 400, minMs: 5_000, maxMs: 120_000 },
    { name: 'DWS 2-15 min', resources: 100, minMs: 120_000, maxMs: 900_000 },
  ];
  const rows: string[][] = [];
  for (const g of groups) {
    const t = {
      cold: tally(),
      warm: tally(),
      kind: tally(),
      fixed10: tally(),
      fixed1: tally(),
    };
    const kindSamples: DurationSample[] = [];
    for (let r = 0; r < g.resources; r++) {
      const base = g.minMs + random() * (g.maxMs - g.minMs);
      const samples: DurationSample[] = [];
      for (let run = 0; run < 4; run++) {
        const d = base * (1 + jitter * (2 * random() - 1));
        const estimate: DurationEstimate | undefined = estimateFrom(samples.slice(-5), 'resource');
        const seen = simulateSchedule(d, PROJECT_DEFAULT, estimate, {
          startMs: START_MS,
          latencyMs: LATENCY_MS,
        });
        samples.push({ lowMs: seen.lastRunningAtMs ?? 0, highMs: seen.detectedAtMs });
        const add = (x: Tally, s: { polls: number; detectedAtMs: number }) => {
          x.delays.push(s.detectedAtMs - d);
          x.calls.push(s.polls);
        };
        if (run === 0) {
          add(t.cold, seen);
          // A resource never switched before, on a kind with history: the kind-wide estimate.
          const kindEstimate =
            kindSamples.length >= 3 ? estimateFrom(kindSamples.slice(-200), 'kind') : undefined;
          add(
            t.kind,
            simulateSchedule(d, PROJECT_DEFAULT, kindEstimate, { startMs: START_MS, latencyMs: LATENCY_MS }),
          );
        }
        if (run === 3) {
          add(t.warm, seen);
          add(
            t.fixed10,
            simulateSchedule(d, fixed(10_000), undefined, { startMs: START_MS, latencyMs: LATENCY_MS }),
          );
          add(
            t.fixed1,
            simulateSchedule(d, fixed(1_000), undefined, { startMs: START_MS, latencyMs: LATENCY_MS }),
          );
        }
        kindSamples.push(samples[samples.length - 1]);
      }
    }
    const row = (name: string, x: Tally) => [
      g.name,
      name,
      seconds(percentile(x.delays, 0.5), 2),
      seconds(percentile(x.delays, 0.95), 2),
      mean(x.calls).toFixed(1),
    ];
    rows.push(
      row('project, learned (resource history)', t.warm),
      row('project, learned (kind history only)', t.kind),
      row('project, no history (backoff 2 s x1.5 to 30 s)', t.cold),
      row('fixed 10 s (Terraform provider)', t.fixed10),
      row('fixed 1 s', t.fixed1),
    );
  }
  return rows;
}

interface RealPoller {
  name: string;
  queue: string;
  input: Record<string, number>;
  learned: boolean;
}

async function real(infra: Infra, perPoller: number): Promise<string[][]> {
  const tag = Date.now().toString(36);
  const random = rng(7);
  const pollers: RealPoller[] = [
    { name: 'project, learned (resource history)', queue: `det-learned-${tag}`, input: {}, learned: true },
    {
      name: 'fixed 10 s',
      queue: `det-fixed10-${tag}`,
      input: { pollIntervalSeconds: 10, maxPollIntervalSeconds: 10 },
      learned: false,
    },
    {
      name: 'fixed 1 s',
      queue: `det-fixed1-${tag}`,
      input: { pollIntervalSeconds: 1, maxPollIntervalSeconds: 1 },
      learned: false,
    },
  ];
  // Same durations for each poller: 5-30 s (kept short so the run takes about a minute), 5 % jitter per run.
  const bases = Array.from({ length: perPoller }, () => 5_000 + random() * 25_000);
  const jitters = bases.map(() => 1 + 0.05 * (2 * random() - 1));
  const workers = [];
  const started: { poller: RealPoller; instanceId: string }[] = [];
  try {
    for (const p of pollers) {
      const ids = bases.map((_, i) => `det-${p.queue}-${i}`);
      ids.forEach((instanceId, i) =>
        infra.sim.control.createDcsInstance({
          projectId: PROJECT,
          instanceId,
          swapBehaviour: { initMs: 300, runMs: Math.round(bases[i] * jitters[i]) - 300, result: 'SUCCESS' },
        }),
      );
      if (p.learned) {
        // Three earlier switches per instance at its typical duration (within the same 5 % jitter).
        ids.forEach((id, i) =>
          seedHistory(path.join(infra.dir, `audit-${p.queue}.jsonl`), [id], Math.round(bases[i]), () =>
            Math.round(bases[i] * 0.05 * (2 * random() - 1)),
          ),
        );
      }
      workers.push(await startWorkers(infra, 1, p.queue, { SWITCHOVER_LEARNED_POLLING: String(p.learned) }));
      started.push(...ids.map((instanceId) => ({ poller: p, instanceId })));
    }
    const loadBefore = load();
    await pool(started.length, 50, (i) =>
      startSwitchover(
        infra.client,
        'dcs',
        {
          projectId: PROJECT,
          instanceId: started[i].instanceId,
          swapMode: 'async',
          ...started[i].poller.input,
        },
        { taskQueue: started[i].poller.queue },
      ),
    );
    for (const p of pollers) await waitClosed(infra.client, p.queue, perPoller, 600_000);
    const rows: string[][] = [];
    for (const p of pollers) {
      const outcomes = (await readAuditFile(path.join(infra.dir, `audit-${p.queue}.jsonl`))).filter(
        (o) => o.runId.startsWith('seed-') === false && o.resourceId.startsWith(`det-${p.queue}-`),
      );
      const delays: number[] = [];
      for (const o of outcomes) {
        const job = await fetch(`${infra.sim.url}/v2/${PROJECT}/jobs/${o.jobId}`, {
          headers: { 'X-Auth-Token': 'sim-token' },
        }).then((r) => r.json() as Promise<{ end_time?: string | null }>);
        const seen = o.details?.switchEndSeenAt;
        if (job.end_time && typeof seen === 'number') delays.push(seen - Number(job.end_time));
      }
      rows.push([
        'DCS 5-30 s (real)',
        p.name,
        seconds(percentile(delays, 0.5), 2),
        seconds(percentile(delays, 0.95), 2),
        mean(outcomes.map((o) => o.polls)).toFixed(1),
        `${outcomes.filter((o) => o.status === 'succeeded').length}/${perPoller} succeeded; ${loadBefore}`,
      ]);
    }
    return rows;
  } finally {
    for (const w of workers) await w.stop();
  }
}

export async function runDetection(infra: Infra, perPoller: number): Promise<void> {
  console.log(
    '\n== 2. detection: switch end -> the workflow notices it, and cloud calls of the await per switchover',
  );
  const header = ['durations', 'poller', 'detect p50', 'detect p95', 'calls'];
  for (const jitter of [0.02, 0.05, 0.1]) {
    console.log(
      `\nA. computed (per-run jitter ±${jitter * 100} % around each resource's typical duration; await starts ` +
        `${START_MS} ms after the trigger, ${LATENCY_MS} ms per call; learned: dense ${DEFAULT_SCHEDULE.denseIntervalMs} ms, at most ${DEFAULT_SCHEDULE.maxDensePolls} dense polls)`,
    );
    console.log(table(header, computed(jitter)));
  }
  console.log(
    `\nB. real run on the simulator (${perPoller} switchovers per poller, the three pollers at once)`,
  );
  console.log(table([...header, 'note'], await real(infra, perPoller)));
}
