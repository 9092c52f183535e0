/**
 * `npm start` (scripts/start.ts) as a new user runs it, in its own process with its own dev server, simulator and
 * data directory: its worker is the one `npm run worker` runs (worker/run.ts), so the worker's variables work
 * here too. SWITCHOVER_METRICS_PORT is the one a user notices first: it must really serve the metrics.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pickFreePort } from '../../scripts/dev-server';
import { waitFor } from '../../simulator/testing';

const ROOT = path.resolve(__dirname, '..', '..');

test('npm start with SWITCHOVER_METRICS_PORT serves the switchover metrics on that port, and stops on SIGINT', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'switchover-start-'));
  const [temporalPort, uiPort, simulatorPort, metricsPort] = [
    await pickFreePort(),
    await pickFreePort(),
    await pickFreePort(),
    await pickFreePort(),
  ];
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: '',
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_DEV_UI_PORT: String(uiPort),
      SIMULATOR_PORT: String(simulatorPort),
      SWITCHOVER_DATA_DIR: dataDir,
      SWITCHOVER_METRICS_PORT: String(metricsPort),
      SWITCHOVER_METRICS_HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited early:\n${log}`);
        return log.includes('switchover service is up') ? true : undefined;
      },
      60_000,
      100,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${log.slice(-3000)}`);
    });

    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('switchover_outcomes_total');
    expect(text).toContain('switchover_cloud_requests_total');
    expect(log).toContain(`switchover metrics at http://127.0.0.1:${metricsPort}`);
  } finally {
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
  expect(log).toContain('stopped');
  // After the stop nothing listens on the metrics port any more.
  await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
});
