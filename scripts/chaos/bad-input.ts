/**
 * The bad-input fuzz (issue 13): generated invalid inputs thrown at the typed client, the CLI, and the workflows
 * by type name (the plain Temporal client, and a sample through the `temporal` CLI binary), with a worker
 * polling. Passes when nothing crashes, the simulator receives 0 cloud calls, no workflow runs past validation,
 * and every error names the field and the rule.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { InputValidationError, startSwitchover } from '../../client';
import { runCli } from '../../client/cli';
import { WORKFLOW_TYPES, type SwitchoverKind } from '../../domain/kinds';
import { startSimulator } from '../../simulator/server';
import { buildWorkflowBundle } from '../build-workflow-bundle';
import { pickFreePort } from '../dev-server';
import { findTemporalCli } from '../temporal-cli';
import { DevServer, spawnWorker, stopGracefully, type WorkerSlot } from './processes';
import { Prng } from './prng';

const run = promisify(execFile);
const PROJECT = 'c4a05e1f0b7d4e0c9a3f2b1d0e9c8a7b';

interface Case {
  kind: SwitchoverKind;
  input: unknown;
  /** The field the error must name (`(input)` for a non-object), or an unknown key the error must name. */
  field: string;
  what: string;
}

interface CliCase {
  argv: string[];
  /** Any of these must appear in the error (the field or the flag). */
  names: string[];
  what: string;
}

const RESOURCE_FIELD: Record<SwitchoverKind, string> = {
  dcs: 'instanceId',
  dws: 'disasterRecoveryId',
  drs: 'jobId',
};

function valid(kind: SwitchoverKind): Record<string, unknown> {
  if (kind === 'dcs') return { projectId: PROJECT, instanceId: 'redis-1', swapMode: 'sync' };
  if (kind === 'dws') return { projectId: PROJECT, disasterRecoveryId: 'dr-1', mode: 'switchover' };
  return { projectId: PROJECT, jobId: 'job-1', mode: 'source' };
}

const ODD_IDS = [
  '',
  ' ',
  '../etc/passwd',
  'a/b',
  '..',
  'id?x=1',
  'id#frag',
  '%2F',
  'http://evil.example/x',
  'іnstance-1', // Cyrillic і
  'inst\u200bance', // zero-width space
  'inst\u202eance', // right-to-left override
  'ｉｎｓｔａｎｃｅ', // full-width
  'inst ance',
  '-leading-dash',
  'x'.repeat(129),
  'y'.repeat(100_000),
  'emoji-🔥',
  'tab\tid',
  'new\nline',
  'null\u0000byte',
];
const ODD_STRINGS = ['x'.repeat(501), 'z'.repeat(200_000)];
const BAD_NUMBERS: unknown[] = [NaN, Infinity, -Infinity, -1, 0, 1e308, -0.0001, '5', '', null, true, [], {}];
const BAD_INTS: unknown[] = [0.5, 1.5, NaN, Infinity, -5, 1e12, '300', null, false];
const BAD_TIMES = [
  'tomorrow',
  '2026-13-01T00:00:00Z',
  '2026-11-24T02:00:00',
  '2026-02-30T00:00:00Z',
  '',
  '1700000000',
  '2026-11-24 02:00:00Z',
  '2026-11-24T25:00:00Z',
];
const WRONG_TYPES: unknown[] = [42, true, null, [], {}, ['a'], { id: 'x' }, 1.5];

