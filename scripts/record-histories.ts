/**
 * Records the replay fixtures: runs representative switchovers of every workflow type on a fresh Temporal dev
 * server and the simulator, with the current workflow code, and writes each run's full history as
 * `test/fixtures/histories/<workflowType>-<case>.json` (the JSON of `temporal workflow show -o json`).
 * `test/unit/replay.test.ts` replays every fixture against the current bundle and fails on nondeterminism.
 *
 *   npm run replay:record                      # record every case, overwriting fixtures of the same name
 *   npm run replay:record -- --clean           # first delete the fixtures of the recorded workflow types
 *   npm run replay:record -- --only dcs,drs    # only these kinds (and the notification child with dcs)
 *
 * Re-record after a workflow change that is meant to change histories (and has never run in production, or is
 * guarded by `patched()`); keep the fixtures of versions that did run, under other names, so replay keeps
 * proving that running workflows survive the deploy. Every case checks its outcome: a case that no longer ends
 * as intended fails the recording instead of writing a misleading fixture.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  type Worker,
} from '@temporalio/worker';
import { awaitOutcome, decideApproval, startSwitchover, type SwitchoverProgress } from '../client';
import { openAuditStore } from '../activities/audit';
import { SWITCHOVER_KINDS, WORKFLOW_TYPES, type SwitchoverKind } from '../domain/kinds';
import type { OutcomeStatus } from '../domain/outcome';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { loadWorkerConfig } from '../worker/config';
import { createSwitchoverWorker } from '../worker/worker';
import { startDevServer } from './dev-server';

export const FIXTURES_DIR = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');
const PROJECT = 'a4d31cb63d724fdc8ec96e3a41e47f71';
const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 1, timeoutSeconds: 60 };
const QUEUE = 'record-histories';
const NOTIFY_QUEUE = 'record-histories-notify';

/** How a case's resource behaves in the simulator. */
type Behaviour = 'normal' | 'fail' | 'refuse' | 'stuck';

interface Case {
  name: string;
  behaviour: Behaviour;
  expect: OutcomeStatus;
  input?: Record<string, unknown>;
  taskQueue?: string;
  /** Acts on the running switchover (approve, cancel...) while the script awaits its outcome. */
  drive?: (run: RunContext) => Promise<void>;
}

interface RunContext {
  client: Client;
  sim: RunningSimulator;
  handle: WorkflowHandle;
  kind: SwitchoverKind;
  resourceId: string;
}

