/**
 * The worker's Prometheus endpoints, scraped over HTTP after real switchovers (dev server, simulator):
 * in process (SwitchoverMetrics on the test env's worker), and the real worker process (`worker/main.ts`)
 * with SWITCHOVER_METRICS_PORT and SWITCHOVER_SDK_METRICS_PORT set.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRecordActivities, JsonlAuditStore } from '../../activities/audit';
import { awaitOutcome, startSwitchover } from '../../client';
import { startSimulator } from '../../simulator/server';
import { SwitchoverMetrics, type MetricsServer } from '../../worker/metrics';
import { sampleOutcome } from '../helpers/outcomes';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';
import { testConnection } from '../helpers/temporal';

/** Samples of one metric as { labels, value }, from Prometheus text format. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const found: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  return samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
}

describe('switchover metrics in the worker (in process)', () => {
  let env: SwitchoverTestEnv;
  let metrics: SwitchoverMetrics;
  let server: MetricsServer;
  beforeAll(async () => {
    metrics = new SwitchoverMetrics();
    server = await metrics.serve({ host: '127.0.0.1', port: 0 });
    env = await createSwitchoverTestEnv({ metrics });
  });
  afterAll(async () => {
    await env?.close();
    await server?.close();
  });

  test('counts outcomes by kind and outcome, their durations, and cloud calls by service and status', async () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const succeeded = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });
    expect(succeeded.status).toBe('succeeded');
    const rejected = await env.run('dcs', { projectId: PROJECT, instanceId: uniqueId('missing'), ...FAST });
    expect(rejected.status).toBe('rejected');

    const text = await scrape(server.url);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(valueOf(text, 'switchover_outcomes_total', { kind: 'dcs', outcome: 'succeeded' })).toBe(1);
    expect(valueOf(text, 'switchover_outcomes_total', { kind: 'dcs', outcome: 'rejected' })).toBe(1);
    expect(valueOf(text, 'switchover_duration_seconds_count', { kind: 'dcs', outcome: 'succeeded' })).toBe(1);
    const seconds = valueOf(text, 'switchover_duration_seconds_sum', { kind: 'dcs', outcome: 'succeeded' });
    expect(seconds).toBeCloseTo(succeeded.durationMs / 1000, 3);
    expect(valueOf(text, 'switchover_audit_appends_total', { backend: 'jsonl', result: 'written' })).toBe(2);

    const calls = samples(text, 'switchover_cloud_requests_total');
    const dcsOk = calls.filter((s) => s.labels.service === 'dcs' && /^2\d\d$/.test(s.labels.status!));
    expect(dcsOk.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(3); // preflight, trigger, polls
    const triggers = dcsOk.filter((s) => /swap/i.test(s.labels.operation!));
    expect(triggers.reduce((sum, s) => sum + s.value, 0)).toBe(1);
    expect(calls.some((s) => s.labels.service === 'dcs' && s.labels.status === '404')).toBe(true);
    expect(
      samples(text, 'switchover_cloud_request_duration_seconds_count').some(
        (s) => s.labels.service === 'dcs',
      ),
    ).toBe(true);
    // Cloud calls are labelled by operation name only: no instance IDs (unbounded series), no URLs.
    expect(text).not.toContain(instanceId);
  });

  test('a retried recordOutcome is counted once', async () => {
    const own = new SwitchoverMetrics();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metrics-audit-'));
    try {
      const audit = new JsonlAuditStore(path.join(dir, 'audit.jsonl'));
      const { recordOutcome } = createRecordActivities({
        audit,
        onRecorded: (outcome, result) => own.observeRecorded(outcome, result, audit.backend),
      });
      const activity = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
      const outcome = sampleOutcome({ kind: 'drs', status: 'unknown', durationMs: 90_000 });
      await activity.run(recordOutcome, outcome);
      await activity.run(recordOutcome, outcome);
      const text = await own.registry.metrics();
      expect(valueOf(text, 'switchover_outcomes_total', { kind: 'drs', outcome: 'unknown' })).toBe(1);
      expect(valueOf(text, 'switchover_duration_seconds_bucket', { kind: 'drs', le: '120' })).toBe(1);
      expect(valueOf(text, 'switchover_duration_seconds_bucket', { kind: 'drs', le: '60' })).toBe(0);
      expect(valueOf(text, 'switchover_audit_appends_total', { result: 'already-recorded' })).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the worker process (worker/main.ts) with both metrics ports', () => {
  test('serves switchover metrics and the Temporal SDK metrics after a switchover, and stops cleanly', async () => {
    const sim = await startSimulator({ quiet: true });
    const temporal = await testConnection();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metrics-worker-'));
    const taskQueue = uniqueId('metrics-worker');
    const [appPort, sdkPort] = [await freePort(), await freePort()];
    let worker: ChildProcess | undefined;
    let output = '';
    try {
      const bundle = process.env.SWITCHOVER_TEST_WORKFLOW_BUNDLE;
      if (!bundle) throw new Error('SWITCHOVER_TEST_WORKFLOW_BUNDLE unset: run through jest (npm test)');
      worker = spawn(process.execPath, ['--import', 'tsx', path.join('worker', 'main.ts')], {
        cwd: path.join(__dirname, '..', '..'),
        env: {
          ...process.env,
          TEMPORAL_TASK_QUEUE: taskQueue,
          SWITCHOVER_SIMULATOR_URL: sim.url,
          SWITCHOVER_AUTH_TOKEN: 'sim-token',
          SWITCHOVER_AUDIT_FILE: path.join(dir, 'audit.jsonl'),
          SWITCHOVER_WORKFLOW_BUNDLE: bundle,
          SWITCHOVER_METRICS_HOST: '127.0.0.1',
          SWITCHOVER_METRICS_PORT: String(appPort),
          SWITCHOVER_SDK_METRICS_PORT: String(sdkPort),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const child = worker;
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await waitFor(
        () => output.includes(`polling task queue '${taskQueue}'`),
        60_000,
        () => output,
      );
      expect(output).toContain(`switchover metrics at http://127.0.0.1:${appPort}/metrics`);
      expect(output).toContain(`Temporal SDK metrics at http://127.0.0.1:${sdkPort}/metrics`);

      const instanceId = uniqueId('redis');
      sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
      const outcome = await awaitOutcome(
        await startSwitchover(
          temporal.client,
          'dcs',
          { projectId: PROJECT, instanceId, ...FAST },
          { taskQueue },
        ),
      );
      expect(outcome.status).toBe('succeeded');

      const app = await scrape(`http://127.0.0.1:${appPort}/metrics`);
      expect(valueOf(app, 'switchover_outcomes_total', { kind: 'dcs', outcome: 'succeeded' })).toBe(1);
      expect(samples(app, 'switchover_process_resident_memory_bytes')).toHaveLength(1);

      // The SDK core exports on its own schedule: wait until the finished workflow shows up there.
      let sdk = '';
      await waitFor(
        async () => {
          sdk = await scrape(`http://127.0.0.1:${sdkPort}/metrics`);
          return samples(sdk, 'temporal_workflow_completed').some((s) => s.labels.task_queue === taskQueue);
        },
        30_000,
        () => sdk.slice(0, 2000),
      );
      expect(samples(sdk, 'temporal_activity_execution_latency_count').length).toBeGreaterThan(0);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('switchover worker: stopped');
      worker = undefined;
    } finally {
      if (worker && worker.exitCode === null) worker.kill('SIGKILL');
      await temporal.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  context: () => string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not met in ${timeoutMs} ms; output:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