export function generate(prng: Prng, count: number): Case[] {
  const cases: Case[] = [];
  const kinds: SwitchoverKind[] = ['dcs', 'dws', 'drs'];
  const add = (kind: SwitchoverKind, input: unknown, field: string, what: string) =>
    cases.push({ kind, input, field, what });
  while (cases.length < count) {
    const kind = prng.pick(kinds);
    const base = valid(kind);
    const resource = RESOURCE_FIELD[kind];
    const shape = prng.int(0, 13);
    switch (shape) {
      case 0: {
        const field = prng.pick(['projectId', resource]);
        add(kind, { ...base, [field]: prng.pick(ODD_IDS) }, field, `odd ${field}`);
        break;
      }
      case 1: {
        const field = prng.pick(['projectId', resource, 'reason', 'requestedBy']);
        add(kind, { ...base, [field]: prng.pick(WRONG_TYPES) }, field, `wrong type ${field}`);
        break;
      }
      case 2: {
        const required = kind === 'dcs' ? ['projectId', resource] : ['projectId', resource, 'mode'];
        const field = prng.pick(required);
        const input = { ...base };
        delete input[field];
        add(kind, input, field, `missing ${field}`);
        break;
      }
      case 3: {
        const key = prng.pick([
          'extra',
          'instance_id',
          'credentials',
          'password',
          '__proto__x',
          'Mode',
          'endpoint',
        ]);
        add(kind, { ...base, [key]: prng.pick(['x', 1, true, null]) }, key, `extra field ${key}`);
        break;
      }
      case 4: {
        const field = prng.pick(['pollIntervalSeconds', 'maxPollIntervalSeconds']);
        add(kind, { ...base, [field]: prng.pick(BAD_NUMBERS) }, field, `bad number ${field}`);
        break;
      }
      case 5: {
        const field = prng.pick(
          kind === 'dws'
            ? ['timeoutSeconds', 'approvalTimeoutSeconds', 'maxDataLossSeconds']
            : ['timeoutSeconds', 'approvalTimeoutSeconds'],
        );
        add(kind, { ...base, [field]: prng.pick(BAD_INTS) }, field, `bad integer ${field}`);
        break;
      }
      case 6:
        add(kind, { ...base, notBefore: prng.pick(BAD_TIMES) }, 'notBefore', 'bad time');
        break;
      case 7: {
        const field = prng.pick(['reason', 'requestedBy']);
        add(kind, { ...base, [field]: prng.pick(ODD_STRINGS) }, field, `huge ${field}`);
        break;
      }
      case 8: {
        const field = prng.pick(['force', 'dryRun', 'requireApproval']);
        add(
          kind,
          { ...base, [field]: prng.pick(['yes', 1, 0, 'true', null, []]) },
          field,
          `bad boolean ${field}`,
        );
        break;
      }
      case 9:
        add(kind, { ...base, force: true }, 'reason', 'force without reason');
        break;
      case 10: {
        if (kind === 'dcs')
          add(
            kind,
            { ...base, swapMode: prng.pick(['SYNC', 'fast', '', 1, null]) },
            'swapMode',
            'bad swapMode',
          );
        else
          add(
            kind,
            { ...base, mode: prng.pick(['Switchover', 'failback', 'both', '', 0, null, 'source ']) },
            'mode',
            'bad mode',
          );
        break;
      }
      case 11:
        add(kind, prng.pick([null, [], 'dcs', 42, true, [base]]), '(input)', 'not an object');
        break;
      case 12: {
        // A field with the right name in the wrong case or shape (look-alike keys).
        const key = prng.pick(['projectID', 'project_id', 'InstanceId', 'jobID', 'disaster_recovery_id']);
        add(kind, { ...base, [key]: 'x' }, key, `look-alike key ${key}`);
        break;
      }
      case 13: {
        const field = prng.pick(['pollIntervalSeconds', 'timeoutSeconds']);
        const values = field === 'timeoutSeconds' ? [0, 604_801, 1e7, -300] : [1e-9, 301, 1e7, -300];
        add(kind, { ...base, [field]: prng.pick(values) }, field, `out of range ${field}`);
        break;
      }
    }
  }
  return cases;
}

/** An error names the field and the rule: `field: <a sentence with a rule>` (or the unknown key). */
function namesFieldAndRule(message: string, field: string): boolean {
  if (!message.includes(field)) return false;
  return /must|required|unknown field|expected|invalid|not /i.test(message);
}

const FLAG_OF: Record<string, string> = {
  projectId: 'project',
  instanceId: 'instance',
  disasterRecoveryId: 'dr',
  jobId: 'job',
  swapMode: 'swap-mode',
  mode: 'mode',
  maxDataLossSeconds: 'max-data-loss',
  pollIntervalSeconds: 'poll-interval',
  maxPollIntervalSeconds: 'max-poll-interval',
  timeoutSeconds: 'timeout',
  approvalTimeoutSeconds: 'approval-timeout',
  notBefore: 'at',
  reason: 'reason',
  requestedBy: 'requested-by',
};

