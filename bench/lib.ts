/** Shared pieces of the benchmarks: the server, the simulator, worker processes, timing and statistics. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer, type DevServerHandle } from '../scripts/dev-server';
import { startSimulator, type RunningSimulator } from '../simulator/server';

const ROOT = path.resolve(__dirname, '..');
export const PROJECT = 'bench0000000000000000000000000000';

export interface Infra {
  server: DevServerHandle;
  sim: RunningSimulator;
  connection: Connection;
  client: Client;
  bundlePath: string;
  dir: string;
  close(): Promise<void>;
}

export async function startInfra(): Promise<Infra> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchover-bench-'));
  const server = await startDevServer({ headless: true });
  const sim = await startSimulator({ quiet: true, requestLogLimit: 500_000 });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const { code } = await bundleWorkflowCode({
    // BENCH_WORKFLOWS: another workflow module for the bundle (experiments, e.g. what the bundle costs per workflow).
    workflowsPath: path.join(__dirname, process.env.BENCH_WORKFLOWS ?? 'workflows.ts'),
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} },
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  return {
    server,
    sim,
    connection,
    client,
    bundlePath,
    dir,
    async close() {
      await connection.close();
      await sim.close();
      await server.stop();
    },
  };
}

export interface Workers {
  pids: number[];
  /** Peak resident set size of each worker process so far (VmHWM), MB. */
  peakRssMb(): number[];
  /** CPU time (user + system) each worker process has used so far, seconds: independent of the machine's load. */
  cpuSeconds(): number[];
  stop(): Promise<void>;
}

/** `count` worker processes (bench/worker-process.ts) on `taskQueue`; resolves once all poll. */
export async function startWorkers(
  infra: Infra,
  count: number,
  taskQueue: string,
  env: Record<string, string> = {},
): Promise<Workers> {
  const children: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    // BENCH_WORKER_JS: the compiled worker (npm run build: dist/bench/worker-process.js), as production runs it;
    // otherwise the TypeScript source through tsx (its compiler adds to the worker's memory).
    const script = process.env.BENCH_WORKER_JS;
    const args = script ? [script] : ['--require', 'tsx/cjs', path.join(__dirname, 'worker-process.ts')];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: infra.server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        SWITCHOVER_SIMULATOR_URL: infra.sim.url,
        SWITCHOVER_AUTH_TOKEN: 'sim-token',
        SWITCHOVER_AUDIT_FILE: path.join(infra.dir, `audit-${taskQueue}.jsonl`),
        SWITCHOVER_COOLDOWN_MINUTES: '0',
        BENCH_WORKFLOW_BUNDLE: infra.bundlePath,
        // Node flags of the worker processes only (e.g. --max-old-space-size=...), not of the benchmark.
        NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS ?? '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let log = '';
    ready.push(
      new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          log = (log + chunk.toString()).slice(-5000);
          if (log.includes('polling task queue')) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`bench worker exited (${code}):\n${log}`)));
      }),
    );
  }
  await Promise.all(ready);
  return {
    pids: children.map((c) => c.pid!),
    peakRssMb: () => children.map((c) => vmHwmMb(c.pid!)),
    cpuSeconds: () => children.map((c) => cpuSeconds(c.pid!)),
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.removeAllListeners('exit');
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
            }),
        ),
      );
    },
  };
}

/** Peak resident set size of a process (VmHWM in /proc/<pid>/status), MB. */
export function vmHwmMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (utime + stime) of a process from /proc/<pid>/stat, seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12]: utime, stime in clock ticks (fields counted from the state, the 3rd stat field)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export interface RunRecord {
  workflowId: string;
  status: string;
  startMs: number;
  closeMs: number;
  historyLength: number;
}

/** Every workflow run on `taskQueue`, from visibility. */
export async function runsOn(client: Client, taskQueue: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    runs.push({
      workflowId: wf.workflowId,
      status: wf.status.name,
      startMs: wf.startTime.getTime(),
      closeMs: wf.closeTime?.getTime() ?? Number.NaN,
      historyLength: wf.historyLength,
    });
  }
  return runs;
}

