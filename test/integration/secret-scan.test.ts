/**
 * Secrets never leave the worker: real switchovers of every kind (DCS, DWS, DRS) and outcome (succeeded, failed,
 * rejected), with IAM password and with AK/SK credentials whose values are distinctive strings, plus failed
 * authentications (wrong password, IAM unreachable). Then everything Temporal, the audit store and the worker
 * kept is scanned: every workflow's full history (payloads decoded), describe() (search attributes, memo, static
 * summary and details), the outcome, the progress query, the audit records, the simulator's request log, and
 * every line the worker logged (Runtime logger, native logs forwarded to it, console and stderr).
 *
 * The worker talks to a simulator this file starts with the distinctive credentials (its endpoints come in
 * through workerEnv); the helper's own simulator stays unused.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogEntry } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { awaitOutcome, type SwitchoverOutcome } from '../../client';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

const tag = randomBytes(6).toString('hex');
const USER = { name: 'scan-operator', domain: 'scan-domain', password: `S3cr3t-PASSWORD-${tag}` };
const WRONG_PASSWORD = `Wr0ng-PASSWORD-${tag}`;
const ACCESS_KEY = 'SCANACCESSKEY0000001';
const SECRET_KEY = `S3cr3t-SK-${tag}-do-not-leak`;
/** Every token the simulator issues looks like this. */
const ISSUED_TOKEN = /sim-iam-[0-9a-f]{48}/;
const SECRETS = [USER.password, WRONG_PASSWORD, SECRET_KEY];

type Kind = 'dcs' | 'dws' | 'drs';
type Expected = 'succeeded' | 'failed' | 'rejected';

// ---- what the worker logs ----

const logLines: string[] = [];
function captureLog(entry: LogEntry): void {
  // As a JSON log shipper and as DefaultLogger (util.inspect of meta) would write it: both views are scanned.
  logLines.push(
    `${entry.level} ${entry.message} ${inspect(entry.meta, { depth: 12 })} ${safeJson(entry.meta)}`,
  );
}
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
  } catch {
    return '';
  }
}

/** Every string in a value, bytes decoded (history payloads, memo, search attributes are bytes). */
function textsOf(value: unknown, out: string[] = [], seen = new Set<object>()): string[] {
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    out.push(String(value));
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'object') {
    if (seen.has(value)) return out;
    seen.add(value);
    for (const item of Object.values(value)) textsOf(item, out, seen);
  }
  return out;
}

// ---- the world ----

let cloud: RunningSimulator;
const envs: SwitchoverTestEnv[] = [];
const restoreOutput: Array<() => void> = [];

interface Evidence {
  label: string;
  outcome: SwitchoverOutcome;
  corpus: string;
}
const evidence: Evidence[] = [];

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function endpointsOf(url: string): Record<string, string> {
  return {
    SWITCHOVER_DCS_ENDPOINT: url,
    SWITCHOVER_DWS_ENDPOINT: url,
    SWITCHOVER_DRS_ENDPOINT: url,
    SWITCHOVER_IAM_ENDPOINT: url,
  };
}

const iamEnv = (password: string): Record<string, string> => ({
  SWITCHOVER_AUTH_MODE: 'iam',
  SWITCHOVER_IAM_USER: USER.name,
  SWITCHOVER_IAM_PASSWORD: password,
  SWITCHOVER_IAM_DOMAIN: USER.domain,
  SWITCHOVER_IAM_PROJECT_ID: PROJECT,
});
const akskEnv: Record<string, string> = {
  SWITCHOVER_AUTH_MODE: 'huaweicloud-aksk',
  HUAWEICLOUD_SDK_AK: ACCESS_KEY,
  HUAWEICLOUD_SDK_SK: SECRET_KEY,
  HUAWEICLOUD_SDK_PROJECT_ID: PROJECT,
};