function generateCli(prng: Prng, count: number): CliCase[] {
  const cases: CliCase[] = [];
  const kinds: SwitchoverKind[] = ['dcs', 'dws', 'drs'];
  while (cases.length < count) {
    const kind = prng.pick(kinds);
    const base = valid(kind);
    const args: Record<string, string> = {};
    for (const [k, v] of Object.entries(base)) args[FLAG_OF[k]!] = String(v);
    const shape = prng.int(0, 6);
    let names: string[] = [];
    let what = '';
    let extra: string[] = [];
    if (shape === 0) {
      const field = prng.pick(['projectId', RESOURCE_FIELD[kind]]);
      args[FLAG_OF[field]!] = prng.pick(ODD_IDS.filter((s) => !s.includes('\u0000')));
      names = [field, `--${FLAG_OF[field]}`];
      what = `odd ${field}`;
    } else if (shape === 1) {
      const field = prng.pick([
        'pollIntervalSeconds',
        'maxPollIntervalSeconds',
        'timeoutSeconds',
        'approvalTimeoutSeconds',
      ]);
      args[FLAG_OF[field]!] = prng.pick([
        'NaN',
        'Infinity',
        '-1',
        '0',
        '1e999',
        'abc',
        '',
        '5m',
        '-0.01',
        '1.5.2',
      ]);
      names = [field, `--${FLAG_OF[field]}`];
      what = `bad number ${field}`;
    } else if (shape === 2) {
      args.at = prng.pick(BAD_TIMES);
      names = ['notBefore', '--at'];
      what = 'bad time';
    } else if (shape === 3) {
      const field = prng.pick(
        kind === 'dcs' ? ['projectId', 'instanceId'] : ['projectId', RESOURCE_FIELD[kind], 'mode'],
      );
      delete args[FLAG_OF[field]!];
      names = [field, `--${FLAG_OF[field]}`];
      what = `missing ${field}`;
    } else if (shape === 4) {
      const flag = prng.pick(['--bogus', '--instance-id', '--password', '--endpoint', '--Mode']);
      extra = [flag, 'x'];
      names = [flag];
      what = `unknown flag ${flag}`;
    } else if (shape === 5) {
      extra = ['--force'];
      names = ['reason'];
      what = 'force without reason';
      if (kind !== 'dws' && prng.chance(0.5)) extra = ['--force'];
    } else {
      const field = kind === 'dcs' ? 'swapMode' : 'mode';
      args[FLAG_OF[field]!] = prng.pick(['SYNC', 'x', '', 'failback']);
      names = [field, `--${FLAG_OF[field]}`];
      what = `bad ${field}`;
    }
    const argv = [kind, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]), ...extra];
    cases.push({ argv, names, what });
  }
  return cases;
}

/** The message of a failed workflow task in the history (a workflow code crash), if any. */
async function workflowTaskFailure(handle: {
  fetchHistory(): Promise<{ events?: unknown[] | null }>;
}): Promise<string | undefined> {
  const history = await handle.fetchHistory().catch(() => undefined);
  for (const event of (history?.events ?? []) as Array<{
    workflowTaskFailedEventAttributes?: { failure?: { message?: string | null } | null } | null;
  }>) {
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed) return `workflow task failed: ${failed.failure?.message ?? 'no message'}`;
  }
  return undefined;
}

async function captureCli(argv: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const original = { log: console.log, error: console.error };
  console.log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  console.error = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  try {
    const code = await runCli(argv);
    return { code, text: lines.join('\n') };
  } finally {
    console.log = original.log;
    console.error = original.error;
  }
}