const CASES: Case[] = [
  { name: 'succeeded', behaviour: 'normal', expect: 'succeeded' },
  { name: 'failed', behaviour: 'fail', expect: 'failed' },
  { name: 'rejected', behaviour: 'refuse', expect: 'rejected' },
  { name: 'unknown-deadline', behaviour: 'stuck', expect: 'unknown', input: { timeoutSeconds: 3 } },
  {
    name: 'cancelled-after-trigger',
    behaviour: 'stuck',
    expect: 'cancelled_after_trigger',
    drive: async (run) => {
      await until(() => triggersOf(run).length > 0, 'the trigger');
      await run.handle.cancel();
    },
  },
  {
    name: 'cancelled-before-trigger',
    behaviour: 'normal',
    expect: 'cancelled',
    input: { requireApproval: true, requestedBy: 'alice' },
    drive: async (run) => {
      await untilPhase(run, 'approval');
      await run.handle.cancel();
    },
  },
  { name: 'dry-run', behaviour: 'normal', expect: 'dry_run', input: { dryRun: true } },
  {
    name: 'approval-approved',
    behaviour: 'normal',
    expect: 'succeeded',
    input: { requireApproval: true, requestedBy: 'alice', reason: 'planned maintenance' },
    drive: async (run) => {
      await untilPhase(run, 'approval');
      await decideApproval(run.client, run.handle.workflowId, 'approve', { by: 'bob', comment: 'go' });
    },
  },
  {
    name: 'approval-rejected',
    behaviour: 'normal',
    expect: 'rejected',
    input: { requireApproval: true, requestedBy: 'alice' },
    drive: async (run) => {
      await untilPhase(run, 'approval');
      await decideApproval(run.client, run.handle.workflowId, 'reject', { by: 'bob', comment: 'not now' });
    },
  },
  {
    name: 'approval-timed-out',
    behaviour: 'normal',
    expect: 'approval_timed_out',
    input: { requireApproval: true, requestedBy: 'alice', approvalTimeoutSeconds: 1 },
  },
  { name: 'scheduled', behaviour: 'normal', expect: 'succeeded', input: { notBefore: 'in 2s' } },
  { name: 'succeeded-notified', behaviour: 'normal', expect: 'succeeded', taskQueue: NOTIFY_QUEUE },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function untilPhase(run: RunContext, phase: SwitchoverProgress['phase']) {
  await until(
    async () =>
      (await run.handle.query<SwitchoverProgress>('progress').catch(() => undefined))?.phase === phase,
    `phase ${phase}`,
  );
}

function triggersOf(run: RunContext) {
  const path = {
    dcs: `/instances/${run.resourceId}/(swap|async-swap)$`,
    dws: `/disaster-recovery/${run.resourceId}/(switchover|failover)$`,
    drs: `/jobs/${run.resourceId}/switch-vip$`,
  }[run.kind];
  return run.sim.control.requests({ path }).filter((r) => r.method !== 'GET');
}

/** Seeds a resource that behaves as asked; returns the kind's input fields. */
function seed(sim: RunningSimulator, kind: SwitchoverKind, id: string, behaviour: Behaviour) {
  switch (kind) {
    case 'dcs': {
      const swapBehaviour = {
        normal: { initMs: 100, runMs: 300 },
        fail: { initMs: 100, runMs: 300, result: 'FAIL', failReason: 'standby node not ready' },
        refuse: undefined,
        stuck: { initMs: 100, runMs: 100, result: 'STUCK' },
      }[behaviour];
      sim.control.createDcsInstance({
        projectId: PROJECT,
        instanceId: id,
        ...(swapBehaviour ? { swapBehaviour } : {}),
        ...(behaviour === 'refuse' ? { cacheMode: 'single' } : {}),
      });
      return { instanceId: id };
    }
    case 'dws': {
      const switchMs = behaviour === 'stuck' ? 600_000 : 300;
      sim.control.createDwsDisasterRecovery({
        projectId: PROJECT,
        drId: id,
        behaviour: { switchMs, ...(behaviour === 'fail' ? { result: 'FAIL' } : {}) },
        ...(behaviour === 'refuse' ? { productionFaulty: true } : {}),
      });
      return { disasterRecoveryId: id, mode: 'switchover' };
    }
    case 'drs': {
      const drsBehaviour = {
        normal: { switchMs: 300 },
        fail: {
          switchMs: 300,
          result: 'FAIL',
          failCode: 'DRS.M05004',
          failMessage: 'Failed to bind the virtual IP to the standby node.',
        },
        refuse: { switchMs: 300 },
        stuck: { result: 'STUCK' },
      }[behaviour];
      sim.control.createDrsJob({
        projectId: PROJECT,
        jobId: id,
        behaviour: drsBehaviour,
        ...(behaviour === 'refuse' ? { status: 'INCRE_TRANSFER_FAILED' } : {}),
      });
      return { jobId: id, mode: 'target' };
    }
  }
}

function writeFixture(name: string, json: string): string {
  const file = path.join(FIXTURES_DIR, `${name}.json`);
  writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
  return file;
}

async function recordCase(
  ctx: { client: Client; sim: RunningSimulator },
  kind: SwitchoverKind,
  spec: Case,
): Promise<string[]> {
  const resourceId = `replay-${kind}-${spec.name}-${Date.now().toString(36)}`;
  const fields = seed(ctx.sim, kind, resourceId, spec.behaviour);
  const input: Record<string, unknown> = {
    projectId: PROJECT,
    requestedBy: 'recorder',
    ...FAST,
    ...fields,
    ...spec.input,
  };
  if (input.notBefore === 'in 2s') input.notBefore = new Date(Date.now() + 2_000).toISOString();
  const handle = await startSwitchover(ctx.client, kind, input, { taskQueue: spec.taskQueue ?? QUEUE });
  const run: RunContext = { ...ctx, handle, kind, resourceId };
  const [outcome] = await Promise.all([awaitOutcome(handle), spec.drive?.(run)]);
  const label = `${WORKFLOW_TYPES[kind]}-${spec.name}`;
  if (outcome.status !== spec.expect) {
    throw new Error(`${label}: expected outcome ${spec.expect}, got ${outcome.status}: ${outcome.message}`);
  }
  const written = [writeFixture(label, historyToJSON(await handle.fetchHistory()))];
  if (spec.taskQueue === NOTIFY_QUEUE && kind === 'dcs') {
    // The abandoned notification child: its own workflow type, its own fixture.
    const child = ctx.client.workflow.getHandle(`notify:${outcome.workflowId}:${outcome.runId}`);
    await child.result();
    written.push(
      writeFixture('notifySwitchoverOutcome-delivered', historyToJSON(await child.fetchHistory())),
    );
  }
  return written;
}

async function startWebhookReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

function parseArgs(argv: string[]): { clean: boolean; kinds: SwitchoverKind[] } {
  const clean = argv.includes('--clean');
  const at = argv.indexOf('--only');
  const only = at >= 0 ? (argv[at + 1] ?? '').split(',').filter(Boolean) : [...SWITCHOVER_KINDS];
  const unknown = only.filter((k) => !(SWITCHOVER_KINDS as readonly string[]).includes(k));
  if (unknown.length || only.length === 0) {
    throw new Error(`--only takes kinds from ${SWITCHOVER_KINDS.join(', ')}, comma-separated`);
  }
  return { clean, kinds: only as SwitchoverKind[] };
}

export async function recordHistories(options: {
  clean: boolean;
  kinds: SwitchoverKind[];
}): Promise<string[]> {
  Runtime.install({
    // Not WARN: every switchover that does not succeed fails its workflow, which the SDK logs at WARN.
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
  });
  mkdirSync(FIXTURES_DIR, { recursive: true });
  console.log('bundling workflows/ and starting a dev server and the simulator...');
  const [{ code }, server, sim, webhook] = await Promise.all([
    bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') }),
    startDevServer({ port: 0, headless: true }),
    startSimulator({ quiet: true }),
    startWebhookReceiver(),
  ]);
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'record-histories-'));
  const workers: Array<{ worker: Worker; running: Promise<void>; close: () => Promise<void> }> = [];
  let connection: Connection | undefined;
  let nativeConnection: NativeConnection | undefined;
  try {
    connection = await Connection.connect({ address: server.address });
    nativeConnection = await NativeConnection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    for (const [taskQueue, extra] of [
      [QUEUE, {}],
      [NOTIFY_QUEUE, { SWITCHOVER_WEBHOOK_URL: webhook.url }],
    ] as const) {
      const config = loadWorkerConfig({
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: server.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        SWITCHOVER_SIMULATOR_URL: sim.url,
        SWITCHOVER_AUTH_TOKEN: 'sim-token',
        SWITCHOVER_REQUEST_TIMEOUT_MS: '3000',
        SWITCHOVER_AUDIT_FILE: path.join(workDir, `${taskQueue}.jsonl`),
        ...extra,
      });
      const audit = openAuditStore(config.audit);
      const worker = await createSwitchoverWorker({
        config,
        connection: nativeConnection,
        workflowBundle: { code },
        verifySettleMs: 1_000,
        audit,
      });
      workers.push({ worker, running: worker.run(), close: () => audit.close() });
    }

    if (options.clean) {
      // Only the workflow types being recorded now: --only dcs --clean leaves the DWS and DRS fixtures alone.
      const prefixes = options.kinds.map((kind) => `${WORKFLOW_TYPES[kind]}-`);
      if (options.kinds.includes('dcs')) prefixes.push('notifySwitchoverOutcome-');
      for (const file of readdirSync(FIXTURES_DIR)) {
        if (file.endsWith('.json') && prefixes.some((p) => file.startsWith(p)))
          rmSync(path.join(FIXTURES_DIR, file));
      }
    }
    const cases = options.kinds.flatMap((kind) =>
      CASES.filter((spec) => spec.taskQueue !== NOTIFY_QUEUE || kind === 'dcs').map((spec) => ({
        kind,
        spec,
      })),
    );
    console.log(`running ${cases.length} switchovers...`);
    const results = await Promise.allSettled(
      cases.map(({ kind, spec }) => recordCase({ client, sim }, kind, spec)),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failures.length) throw new Error(`some cases were not recorded:\n  ${failures.join('\n  ')}`);
    const written = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])).sort();
    return written;
  } finally {
    for (const { worker } of workers) worker.shutdown();
    await Promise.allSettled(workers.map((w) => w.running));
    await Promise.allSettled(workers.map((w) => w.close()));
    await nativeConnection?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await new Promise<void>((resolve) => webhook.server.close(() => resolve()));
    await sim.close();
    await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  recordHistories(options).then(
    (files) => {
      console.log(`wrote ${files.length} fixtures to ${path.relative(process.cwd(), FIXTURES_DIR)}:`);
      for (const file of files) console.log(`  ${path.basename(file)}`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