/** Seeds a resource that ends as `expected` and returns the switchover input. */
function seed(kind: Kind, expected: Expected): Record<string, unknown> {
  const id = uniqueId(`scan-${kind}-${expected}`);
  const common = { projectId: PROJECT, reason: `secret scan ${expected}`, requestedBy: 'scan', ...FAST };
  switch (kind) {
    case 'dcs':
      cloud.control.createDcsInstance({
        projectId: PROJECT,
        instanceId: id,
        ...(expected === 'failed'
          ? { swapBehaviour: { initMs: 100, runMs: 300, result: 'FAIL', failReason: 'standby not ready' } }
          : expected === 'rejected'
            ? { cacheMode: 'single' }
            : {}),
      });
      return { ...common, instanceId: id };
    case 'dws':
      cloud.control.createDwsDisasterRecovery({
        projectId: PROJECT,
        drId: id,
        behaviour: { switchMs: 300, ...(expected === 'failed' ? { result: 'FAIL' } : {}) },
        ...(expected === 'rejected' ? { productionFaulty: true } : {}),
      });
      return { ...common, disasterRecoveryId: id, mode: 'switchover' };
    case 'drs':
      cloud.control.createDrsJob({
        projectId: PROJECT,
        jobId: id,
        behaviour: {
          switchMs: 300,
          ...(expected === 'failed'
            ? { result: 'FAIL', failCode: 'DRS.M05004', failMessage: 'VIP not bound' }
            : {}),
        },
        ...(expected === 'rejected' ? { status: 'INCRE_TRANSFER_FAILED' } : {}),
      });
      return { ...common, jobId: id, mode: 'target' };
  }
}

/** Runs one switchover and gathers everything that was kept about it. */
async function runAndCollect(
  env: SwitchoverTestEnv,
  label: string,
  kind: Kind,
  input: Record<string, unknown>,
): Promise<void> {
  const handle: WorkflowHandle = await env.start(kind, input);
  const outcome = await awaitOutcome(handle);
  const history = await handle.fetchHistory();
  const description = await handle.describe();
  const parts = [
    historyToJSON(history),
    ...textsOf(history),
    ...textsOf(description.raw),
    safeJson({
      searchAttributes: description.searchAttributes,
      typedSearchAttributes: description.typedSearchAttributes,
      memo: description.memo,
    }),
    (await description.staticSummary()) ?? '',
    (await description.staticDetails()) ?? '',
    safeJson(outcome),
    safeJson(await handle.query('progress')),
  ];
  evidence.push({ label: `${label} ${kind} ${outcome.status}`, outcome, corpus: parts.join('\n') });
}

function leaksIn(text: string): string[] {
  const found = SECRETS.filter((secret) => text.includes(secret));
  if (ISSUED_TOKEN.test(text)) found.push('an issued IAM token');
  return found;
}

beforeAll(async () => {
  // The Runtime is per test file (jest module registry); installing ours first makes the helper keep it.
  Runtime.install({
    logger: new DefaultLogger('TRACE', captureLog),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'INFO', other: 'INFO' }), forward: {} },
    },
  });
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logLines.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restoreOutput.push(() => (stream.write = original as typeof stream.write));
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logLines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 12 }))).join(' '));
    });
    restoreOutput.push(() => spy.mockRestore());
  }

  cloud = await startSimulator({
    quiet: false, // its own request lines go to the console too, and are scanned
    users: [USER],
    accessKeys: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
    staticTokens: [],
  });
  const at = endpointsOf(cloud.url);
  const iam = await createSwitchoverTestEnv({ workerEnv: { ...at, ...iamEnv(USER.password) } });
  envs.push(iam);
  const aksk = await createSwitchoverTestEnv({ workerEnv: { ...at, ...akskEnv } });
  envs.push(aksk);
  const wrongPassword = await createSwitchoverTestEnv({ workerEnv: { ...at, ...iamEnv(WRONG_PASSWORD) } });
  envs.push(wrongPassword);
  const unreachable = await createSwitchoverTestEnv({
    workerEnv: {
      ...at,
      ...iamEnv(USER.password),
      SWITCHOVER_IAM_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    },
  });
  envs.push(unreachable);

  const runs: Promise<void>[] = [];
  for (const [label, env] of [
    ['iam', iam],
    ['aksk', aksk],
  ] as const) {
    for (const kind of ['dcs', 'dws', 'drs'] as const) {
      for (const expected of ['succeeded', 'failed', 'rejected'] as const) {
        runs.push(runAndCollect(env, label, kind, seed(kind, expected)));
      }
    }
  }
  runs.push(runAndCollect(wrongPassword, 'wrong-password', 'dcs', seed('dcs', 'succeeded')));
  runs.push(runAndCollect(unreachable, 'iam-unreachable', 'drs', seed('drs', 'succeeded')));
  await Promise.all(runs);
}, 110_000);

