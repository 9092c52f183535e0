/**
 * Records the replay fixtures: runs representative switchovers of every workflow type on a fresh Temporal dev
 * server and the simulator, with the current workflow code, and writes each run's full history as
 * `test/fixtures/histories/<workflowType>-<case>.json` (the JSON of `temporal workflow show -o json`).
 * `test/unit/replay.test.ts` replays every fixture against the current bundle and fails on nondeterminism.
 *
 *   npm run replay:record                      # record the cases that have no fixture yet (existing ones are kept)
 *   npm run replay:record -- --only dcs,drs    # only these kinds (and the notification child with dcs)
 *   npm run replay:record -- --overwrite       # also re-record existing fixtures (see below: almost never)
 *   npm run replay:record -- --clean           # delete the recorded types' fixtures first (implies --overwrite)
 *
 * Fixtures are histories of code that ran: they are never re-recorded (README, "Changing workflow code"). A new
 * path gets a new case here and its fixture is added beside the old ones; a change of the command sequence is
 * guarded by `patched()` so the old fixtures keep replaying. `--overwrite`/`--clean` are only for a workflow type
 * that has never run anywhere. Every case checks its outcome: a case that no longer ends as intended fails the
 * recording instead of writing a misleading fixture.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
import { openAuditStore, type AuditStore } from '../activities/audit';
import { SWITCHOVER_KINDS, WORKFLOW_TYPES, type SwitchoverKind } from '../domain/kinds';
import type { OutcomeStatus } from '../domain/outcome';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { loadWorkerConfig } from '../worker/config';
import { createSwitchoverWorker } from '../worker/worker';
import { startDevServer } from './dev-server';

export const FIXTURES_DIR = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');
const PROJECT = 'a4d31cb63d724fdc8ec96e3a41e47f71';
/**
 * The skeleton generation the cases record now (workflows/switchover.ts, PATCHES): `<workflowType>-<generation>-
 * <case>`. Earlier generations' fixtures (no generation in the name: before PATCHES.compactHistory; `compact`:
 * before PATCHES.verifyInAwait) stay as they were recorded, so every command sequence keeps being replayed.
 */
const GENERATION = 'verify-in-await';
const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 1, timeoutSeconds: 60 };
const QUEUE = 'record-histories';
const NOTIFY_QUEUE = 'record-histories-notify';
/** A worker whose audit store refuses appends for a while (the record hand-off path). */
const OUTAGE_QUEUE = 'record-histories-outage';
const OUTAGE_MS = 6_000;

/** The trigger request of a kind, as a fault's path regex. */
const TRIGGER_PATH = {
  dcs: (id: string) => `/instances/${id}/(swap|async-swap)$`,
  dws: (id: string) => `/disaster-recovery/${id}/(switchover|failover)$`,
  drs: (id: string) => `/jobs/${id}/switch-vip$`,
} as const;

/** An answer "busy, try later" to the trigger, in each service's shape. */
const BUSY_ANSWER = {
  dcs: { error_code: 'DCS.4017', error_msg: 'A job is running on the instance.' },
  dws: { error_code: 'DWS.10104', error_msg: 'A DR operation is already in progress.' },
  drs: { error_code: 'DRS.M01503', error_msg: 'Operation too frequent.' },
} as const;

function triggerFault(sim: RunningSimulator, kind: SwitchoverKind, id: string, fault: unknown, times = 1) {
  sim.control.addFault({
    match: { path: TRIGGER_PATH[kind](id), method: kind === 'dcs' ? undefined : 'POST' },
    fault,
    times,
  });
}

/** A switch made directly on the cloud (not by a workflow): someone else's, or an earlier one. */
async function switchOnTheCloud(sim: RunningSimulator, kind: SwitchoverKind, id: string): Promise<void> {
  const path = {
    dcs: `/v2/${PROJECT}/instances/${id}/swap`,
    dws: `/v2/${PROJECT}/disaster-recovery/${id}/switchover`,
    drs: `/v3/${PROJECT}/jobs/${id}/switch-vip`,
  }[kind];
  const answer = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'X-Auth-Token': 'sim-token', 'Content-Type': 'application/json' },
    body: JSON.stringify(kind === 'drs' ? { mode: 'source' } : {}),
  });
  if (answer.status >= 300) throw new Error(`switch on the cloud: ${answer.status} ${await answer.text()}`);
}

/** How a case's resource behaves in the simulator. */
type Behaviour = 'normal' | 'fail' | 'refuse' | 'stuck';

