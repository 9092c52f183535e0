/**
 * Benchmark: what the orchestration costs on top of the switch itself, measured in one run against the
 * simulator and a local dev server.
 *   - latency ratio: workflow wall time / the simulator's own job duration (ideal = 1.0; the gap is
 *     preflight, polling granularity, verify and record);
 *   - history per poll: events in the workflow history as polls grow (the heartbeating poll loop should keep
 *     history flat: events/polls falls toward 0).
 * Run: npm run bench -- --suite polls   (about a minute; prints a table; asserts nothing), or on its own:
 * npx tsx bench/switchover-overhead.ts
 */
import { NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../activities';
import { openAuditStore } from '../activities/audit';
import { staticTokenAuth } from '../activities/http/auth';
import { awaitOutcome, startSwitchover } from '../client';
import { startDevServer } from '../scripts/dev-server';
import { startSimulator } from '../simulator/server';
import type { Infra } from './lib';

const PROJECT = 'bench0000000000000000000000000000';

interface Case {
  name: string;
  initMs: number;
  runMs: number;
  pollIntervalSeconds: number;
  maxPollIntervalSeconds: number;
}

const CASES: Case[] = [
  {
    name: '1 s swap, adaptive polling',
    initMs: 200,
    runMs: 800,
    pollIntervalSeconds: 0.2,
    maxPollIntervalSeconds: 1,
  },
  {
    name: '5 s swap, adaptive polling',
    initMs: 500,
    runMs: 4500,
    pollIntervalSeconds: 0.2,
    maxPollIntervalSeconds: 1,
  },
  {
    name: '5 s swap, 0.1 s fixed polling',
    initMs: 500,
    runMs: 4500,
    pollIntervalSeconds: 0.1,
    maxPollIntervalSeconds: 0.1,
  },
  {
    name: '15 s swap, 0.1 s fixed polling',
    initMs: 500,
    runMs: 14500,
    pollIntervalSeconds: 0.1,
    maxPollIntervalSeconds: 0.1,
  },
];
const REPEATS = 2;

/** The table below; on `infra`'s server and simulator when given (npm run bench), else on its own. */
export async function runPollHistory(infra?: Infra): Promise<void> {
  console.log('\n== polls: wall time over the job, and history events as polls grow (in-process worker)');
  const server = infra?.server ?? (await startDevServer({ headless: true }));
  const sim = infra?.sim ?? (await startSimulator({ quiet: true }));
  const audit = openAuditStore({
    backend: 'jsonl',
    file: path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'a.jsonl'),
  });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = `bench-polls-${Date.now().toString(36)}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({
      endpoints: { dcs: sim.url, dws: sim.url, drs: sim.url },
      auth: staticTokenAuth('sim-token'),
      requestTimeoutMs: 5000,
      audit,
      safety: { cooldownMinutes: 0, approvalRequiredKinds: [] },
      verifySettleMs: 5000,
      // This table is about the input's intervals, fixed or backing off: no learned durations.
      learnedPolling: false,
    }),
  });
  const running = worker.run();

  const rows: string[] = [];
  let n = 0;
  for (const c of CASES) {
    for (let i = 0; i < REPEATS; i++) {
      n += 1;
      const instanceId = `bench-${Date.now().toString(36)}-${n}`;
      sim.control.createDcsInstance({
        projectId: PROJECT,
        instanceId,
        swapBehaviour: { initMs: c.initMs, runMs: c.runMs, result: 'SUCCESS' },
      });
      const started = Date.now();
      const handle = await startSwitchover(
        client,
        'dcs',
        {
          projectId: PROJECT,
          instanceId,
          swapMode: 'async',
          pollIntervalSeconds: c.pollIntervalSeconds,
          maxPollIntervalSeconds: c.maxPollIntervalSeconds,
        },
        { taskQueue },
      );
      const outcome = await awaitOutcome(handle);
      const wallMs = Date.now() - started;
      const events = (await handle.fetchHistory()).events?.length ?? 0;
      const ideal = c.initMs + c.runMs;
      rows.push(
        [
          c.name.padEnd(32),
          outcome.status.padEnd(9),
          `${(wallMs / 1000).toFixed(2)} s`.padStart(8),
          `${(ideal / 1000).toFixed(2)} s`.padStart(8),
          (wallMs / ideal).toFixed(2).padStart(6),
          String(outcome.polls).padStart(6),
          String(events).padStart(7),
          (events / Math.max(1, outcome.polls)).toFixed(2).padStart(12),
        ].join('  '),
      );
    }
  }
  console.log(
    [
      'case'.padEnd(32),
      'outcome'.padEnd(9),
      'wall'.padStart(8),
      'ideal'.padStart(8),
      'ratio'.padStart(6),
      'polls'.padStart(6),
      'events'.padStart(7),
      'events/poll'.padStart(12),
    ].join('  '),
  );
  for (const row of rows) console.log(row);
  console.log('\nratio = wall time / the job duration the simulator was told to take (1.0 = no overhead).');
  console.log(
    'events/poll falls as polls grow: polling happens inside one heartbeating activity, not in history.',
  );

  worker.shutdown();
  await running;
  await nativeConnection.close();
  await connection.close();
  await audit.close();
  if (!infra) {
    await sim.close();
    await server.stop();
  }
}

if (require.main === module) {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runPollHistory().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