export async function runBadInput(o: {
  seed: number;
  count: number;
  verbose: boolean;
}): Promise<{ ok: boolean; report: string }> {
  const started = Date.now();
  const prng = new Prng(o.seed);
  const dir = mkdtempSync(path.join(os.tmpdir(), `chaos-bad-input-${o.seed}-`));
  const problems: string[] = [];
  const sim = await startSimulator({ quiet: true });
  const dev = new DevServer(await pickFreePort(), path.join(dir, 'temporal.db'));
  await dev.start();
  const connection = await Connection.connect({ address: dev.address });
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = `bad-input-${o.seed}`;
  const typedQueue = `bad-input-typed-${o.seed}`;
  const { file: bundle } = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
  const slot: WorkerSlot = { slot: 0, log: '', starts: 0 };
  const env = {
    TEMPORAL_ADDRESS: dev.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    SWITCHOVER_CLOUD: 'simulator',
    SWITCHOVER_SIMULATOR_URL: sim.url,
    SWITCHOVER_AUTH_TOKEN: 'sim-token',
    SWITCHOVER_AUDIT_FILE: path.join(dir, 'audit.jsonl'),
    SWITCHOVER_WORKFLOW_BUNDLE: bundle,
  };
  const worker = spawnWorker(slot, env);
  while (!slot.log.includes('polling task queue')) {
    if (worker.exitCode !== null) throw new Error(`worker exited:\n${slot.log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  const cases = generate(prng.fork('inputs'), o.count);
  const cliCases = generateCli(prng.fork('cli'), o.count);
  const fig = {
    typed: 0,
    typedOk: 0,
    cli: 0,
    cliOk: 0,
    cliProcess: 0,
    cliProcessOk: 0,
    byType: 0,
    byTypeOk: 0,
    temporalCli: 0,
    temporalCliOk: 0,
    crashes: 0,
  };
  const problem = (channel: string, what: string, detail: string) => {
    if (problems.length < 10_000) problems.push(`${channel}: ${what}: ${detail.slice(0, 300)}`);
  };

  // 1. The typed client: refuses before contacting Temporal (task queue nobody polls; none may start).
  for (const c of cases) {
    fig.typed += 1;
    try {
      await startSwitchover(client, c.kind, c.input, { taskQueue: typedQueue });
      problem('typed client', c.what, 'accepted an invalid input');
    } catch (error) {
      if (!(error instanceof InputValidationError)) {
        fig.crashes += 1;
        problem('typed client', c.what, `not an InputValidationError: ${String(error)}`);
      } else if (!namesFieldAndRule(error.message, c.field)) {
        problem('typed client', c.what, `error does not name '${c.field}' and a rule: ${error.message}`);
      } else fig.typedOk += 1;
    }
  }

  console.log(`bad-input: typed client done (${fig.typed}); CLI next`);
  // 2. The CLI, in-process (argv → exit code 2 and a message naming the field or flag).
  process.env.TEMPORAL_ADDRESS = dev.address;
  process.env.TEMPORAL_TASK_QUEUE = typedQueue;
  for (const c of cliCases) {
    fig.cli += 1;
    try {
      const { code, text } = await captureCli(c.argv);
      const head = text.split('\n\n')[0] ?? '';
      if (code !== 2) problem('cli', c.what, `exit ${code}: ${head}`);
      else if (!c.names.some((n) => head.includes(n)))
        problem('cli', c.what, `does not name ${c.names.join('/')}: ${head}`);
      else fig.cliOk += 1;
    } catch (error) {
      fig.crashes += 1;
      problem('cli', c.what, `threw: ${String(error)}`);
    }
  }
  // ... and a sample as real processes (`node bin/switchover.js`), as an operator runs it.
  const root = path.resolve(__dirname, '..', '..');
  for (const c of cliCases.slice(0, Math.min(20, cliCases.length))) {
    fig.cliProcess += 1;
    const result = await run(process.execPath, [path.join(root, 'bin', 'switchover.js'), ...c.argv], {
      env: { ...process.env, TEMPORAL_ADDRESS: dev.address, TEMPORAL_TASK_QUEUE: typedQueue },
      maxBuffer: 10 * 1024 * 1024,
    }).then(
      () => ({ code: 0, text: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, text: error.stderr ?? '' }),
    );
    const head = result.text.split('\n\n')[0] ?? '';
    if (result.code !== 2) problem('cli process', c.what, `exit ${result.code}: ${head}`);
    else if (!c.names.some((n) => head.includes(n)))
      problem('cli process', c.what, `does not name ${c.names.join('/')}: ${head}`);
    else fig.cliProcessOk += 1;
  }

  console.log(`bad-input: CLI done (${fig.cli} in-process, ${fig.cliProcess} processes); by type name next`);
  // 3. By type name, no client-side validation: the workflow must refuse (INVALID_INPUT naming the field)
  //    before any cloud call. Mostly through the SDK client, a sample through the plain `temporal` CLI.
  const jsonable = cases.filter((c) => {
    try {
      return JSON.stringify(c.input) !== undefined && JSON.stringify(c.input).length < 1_000_000;
    } catch {
      return false;
    }
  });
  const byTypeIds: Array<{ id: string; c: Case }> = [];
  let next = 0;
  const startOne = async (c: Case, i: number) => {
    const id = `bad-input-${o.seed}-${i}`;
    await client.workflow.start(WORKFLOW_TYPES[c.kind], { workflowId: id, taskQueue, args: [c.input] });
    byTypeIds.push({ id, c });
  };
  const temporalCli = await findTemporalCli({ install: false });
  const cliSample = Math.min(100, Math.floor(jsonable.length / 10));
  for (let i = 0; i < cliSample; i++) {
    const c = jsonable[i]!;
    const id = `bad-input-${o.seed}-${i}`;
    fig.temporalCli += 1;
    // A file, not argv: a 200 000-character reason does not fit in a command line (E2BIG).
    const inputFile = path.join(dir, `input-${i}.json`);
    await fs.writeFile(inputFile, JSON.stringify(c.input));
    try {
      await run(temporalCli, [
        'workflow',
        'start',
        '--address',
        dev.address,
        '--task-queue',
        taskQueue,
        '--type',
        WORKFLOW_TYPES[c.kind],
        '--workflow-id',
        id,
        '--input-file',
        inputFile,
      ]);
      byTypeIds.push({ id, c });
      fig.temporalCliOk += 1;
    } catch (error) {
      problem('temporal cli', c.what, `could not start: ${String(error)}`);
    }
  }
  next = cliSample;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < jsonable.length) {
        const i = next++;
        await startOne(jsonable[i]!, i).catch((error: unknown) =>
          problem('by type name', jsonable[i]!.what, `could not start: ${String(error)}`),
        );
      }
    }),
  );
  next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < byTypeIds.length) {
        const { id, c } = byTypeIds[next++]!;
        fig.byType += 1;
        const handle = client.workflow.getHandle(id);
        const result = handle.result().then(
          () => 'completed',
          (error: unknown) => error,
        );
        const within = (ms: number) =>
          Promise.race([result, new Promise((resolve) => setTimeout(() => resolve('timeout'), ms))]);
        let outcome = await within(60_000);
        if (outcome === 'timeout') {
          // Slow (a busy machine) or crashing (the workflow task fails and is retried forever)? The history says.
          const failedTask = await workflowTaskFailure(handle);
          if (failedTask === undefined) outcome = await within(120_000);
          if (failedTask !== undefined || outcome === 'timeout') {
            fig.crashes += 1;
            const shown = JSON.stringify(c.input).slice(0, 200);
            const why = failedTask ?? 'no workflow task failure, still running after 180 s';
            problem('by type name', c.what, `${id} ${shown} did not end: ${why}`);
            await handle.terminate('bad-input fuzz: stuck').catch(() => undefined);
            continue;
          }
        }
        if (outcome === 'completed') {
          problem('by type name', c.what, `${id} completed although its input is invalid`);
        } else if (outcome instanceof WorkflowFailedError) {
          const cause = outcome.cause as { type?: string; message?: string } | undefined;
          const message = cause?.message ?? '';
          const expected = c.field;
          if (cause?.type !== 'InvalidSwitchoverInput')
            problem('by type name', c.what, `${id} failed with ${cause?.type}: ${message}`);
          else if (!namesFieldAndRule(message, expected))
            problem('by type name', c.what, `does not name '${expected}': ${message}`);
          else fig.byTypeOk += 1;
        } else {
          problem('by type name', c.what, `${id}: ${String(outcome)}`);
        }
      }
    }),
  );

  const cloudCalls = sim.control.requests({}).length;
  const typedStarted = await client.workflow
    .count(`TaskQueue = '${typedQueue}'`)
    .then((r) => r.count)
    .catch(() => -1);
  const workerAlive = worker.exitCode === null && worker.signalCode === null;
  await stopGracefully(worker, 5000);
  await connection.close().catch(() => undefined);
  await dev.stop().catch(() => undefined);
  await sim.close();
  await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);

  if (cloudCalls !== 0) problems.push(`the simulator received ${cloudCalls} cloud call(s)`);
  if (typedStarted !== 0)
    problems.push(`${typedStarted} workflow(s) started from the typed client or the CLI`);
  if (!workerAlive) problems.push('the worker process died');

  const rows: Array<[string, string | number]> = [
    ['seed', o.seed],
    ['typed client: inputs / refused naming field+rule', `${fig.typed} / ${fig.typedOk}`],
    ['CLI in-process: argv / exit 2 naming field', `${fig.cli} / ${fig.cliOk}`],
    [
      'CLI processes (bin/switchover.js): argv / exit 2 naming field',
      `${fig.cliProcess} / ${fig.cliProcessOk}`,
    ],
    [
      'by type name: workflows / failed InvalidSwitchoverInput naming field',
      `${fig.byType} / ${fig.byTypeOk}`,
    ],
    ['  of which started through the temporal CLI', `${fig.temporalCli} (${fig.temporalCliOk} started)`],
    ['crashes (wrong error type, stuck workflow)', fig.crashes],
    ['cloud calls (simulator request log)', cloudCalls],
    ['workflows started by the typed client / CLI', typedStarted],
    ['worker alive at the end', String(workerAlive)],
    ['wall time', `${Math.round((Date.now() - started) / 1000)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['', '=== bad-input figures ===', ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)];
  if (problems.length) {
    lines.push(
      '',
      `PROBLEMS (${problems.length}); reproduce with --bad-input --seed ${o.seed} --count ${o.count}:`,
    );
    for (const p of problems.slice(0, 40)) lines.push(`  - ${p}`);
  } else lines.push('', 'all bad inputs refused cleanly');
  return { ok: problems.length === 0, report: lines.join('\n') };
}