interface Case {
  name: string;
  behaviour: Behaviour;
  expect: OutcomeStatus;
  input?: Record<string, unknown>;
  taskQueue?: string;
  /** Only these kinds (default: every kind). */
  kinds?: SwitchoverKind[];
  /** Sets the resource up after seeding (faults, an earlier switch made directly on the cloud). */
  prepare?: (sim: RunningSimulator, kind: SwitchoverKind, resourceId: string) => unknown;
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
  // Paths added with issue 11 (recorded with patched() markers; the cases above are kept as they were recorded).
  {
    name: 'trigger-retry',
    behaviour: 'normal',
    expect: 'succeeded',
    prepare: (sim, kind, id) =>
      triggerFault(
        sim,
        kind,
        id,
        kind === 'dws'
          ? { type: 'throttle', retryAfterSeconds: 1 }
          : { type: 'status', status: 400, body: BUSY_ANSWER[kind] },
      ),
  },
  {
    name: 'adopted',
    behaviour: 'normal',
    expect: 'succeeded',
    prepare: (sim, kind, id) => triggerFault(sim, kind, id, { type: 'reset-after-accept' }),
  },
  {
    name: 'unresolvable',
    behaviour: 'normal',
    expect: 'unknown',
    kinds: ['drs'],
    // An earlier switch completed; the trigger is lost on the way (nothing happens): the status cannot tell.
    prepare: async (sim, kind, id) => {
      await switchOnTheCloud(sim, kind, id);
      await until(() => sim.control.getDrsJob(id)?.switchStatus === 'SWITCH_VIP_COMPLETE', 'earlier switch');
      triggerFault(sim, kind, id, { type: 'reset' });
    },
  },
  {
    name: 'trigger-refused',
    behaviour: 'normal',
    expect: 'rejected',
    input: { timeoutSeconds: 4 },
    prepare: (sim, kind, id) =>
      kind === 'drs'
        ? sim.control.patchDrsJob(id, { behaviour: { result: 'REJECT' } })
        : triggerFault(sim, kind, id, { type: 'status', status: 400, body: BUSY_ANSWER[kind] }, -1),
  },
  {
    name: 'succeeded-warning',
    behaviour: 'normal',
    expect: 'succeeded',
    kinds: ['dcs', 'dws'],
    prepare: (sim, kind, id) =>
      kind === 'dws'
        ? sim.control.patchDwsDisasterRecovery(id, { behaviour: { result: 'SWAPPED_ABNORMAL' } })
        : undefined,
    // DCS: a backup task starts while the swap runs: the master moved, the instance is busy after it.
    drive: async (run) => {
      if (run.kind !== 'dcs') return;
      await until(() => triggersOf(run).length > 0, 'the trigger');
      run.sim.control.patchDcsInstance(run.resourceId, { task: 'BACKUPING' });
    },
  },
  {
    name: 'unknown-unverified',
    behaviour: 'normal',
    expect: 'unknown',
    kinds: ['dcs'],
    // No /groups (master not verifiable) and a task after the job: the job's success cannot be verified.
    prepare: (sim, _kind, id) =>
      sim.control.addFault({
        match: { path: `/instance/${id}/groups$` },
        fault: { type: 'status', status: 404, body: { error_code: 'DCS.4001', error_msg: 'not found' } },
        times: -1,
      }),
    drive: async (run) => {
      await until(() => triggersOf(run).length > 0, 'the trigger');
      run.sim.control.patchDcsInstance(run.resourceId, { task: 'BACKUPING' });
    },
  },
  {
    name: 'unknown-unattributed',
    behaviour: 'normal',
    expect: 'unknown',
    kinds: ['drs'],
    input: { timeoutSeconds: 3 },
    // An earlier switch completed; the new one's status never moves from it and START is never shown.
    prepare: async (sim, kind, id) => {
      await switchOnTheCloud(sim, kind, id);
      await until(() => sim.control.getDrsJob(id)?.switchStatus === 'SWITCH_VIP_COMPLETE', 'earlier switch');
      sim.control.patchDrsJob(id, { behaviour: { switchMs: 200, staleStatusMs: 400 } });
    },
  },
  {
    name: 'rejected-foreign-change',
    behaviour: 'normal',
    expect: 'rejected',
    kinds: ['dws', 'drs'],
    input: { requireApproval: true, requestedBy: 'alice' },
    // Someone else switches on the cloud while the run waits for approval: the trigger refuses, nothing sent.
    drive: async (run) => {
      await untilPhase(run, 'approval');
      await switchOnTheCloud(run.sim, run.kind, run.resourceId);
      await decideApproval(run.client, run.handle.workflowId, 'approve', { by: 'bob', comment: 'go' });
    },
  },
  { name: 'not-recorded', behaviour: 'normal', expect: 'succeeded', kinds: ['dcs'], taskQueue: OUTAGE_QUEUE },
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

function fixtureName(kind: SwitchoverKind, spec: Case): string {
  return `${WORKFLOW_TYPES[kind]}-${GENERATION}-${spec.name}`;
}

/**
 * Writes one fixture; an existing one is kept (histories of code that ran are never re-recorded), unless
 * `--overwrite` asks for it. Returns the file, or '' when it was kept.
 */
function writeFixture(name: string, json: string, overwrite: boolean): string {
  const file = path.join(FIXTURES_DIR, `${name}.json`);
  if (!overwrite && existsSync(file)) return '';
  writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
  return file;
}

async function recordCase(
  ctx: { client: Client; sim: RunningSimulator },
  kind: SwitchoverKind,
  spec: Case,
  overwrite: boolean,
): Promise<string[]> {
  const resourceId = `replay-${kind}-${spec.name}-${Date.now().toString(36)}`;
  const fields = seed(ctx.sim, kind, resourceId, spec.behaviour);
  await spec.prepare?.(ctx.sim, kind, resourceId);
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
  const label = fixtureName(kind, spec);
  if (outcome.status !== spec.expect) {
    throw new Error(`${label}: expected outcome ${spec.expect}, got ${outcome.status}: ${outcome.message}`);
  }
  const written = [writeFixture(label, historyToJSON(await handle.fetchHistory()), overwrite)];
  if (spec.taskQueue === NOTIFY_QUEUE && kind === 'dcs') {
    // The abandoned notification child: its own workflow type, its own fixture.
    const child = ctx.client.workflow.getHandle(`notify:${outcome.workflowId}:${outcome.runId}`);
    await child.result();
    written.push(
      writeFixture('notifySwitchoverOutcome-delivered', historyToJSON(await child.fetchHistory()), overwrite),
    );
  }
  if (spec.taskQueue === OUTAGE_QUEUE) {
    if (!outcome.notRecorded) throw new Error(`${label}: expected the outcome flagged not recorded`);
    const recorder = ctx.client.workflow.getHandle(outcome.notRecorded.recordWorkflowId);
    await recorder.result();
    written.push(
      writeFixture(
        'recordSwitchoverOutcome-after-outage',
        historyToJSON(await recorder.fetchHistory()),
        overwrite,
      ),
    );
  }
  return written;
}

/** The audit store, refusing appends during its first `ms` (an outage at record time). */
function refusingFor(store: AuditStore, ms: number): AuditStore {
  const until = Date.now() + ms;
  return {
    backend: store.backend,
    describe: () => store.describe(),
    list: (query) => store.list(query),
    close: () => store.close(),
    append: async (outcome) => {
      if (Date.now() < until) throw new Error(`${store.describe()} is unavailable (recording outage)`);
      return store.append(outcome);
    },
  };
}

async function startWebhookReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

function parseArgs(argv: string[]): { clean: boolean; overwrite: boolean; kinds: SwitchoverKind[] } {
  const clean = argv.includes('--clean');
  const overwrite = clean || argv.includes('--overwrite');
  const at = argv.indexOf('--only');
  const only = at >= 0 ? (argv[at + 1] ?? '').split(',').filter(Boolean) : [...SWITCHOVER_KINDS];
  const unknown = only.filter((k) => !(SWITCHOVER_KINDS as readonly string[]).includes(k));
  if (unknown.length || only.length === 0) {
    throw new Error(`--only takes kinds from ${SWITCHOVER_KINDS.join(', ')}, comma-separated`);
  }
  return { clean, overwrite, kinds: only as SwitchoverKind[] };
}

export async function recordHistories(options: {
  clean: boolean;
  overwrite: boolean;
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
      [OUTAGE_QUEUE, { SWITCHOVER_RECORD_WAIT_SECONDS: '1' }],
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
      const opened = openAuditStore(config.audit);
      const audit = taskQueue === OUTAGE_QUEUE ? refusingFor(opened, OUTAGE_MS) : opened;
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
      CASES.filter((spec) => spec.taskQueue !== NOTIFY_QUEUE || kind === 'dcs')
        .filter((spec) => !spec.kinds || spec.kinds.includes(kind))
        .filter(
          (spec) =>
            options.overwrite || !existsSync(path.join(FIXTURES_DIR, `${fixtureName(kind, spec)}.json`)),
        )
        .map((spec) => ({ kind, spec })),
    );
    console.log(`running ${cases.length} switchovers...`);
    const results = await Promise.allSettled(
      cases.map(({ kind, spec }) => recordCase({ client, sim }, kind, spec, options.overwrite)),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failures.length) throw new Error(`some cases were not recorded:\n  ${failures.join('\n  ')}`);
    const written = results
      .flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
      .filter(Boolean)
      .sort();
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
