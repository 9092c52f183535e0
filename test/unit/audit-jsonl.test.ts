/**
 * The JSON Lines audit store on a real filesystem: exactly once per workflow run (retries, concurrent appends in
 * one process and across processes), torn last lines, stale locks, list filters, and the recordOutcome activity.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { execFile, spawnSync } from 'node:child_process';
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  createRecordActivities,
  JsonlAuditStore,
  readAuditLog,
  readAuditSettings,
  openAuditStore,
  AuditConfigError,
  type AuditAppendResult,
} from '../../activities/audit';
import { readAuditFile } from '../../activities/record';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { sampleOutcome } from '../helpers/outcomes';

const run = promisify(execFile);
/** Activity logs only at ERROR: the expected failures below would otherwise print their stack. */
const quietActivity = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const root = mkdtempSync(path.join(os.tmpdir(), 'audit-jsonl-'));
let fileCounter = 0;
const freshFile = () => path.join(root, `case-${++fileCounter}`, 'audit.jsonl');
const lines = async (file: string) => (await fs.readFile(file, 'utf8')).split('\n').filter((l) => l !== '');

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('JsonlAuditStore.append', () => {
  test('stores an outcome once: a second append of the same run is already-recorded', async () => {
    const file = freshFile();
    const store = new JsonlAuditStore(file);
    const outcome = sampleOutcome();
    expect(await store.append(outcome)).toBe('written');
    expect(await store.append(outcome)).toBe('already-recorded');
    expect(await store.append({ ...outcome, message: 'a retry with other text' })).toBe('already-recorded');
    expect(await lines(file)).toHaveLength(1);
    expect(await readAuditFile(file)).toEqual([outcome]);
  });

  test('another run of the same workflow ID is a record of its own', async () => {
    const store = new JsonlAuditStore(freshFile());
    const first = sampleOutcome();
    const second = { ...first, runId: `${first.runId}-continued` };
    expect(await store.append(first)).toBe('written');
    expect(await store.append(second)).toBe('written');
    expect(await store.list()).toHaveLength(2);
  });

  test('concurrent appends of the same outcome in one process write it once', async () => {
    const file = freshFile();
    const store = new JsonlAuditStore(file);
    const other = new JsonlAuditStore(file); // a second store on the same file: only the lock file serializes
    const outcome = sampleOutcome();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).append(outcome)),
    );
    expect(results.filter((r) => r === 'written')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-recorded')).toHaveLength(19);
    expect(await lines(file)).toHaveLength(1);
    await expect(fs.access(`${file}.lock`)).rejects.toThrow();
  });

  test('worker processes sharing one file write each run once, with no torn or interleaved lines', async () => {
    const file = freshFile();
    const shared = Array.from({ length: 5 }, () => sampleOutcome());
    const processes = 4;
    const own = Array.from({ length: processes }, () => Array.from({ length: 5 }, () => sampleOutcome()));
    const outputs = await Promise.all(
      own.map((mine) =>
        run(
          process.execPath,
          [
            '--import',
            'tsx',
            path.join(__dirname, '..', 'helpers', 'audit-append.ts'),
            file,
            JSON.stringify([...shared, ...mine]),
          ],
          { cwd: path.join(__dirname, '..', '..'), timeout: 60_000 },
        ),
      ),
    );
    const results = outputs.flatMap(({ stdout }) => JSON.parse(stdout) as AuditAppendResult[]);
    expect(results.filter((r) => r === 'written')).toHaveLength(shared.length + processes * 5);
    const written = await lines(file);
    expect(written).toHaveLength(shared.length + processes * 5);
    const log = await readAuditLog(file);
    expect(log.skippedLines).toBe(0);
    const keys = log.outcomes.map((o) => `${o.workflowId}/${o.runId}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual([...shared, ...own.flat()].map((o) => `${o.workflowId}/${o.runId}`).sort());
  }, 90_000);

  test('the record is on disk when append resolves (a fresh reader sees it), directories are created', async () => {
    const file = path.join(freshFile(), '..', 'nested', 'deeper', 'audit.jsonl');
    const outcome = sampleOutcome();
    await new JsonlAuditStore(file).append(outcome);
    expect(JSON.parse((await fs.readFile(file, 'utf8')).trim())).toEqual(outcome);
  });
});

describe('incremental reading (each store reads only what was appended since its last read)', () => {
  test('a store sees lines another writer appended after its last read, and never appends a run twice', async () => {
    const file = freshFile();
    const [a, b] = [new JsonlAuditStore(file), new JsonlAuditStore(file)];
    const first = sampleOutcome();
    await a.append(first);
    expect(await b.list()).toEqual([first]);
    const second = sampleOutcome();
    await a.append(second);
    // b read the file before `second` was written: its next read picks up the new line.
    expect(await b.append(second)).toBe('already-recorded');
    expect((await b.list()).map((o) => o.runId).sort()).toEqual([first.runId, second.runId].sort());
    expect(await lines(file)).toHaveLength(2);
  });

  test('a file replaced or cut shorter is read again from the start', async () => {
    const file = freshFile();
    const store = new JsonlAuditStore(file);
    const [one, two] = [sampleOutcome(), sampleOutcome()];
    await store.append(one);
    await store.append(two);
    expect(await store.list()).toHaveLength(2);
    // Rotated: a new file (another inode) with one record of its own.
    const other = sampleOutcome();
    await fs.writeFile(`${file}.new`, `${JSON.stringify(other)}\n`);
    await fs.rename(`${file}.new`, file);
    expect(await store.list()).toEqual([other]);
    expect(await store.append(one)).toBe('written');
    // Cut shorter in place (same inode): read again, not from the old offset.
    await fs.truncate(file, 0);
    expect(await store.list()).toEqual([]);
    expect(await store.append(two)).toBe('written');
    expect(await store.list()).toEqual([two]);
  });
});

describe('crash tolerance', () => {
  test('a torn last line is skipped by readers, and the next append starts on a line of its own', async () => {
    const file = freshFile();
    const store = new JsonlAuditStore(file);
    const before = sampleOutcome();
    await store.append(before);
    const torn = sampleOutcome();
    // A worker killed mid-write: half a record, no newline.
    await fs.appendFile(file, JSON.stringify(torn).slice(0, 60));
    expect(await store.list()).toEqual([before]);
    expect((await readAuditLog(file)).skippedLines).toBe(1);

    // The retried activity writes the torn outcome again, in full, on a new line.
    expect(await store.append(torn)).toBe('written');
    const text = await fs.readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')[2]).toBe(JSON.stringify(torn));
    expect((await store.list()).map((o) => o.runId).sort()).toEqual([before.runId, torn.runId].sort());
    expect(await store.append(torn)).toBe('already-recorded');
  });

  test('lines that are not records (garbage, wrong shape, blank) are skipped, not fatal', async () => {
    const file = freshFile();
    const good = sampleOutcome();
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, ['{not json', '{"kind":"dcs"}', '', '   ', JSON.stringify(good), ''].join('\n'));
    const log = await readAuditLog(file);
    expect(log.outcomes).toEqual([good]);
    expect(log.skippedLines).toBe(2);
  });

  test('a lock left by a dead process is broken at once', async () => {
    const file = freshFile();
    await fs.mkdir(path.dirname(file), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    await fs.writeFile(`${file}.lock`, JSON.stringify({ pid: dead, host: os.hostname(), token: 'x' }));
    const store = new JsonlAuditStore(file, { lockTimeoutMs: 2_000 });
    expect(await store.append(sampleOutcome())).toBe('written');
    await expect(fs.access(`${file}.lock`)).rejects.toThrow();
  });

  test('a lock held by a live writer makes append wait, then fail (the activity retries) - unless it is stale', async () => {
    const file = freshFile();
    await fs.mkdir(path.dirname(file), { recursive: true });
    const lock = `${file}.lock`;
    await fs.writeFile(
      lock,
      JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'someone-else' }),
    );
    const patient = new JsonlAuditStore(file, { lockTimeoutMs: 300, staleLockMs: 60_000 });
    await expect(patient.append(sampleOutcome())).rejects.toThrow(/locked by another writer/);
    expect(await fs.readFile(lock, 'utf8')).toContain('someone-else');

    // The same lock, untouched for longer than staleLockMs (a hung writer, or one on another host).
    const old = new Date(Date.now() - 120_000);
    await fs.utimes(lock, old, old);
    expect(await patient.append(sampleOutcome())).toBe('written');
  });

  test('a lock released while waiting lets the append through', async () => {
    const file = freshFile();
    await fs.mkdir(path.dirname(file), { recursive: true });
    const lock = `${file}.lock`;
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'brief' }));
    setTimeout(() => void fs.unlink(lock), 150);
    expect(await new JsonlAuditStore(file, { lockTimeoutMs: 5_000 }).append(sampleOutcome())).toBe('written');
  });
});

describe('JsonlAuditStore.list', () => {
  const file = freshFile();
  const store = new JsonlAuditStore(file);
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
  const records: SwitchoverOutcome[] = [
    sampleOutcome({ kind: 'dcs', resourceId: 'redis-a', finishedAt: at(1) }),
    sampleOutcome({ kind: 'dws', resourceId: 'dws-b', finishedAt: at(2), status: 'failed' }),
    sampleOutcome({ kind: 'dcs', resourceId: 'redis-a', finishedAt: at(5) }),
    sampleOutcome({ kind: 'drs', resourceId: 'drs-c', finishedAt: at(3), status: 'unknown' }),
  ];
  beforeAll(async () => {
    for (const record of records) await store.append(record);
  });

  test('lists everything, most recently finished first', async () => {
    expect((await store.list()).map((o) => o.finishedAt)).toEqual([at(5), at(3), at(2), at(1)]);
  });

  test('filters by resource, kind and since, and limits to the most recent', async () => {
    expect((await store.list({ resource: 'redis-a' })).map((o) => o.finishedAt)).toEqual([at(5), at(1)]);
    expect((await store.list({ kind: 'dws' })).map((o) => o.resourceId)).toEqual(['dws-b']);
    expect((await store.list({ since: new Date(at(2)) })).map((o) => o.finishedAt)).toEqual([
      at(5),
      at(3),
      at(2),
    ]);
    expect((await store.list({ limit: 2 })).map((o) => o.finishedAt)).toEqual([at(5), at(3)]);
    expect(await store.list({ resource: 'redis-a', kind: 'dws' })).toEqual([]);
    expect(await store.list({ resource: 'redis-a', since: new Date(at(2)), limit: 5 })).toEqual([records[2]]);
  });

  test('a missing file is an empty trail', async () => {
    expect(await new JsonlAuditStore(path.join(root, 'nowhere', 'audit.jsonl')).list()).toEqual([]);
  });
});

describe('recordOutcome activity', () => {
  test('returns written, then already-recorded on a retry; metrics hear both', async () => {
    const store = new JsonlAuditStore(freshFile());
    const heard: AuditAppendResult[] = [];
    const { recordOutcome } = createRecordActivities({
      audit: store,
      onRecorded: (_outcome, result) => heard.push(result),
    });
    const env = quietActivity();
    const outcome = sampleOutcome();
    expect(await env.run(recordOutcome, outcome)).toBe('written');
    expect(await env.run(recordOutcome, outcome)).toBe('already-recorded');
    expect(heard).toEqual(['written', 'already-recorded']);
    expect(await store.list()).toEqual([outcome]);
  });

  test('an outcome without its run identity fails without retries', async () => {
    const { recordOutcome } = createRecordActivities({ audit: new JsonlAuditStore(freshFile()) });
    const error = await quietActivity()
      .run(recordOutcome, { ...sampleOutcome(), runId: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toMatch(/invalid runId/);
  });
});

describe('audit settings', () => {
  test('default: the JSON Lines file .data/audit.jsonl', () => {
    expect(readAuditSettings({})).toEqual({ backend: 'jsonl', file: path.join('.data', 'audit.jsonl') });
    const store = openAuditStore(readAuditSettings({ SWITCHOVER_AUDIT_FILE: '/var/lib/switchover/a.jsonl' }));
    expect(store.describe()).toBe('jsonl /var/lib/switchover/a.jsonl');
  });

  test('postgres needs a postgres:// URL, and never shows its password', () => {
    expect(() => readAuditSettings({ SWITCHOVER_AUDIT_BACKEND: 'postgres' })).toThrow(
      /SWITCHOVER_AUDIT_DATABASE_URL is missing/,
    );
    expect(() => readAuditSettings({ SWITCHOVER_AUDIT_BACKEND: 'sqlite' })).toThrow(AuditConfigError);
    const bad = 'mysql://u:hunter2@db/x';
    let message = '';
    try {
      readAuditSettings({ SWITCHOVER_AUDIT_BACKEND: 'postgres', SWITCHOVER_AUDIT_DATABASE_URL: bad });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(message).not.toContain('hunter2');

    const settings = readAuditSettings({
      SWITCHOVER_AUDIT_BACKEND: 'postgres',
      SWITCHOVER_AUDIT_DATABASE_URL: 'postgres://audit:hunter2@db.internal:5432/ops?sslmode=require',
    });
    expect(JSON.stringify(settings)).not.toContain('hunter2');
    expect(settings).toMatchObject({ backend: 'postgres', target: 'postgres://audit@db.internal:5432/ops' });
  });
});