afterAll(async () => {
  for (const env of envs) await env.close();
  await cloud?.close();
  for (const restore of restoreOutput.reverse()) restore();
});

describe('no secret leaves the worker', () => {
  test('the scanner finds a secret inside encoded payload bytes (control)', () => {
    const payload = {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from(`{"p":"${SECRET_KEY}"}`),
    };
    expect(leaksIn(textsOf({ payloads: [payload] }).join('\n'))).toEqual([SECRET_KEY]);
    expect(leaksIn(`X-Auth-Token: sim-iam-${'ab'.repeat(24)}`)).toEqual(['an issued IAM token']);
  });

  test('the switchovers ran as intended with both credential modes', () => {
    for (const label of ['iam', 'aksk']) {
      const statuses = evidence
        .filter((e) => e.label.startsWith(`${label} `))
        .map((e) => `${e.outcome.kind} ${e.outcome.status}`)
        .sort();
      expect(statuses).toEqual([
        'dcs failed',
        'dcs rejected',
        'dcs succeeded',
        'drs failed',
        'drs rejected',
        'drs succeeded',
        'dws failed',
        'dws rejected',
        'dws succeeded',
      ]);
    }
    const calls = cloud.control.requests({});
    expect(calls.some((r) => r.authMethod === 'token')).toBe(true);
    expect(calls.some((r) => r.authMethod === 'aksk')).toBe(true);
    expect(calls.some((r) => r.path === '/v3/auth/tokens' && r.status === 201)).toBe(true);
  });

  test('histories, describe (search attributes, memo, summary, details), outcomes and progress hold no secret', () => {
    expect(evidence).toHaveLength(20);
    for (const { label, corpus, outcome } of evidence) {
      expect({ label, leaks: leaksIn(corpus) }).toEqual({ label, leaks: [] });
      // the corpus is the real thing: it names the resource and the outcome
      expect(corpus).toContain(outcome.resourceId);
      expect(corpus).toContain(outcome.message);
    }
  });

  test('a failed authentication names the user but never the password, in the outcome and the history', () => {
    for (const name of ['wrong-password', 'iam-unreachable']) {
      const failed = evidence.find((e) => e.label.startsWith(`${name} `))!;
      expect(failed.outcome.status).toBe('rejected');
      expect(failed.outcome.triggered).toBe(false);
      expect(leaksIn(failed.corpus)).toEqual([]);
    }
    const wrong = evidence.find((e) => e.label.startsWith('wrong-password '))!;
    expect(wrong.outcome.message).toMatch(/HTTP 401/);
    expect(wrong.outcome.message).toContain(USER.name);
    expect(wrong.outcome.cloudError).toMatchObject({ service: 'iam', httpStatus: 401 });
    const unreachable = evidence.find((e) => e.label.startsWith('iam-unreachable '))!;
    expect(unreachable.outcome.message).toMatch(/IAM token request to .* failed \(ECONNREFUSED\)/);
    expect(wrong.corpus).toContain(wrong.outcome.message);
  });

  test('the audit records hold no secret', async () => {
    for (const env of envs) {
      const text = readFileSync(env.auditFile, 'utf8');
      expect(leaksIn(text)).toEqual([]);
      expect(leaksIn(safeJson(await env.audit.list({})))).toEqual([]);
    }
    const recorded = envs.map((env) => readFileSync(env.auditFile, 'utf8').trim().split('\n').length);
    expect(recorded).toEqual([9, 9, 1, 1]);
  });

  test("the worker's logs (including failed activities and native logs) and the simulator's request log hold no secret", () => {
    const logs = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    // failed attempts were logged with their errors, so the scan saw them
    expect(logs).toMatch(/Activity failed/);
    expect(logs).toContain('IAM refused the token request');
    expect(logs).toMatch(/IAM token request to .* failed \(ECONNREFUSED\)/);
    expect(leaksIn(logs)).toEqual([]);
    expect(leaksIn(safeJson(cloud.control.requests({})))).toEqual([]);
  });
});
