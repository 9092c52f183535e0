/**
 * A 1,000-step plan against the simulator's gateway throttle, with one worker process and with three.
 *
 * The simulator throttles every (project, service) at LIMIT calls/s (429 APIG.0308 with Retry-After) and meters
 * the peak rate it accepted in any sliding second. The worker processes (real `worker/main.ts` processes) limit
 * their cloud calls to LIMIT per service and project with permits counted in one PostgreSQL database
 * (SWITCHOVER_CLOUD_RATE_LIMIT, SWITCHOVER_RATE_LIMIT_STORE=postgres). Passes when every step succeeded (none
 * failed by throttling) and, for every key, the peak the simulator measured is within LIMIT, with 1 and 3 workers.
 *
 * Run: npx tsx bench/plan-throttle.ts [steps=1000] [workers=1,3]   (a few minutes; needs PostgreSQL binaries:
 * bash scripts/postgres.sh install)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { parsePlanText, planResult, startPlan } from '../client/plans';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';
import { startDevServer } from '../scripts/dev-server';
import { startSimulator } from '../simulator/server';

const ROOT = path.resolve(__dirname, '..');
const LIMIT = 30;
const PROJECTS = 4;
const PARALLELISM = 50;

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 1000);
  const workerCounts = (process.argv[3] ?? '1,3').split(',').map(Number);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-throttle-'));
  console.log(
    `plan throttle bench: ${steps} steps, limit ${LIMIT}/s per project and service, ${PROJECTS} projects`,
  );

  const server = await startDevServer({ headless: true, logLevel: 'error' });
  const pgDir = mkdtempSync(path.join(os.tmpdir(), 'switchover-pg-'));
  const pgUrl = execFileSync('bash', [path.join(ROOT, 'scripts/postgres.sh'), 'start', '--dir', pgDir], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop()!;
  const sim = await startSimulator({ quiet: true });
  sim.control.setThrottle({ callsPerSecond: LIMIT });
  const bundle = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const results: string[] = [];
  let failed = false;

  try {
    for (const workers of workerCounts) {
      const run = `w${workers}-${Date.now().toString(36)}`;
      const database = `bench_${run.replace(/-/g, '_')}`;
      const admin = new PgClient({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.end();
      const dbUrl = pgUrl.replace(/\/[^/]*$/, `/${database}`);
      const taskQueue = `plan-bench-${run}`;
      const projects = Array.from({ length: PROJECTS }, (_, p) => `bench${run.replace(/-/g, '')}p${p}`);
      const instanceIds: string[][] = projects.map(() => []);
      for (let i = 0; i < steps; i++) {
        const p = i % PROJECTS;
        const instanceId = `redis-${run}-${i}`;
        sim.control.createDcsInstance({
          projectId: projects[p],
          instanceId,
          swapBehaviour: { initMs: 100, runMs: 400 },
        });
        instanceIds[p]!.push(instanceId);
      }
      sim.control.resetMeters();
      const procs: ChildProcess[] = [];
      for (let w = 0; w < workers; w++) {
        const proc = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['worker/main.ts'], {
          cwd: ROOT,
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: server.address,
            TEMPORAL_TASK_QUEUE: taskQueue,
            SWITCHOVER_WORKFLOW_BUNDLE: bundle.file,
            SWITCHOVER_DCS_ENDPOINT: sim.url,
            SWITCHOVER_DWS_ENDPOINT: sim.url,
            SWITCHOVER_DRS_ENDPOINT: sim.url,
            SWITCHOVER_IAM_ENDPOINT: sim.url,
            SWITCHOVER_AUTH_TOKEN: 'sim-token',
            SWITCHOVER_AUDIT_BACKEND: 'postgres',
            SWITCHOVER_AUDIT_DATABASE_URL: dbUrl,
            SWITCHOVER_CLOUD_RATE_LIMIT: String(LIMIT),
            SWITCHOVER_RATE_LIMIT_STORE: 'postgres',
            SWITCHOVER_COOLDOWN_MINUTES: '0',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise<void>((resolve, reject) => {
          let out = '';
          proc.stdout!.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('polling task queue')) resolve();
          });
          proc.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out}`)));
        });
        procs.push(proc);
      }
      const doc = {
        name: `bench-${run}`,
        defaults: { pollIntervalSeconds: 0.5, maxPollIntervalSeconds: 1, timeoutSeconds: 900 },
        stages: [
          {
            name: 'redis',
            parallelism: PARALLELISM,
            onFailure: 'continue',
            steps: projects.map((projectId, p) => ({ kind: 'dcs', projectId, instanceIds: instanceIds[p] })),
          },
        ],
      };
      const started = Date.now();
      const handle = await startPlan(client, parsePlanText(JSON.stringify(doc), 'bench.json'), { taskQueue });
      const report = await planResult(handle);
      const seconds = (Date.now() - started) / 1000;
      for (const proc of procs) proc.kill('SIGTERM');
      await Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));

      const throttledSteps = report.steps.filter(
        (s) => s.cloudError?.code === 'APIG.0308' || /throttl|no permit/i.test(s.message),
      );
      const meters = projects.map((p) => sim.control.meters({ projectId: p }));
      const rates = meters.flatMap((m) => m.rates);
      const peak = Math.max(...rates.map((r) => r.peakPerSecond));
      const demand = Math.max(...rates.map((r) => r.peakAttemptedPerSecond));
      const calls = rates.reduce((n, r) => n + r.accepted, 0);
      const refused = rates.reduce((n, r) => n + r.throttled, 0);
      const maxConcurrent = sim.control.meters().maxConcurrentSwitches;
      const ok =
        report.status === 'succeeded' &&
        report.steps.length === steps &&
        throttledSteps.length === 0 &&
        peak <= LIMIT &&
        maxConcurrent <= PARALLELISM;
      failed ||= !ok;
      results.push(
        `${workers} worker${workers === 1 ? ' ' : 's'}: ${ok ? 'PASS' : 'FAIL'} plan ${report.status} ` +
          `(${JSON.stringify(report.counts)}), ${report.runs} workflow runs, ${seconds.toFixed(0)} s; ` +
          `${calls} cloud calls accepted, ${refused} answered 429, steps failed by throttling ${throttledSteps.length}; ` +
          `peak accepted ${peak}/s per project+service (limit ${LIMIT}), peak received incl. refused ${demand}/s, ` +
          `per key ${rates.map((r) => `${r.service}:${r.peakPerSecond}/${r.peakAttemptedPerSecond}`).join(' ')}; ` +
          `max concurrent switches ${maxConcurrent} (plan parallelism ${PARALLELISM})`,
      );
      console.log(results[results.length - 1]);
    }
  } finally {
    await connection.close();
    await sim.close();
    execFileSync('bash', [path.join(ROOT, 'scripts/postgres.sh'), 'stop', pgDir]);
    await server.stop();
  }
  console.log(`\n${results.join('\n')}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
