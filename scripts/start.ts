/**
 * `npm start`: the whole service on its embedded defaults, in one process tree:
 * the Temporal dev server (SQLite in .data/, Web UI), the cloud simulator seeded with demo resources, and the
 * switchover worker pointed at it. Ctrl-C stops all of it.
 *
 * Ports: TEMPORAL_DEV_PORT (7233), TEMPORAL_DEV_UI_PORT (8233), SIMULATOR_PORT (9090); state in
 * SWITCHOVER_DATA_DIR (.data). The worker is the same as `npm run worker`'s (worker/run.ts): every worker
 * variable (SWITCHOVER_METRICS_PORT, SWITCHOVER_COOLDOWN_MINUTES, ...) works here too.
 */
import path from 'node:path';
import { DEMO_PROJECT_ID, seedDemo } from '../simulator/demo';
import { startSimulator } from '../simulator/server';
import { runWorker } from '../worker/run';
import { startDevServer } from './dev-server';

const DATA_DIR = path.resolve(process.env.SWITCHOVER_DATA_DIR || path.join(__dirname, '..', '.data'));

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (!value) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name} must be a port number (1-65535), got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const temporalPort = port('TEMPORAL_DEV_PORT', 7233);
  const uiPort = port('TEMPORAL_DEV_UI_PORT', 8233);
  const simulatorPort = port('SIMULATOR_PORT', 9090);

  console.log('starting the Temporal dev server (finds or installs the temporal CLI first)...');
  const server = await startDevServer({
    port: temporalPort,
    uiPort,
    dbFile: path.join(DATA_DIR, 'temporal.db'),
    logLevel: 'warn',
  });
  const sim = await startSimulator({ port: simulatorPort, quiet: true });
  const demo = seedDemo(sim.control, DEMO_PROJECT_ID);

  const env =
    server.address === 'localhost:7233' || server.address === '127.0.0.1:7233'
      ? ''
      : `TEMPORAL_ADDRESS=${server.address} `;
  const banner = (taskQueue: string, worker: string) => `
switchover service is up
  Temporal Web UI   ${server.uiUrl}
  Temporal server   ${server.address} (namespace default, task queue ${taskQueue})
  cloud simulator   ${sim.url} (control API ${sim.url}/_sim/..., demo project ${demo.projectId})
  worker            ${worker}

try a switchover (in another terminal):
  ${env}npx switchover dcs --project ${demo.projectId} --instance ${demo.dcs.ha} --reason "demo" --wait
  ${env}npx switchover dcs --project ${demo.projectId} --instance ${demo.dcs.single} --wait   # refused: single node
  ${env}npx switchover dws --project ${demo.projectId} --dr ${demo.dwsDisasterRecoveryId} --mode switchover --wait
  ${env}npx switchover drs --project ${demo.projectId} --job ${demo.drsJobId} --mode target --wait

Ctrl-C stops everything.`;

  try {
    // The Temporal runtime shuts the worker down on SIGINT/SIGTERM; then the rest follows.
    await runWorker({
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        SWITCHOVER_CLOUD: 'simulator',
        SWITCHOVER_SIMULATOR_URL: sim.url,
        SWITCHOVER_AUTH_TOKEN: process.env.SWITCHOVER_AUTH_TOKEN ?? 'sim-token',
        SWITCHOVER_AUDIT_FILE: process.env.SWITCHOVER_AUDIT_FILE ?? path.join(DATA_DIR, 'audit.jsonl'),
      },
      logLevel: 'WARN',
      onReady: (config) => console.log(banner(config.temporal.taskQueue, config.describe())),
    });
  } finally {
    console.log('worker stopped; stopping the simulator and the dev server...');
    await sim.close();
    await server.stop();
  }
  console.log('stopped');
}

main().catch((error) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