/** Waits until `n` workflows on `taskQueue` are closed (visibility count), polling every 250 ms. */
export async function waitClosed(
  client: Client,
  taskQueue: string,
  n: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count } = await client.workflow.count(
      `TaskQueue = '${taskQueue}' AND ExecutionStatus != 'Running'`,
    );
    if (count >= n) return;
    if (Date.now() > deadline)
      throw new Error(`only ${count} of ${n} workflows closed on ${taskQueue} in time`);
    await sleep(250);
  }
}

/** Runs `work(i)` for i in [0, n) with at most `concurrency` at a time. */
export async function pool<T>(n: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      for (let i = next++; i < n; i = next++) results[i] = await work(i);
    }),
  );
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

export const seconds = (ms: number, digits = 1) => `${(ms / 1000).toFixed(digits)} s`;

/** The machine's load, to print with every figure (the machine is shared). */
export function load(): string {
  return `load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${os.cpus().length} cores`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Where the time of a workflow goes, from its history: per activity type and per workflow task (1st, 2nd, ...), the wait
 * (scheduled -> started: queueing for a slot or a poller) and the run (started -> completed), mean ms; and
 * the event types with their counts.
 */
export async function phaseBreakdown(
  client: Client,
  workflowIds: string[],
): Promise<{ phases: Map<string, { wait: number[]; run: number[] }>; eventTypes: Map<string, number> }> {
  const phases = new Map<string, { wait: number[]; run: number[] }>();
  const eventTypes = new Map<string, number>();
  const add = (name: string, wait: number, run: number) => {
    const entry = phases.get(name) ?? { wait: [], run: [] };
    entry.wait.push(wait);
    entry.run.push(run);
    phases.set(name, entry);
  };
  for (const [index, id] of workflowIds.entries()) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const at = new Map<number, { type: string; ms: number; name?: string; started?: number }>();
    let workflowTasks = 0;
    for (const event of history.events ?? []) {
      const type = temporal.api.enums.v1.EventType[event.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
      if (index === 0) eventTypes.set(type, (eventTypes.get(type) ?? 0) + 1);
      const ms = tsToMs(event.eventTime);
      const eventId = Number(event.eventId);
      if (type === 'ACTIVITY_TASK_SCHEDULED') {
        at.set(eventId, {
          type,
          ms,
          name: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
        });
      } else if (type === 'ACTIVITY_TASK_STARTED') {
        const s = at.get(Number(event.activityTaskStartedEventAttributes?.scheduledEventId));
        if (s) s.started = ms;
      } else if (type === 'ACTIVITY_TASK_COMPLETED') {
        const s = at.get(Number(event.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (s?.started !== undefined) add(`activity ${s.name}`, s.started - s.ms, ms - s.started);
      } else if (type === 'WORKFLOW_TASK_SCHEDULED') {
        at.set(eventId, { type, ms });
      } else if (type === 'WORKFLOW_TASK_STARTED') {
        const s = at.get(Number(event.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (s) s.started = ms;
      } else if (type === 'WORKFLOW_TASK_COMPLETED') {
        const s = at.get(Number(event.workflowTaskCompletedEventAttributes?.scheduledEventId));
        if (s?.started !== undefined)
          add(`workflow task ${++workflowTasks}`, s.started - s.ms, ms - s.started);
      }
    }
  }
  return { phases, eventTypes };
}

export function describeBreakdown(b: Awaited<ReturnType<typeof phaseBreakdown>>): string {
  const rows = [...b.phases.entries()].map(([name, v]) => [
    name,
    String(v.wait.length),
    `${mean(v.wait).toFixed(0)} ms`,
    `${percentile(v.wait, 0.95).toFixed(0)} ms`,
    `${mean(v.run).toFixed(0)} ms`,
  ]);
  const types = [...b.eventTypes.entries()].map(([t, n]) => `${t} ${n}`).join(', ');
  return `${table(['step', 'count', 'wait mean', 'wait p95', 'run mean'], rows)}\nhistory of one switchover: ${types}`;
}
