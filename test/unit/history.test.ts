/** `switchover history` support: reading the JSON Lines trail, --since parsing, the table and JSON output. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonlAuditStore } from '../../activities/audit';
import {
  formatHistory,
  HistoryError,
  historyOptionsFromEnv,
  parseSince,
  readHistory,
} from '../../client/history';
import { sampleOutcome } from '../helpers/outcomes';

const dir = mkdtempSync(path.join(os.tmpdir(), 'history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (hour: number) => new Date(Date.UTC(2026, 4, 20, hour, 0, 3)).toISOString();

describe('readHistory (jsonl)', () => {
  const file = path.join(dir, 'audit.jsonl');
  const a1 = sampleOutcome({ resourceId: 'redis-a', finishedAt: at(8) });
  const b = sampleOutcome({ kind: 'dws', resourceId: 'dws-b', finishedAt: at(9), status: 'failed' });
  const a2 = sampleOutcome({ resourceId: 'redis-a', finishedAt: at(10), status: 'unknown' });
  beforeAll(async () => {
    const store = new JsonlAuditStore(file);
    for (const outcome of [a1, b, a2]) await store.append(outcome);
  });

  test('all outcomes, most recent first; filtered by resource and since', async () => {
    expect(await readHistory({ backend: 'jsonl', file })).toEqual([a2, b, a1]);
    expect(await readHistory({ backend: 'jsonl', file, resource: 'redis-a' })).toEqual([a2, a1]);
    expect(await readHistory({ backend: 'jsonl', file, since: new Date(at(9)) })).toEqual([a2, b]);
    expect(
      await readHistory({ backend: 'jsonl', file, resource: 'redis-a', since: new Date(at(9)) }),
    ).toEqual([a2]);
    expect(await readHistory({ backend: 'jsonl', file, kind: 'dws', json: true })).toEqual([b]);
    expect(await readHistory({ backend: 'jsonl', file, limit: 1 })).toEqual([a2]);
  });

  test('no file yet: no history, no error', async () => {
    expect(await readHistory({ backend: 'jsonl', file: path.join(dir, 'none.jsonl') })).toEqual([]);
  });

  test('options from the same variables as the worker', () => {
    expect(historyOptionsFromEnv({})).toEqual({ backend: 'jsonl', file: path.join('.data', 'audit.jsonl') });
    expect(
      historyOptionsFromEnv({
        SWITCHOVER_AUDIT_BACKEND: 'postgres',
        SWITCHOVER_AUDIT_DATABASE_URL: 'postgres://u:p@db/x',
      }),
    ).toEqual({ backend: 'postgres', databaseUrl: 'postgres://u:p@db/x' });
    expect(() => historyOptionsFromEnv({ SWITCHOVER_AUDIT_BACKEND: 'postgres' })).toThrow(HistoryError);
    expect(readHistory({ backend: 'postgres' })).rejects.toThrow(/SWITCHOVER_AUDIT_DATABASE_URL/);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-05-20T12:00:00Z');
  test.each([
    ['30m', '2026-05-20T11:30:00.000Z'],
    ['24h', '2026-05-19T12:00:00.000Z'],
    ['7d', '2026-05-13T12:00:00.000Z'],
    ['2w', '2026-05-06T12:00:00.000Z'],
    ['1.5h', '2026-05-20T10:30:00.000Z'],
    ['2026-05-01', '2026-05-01T00:00:00.000Z'],
    ['2026-05-01T08:15:00Z', '2026-05-01T08:15:00.000Z'],
    ['2026-05-01T10:15+02:00', '2026-05-01T08:15:00.000Z'],
    ['2026-05-01 08:15:00Z', '2026-05-01T08:15:00.000Z'],
  ])('%s', (text, expected) => {
    expect(parseSince(text, now).toISOString()).toBe(expected);
  });

  test.each(['yesterday', '5x', '', '2026-13-45', '-3h'])('refuses %j, saying what works', (text) => {
    expect(() => parseSince(text, now)).toThrow(/use an age \(30m, 24h, 7d, 2w\), a date/);
  });
});

describe('formatHistory', () => {
  test('a table: finished, kind, resource, outcome, requested by, reason, workflow id', () => {
    const outcomes = [
      sampleOutcome({ resourceId: 'redis-a', finishedAt: at(10), requestedBy: 'alice', reason: 'patching' }),
      sampleOutcome({
        kind: 'dws',
        resourceId: 'dws-cluster-b',
        finishedAt: at(9),
        status: 'failed',
        requestedBy: undefined,
        reason: undefined,
      }),
    ];
    const lines = formatHistory(outcomes).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^FINISHED\s+KIND\s+RESOURCE\s+OUTCOME\s+REQUESTED BY\s+REASON\s+WORKFLOW ID$/);
    expect(lines[1]).toMatch(
      new RegExp(`^2026-05-20 10:00:03Z\\s+dcs\\s+redis-a\\s+succeeded\\s+alice\\s+patching\\s+dcs:`),
    );
    expect(lines[1]!.endsWith(outcomes[0]!.workflowId)).toBe(true);
    expect(lines[2]).toMatch(/^2026-05-20 09:00:03Z\s+dws\s+dws-cluster-b\s+failed\s+-\s+-\s+dws:/);
    // Columns line up.
    expect(lines[1]!.indexOf('redis-a')).toBe(lines[0]!.indexOf('RESOURCE'));
    expect(lines[2]!.indexOf('failed')).toBe(lines[0]!.indexOf('OUTCOME'));
  });

  test('recorded text cannot break the table or the terminal (newlines, escapes), long reasons are cut', () => {
    const [line] = formatHistory([
      sampleOutcome({
        reason: `line one\nline two \u001b[31mred\u001b[0m ${'x'.repeat(80)}`,
        requestedBy: 'bob\r',
      }),
    ])
      .trimEnd()
      .split('\n')
      .slice(1);
    for (const control of ['\n', '\r', '\u001b']) expect(line).not.toContain(control);
    expect(line).toContain('line one line two [31mred [0m');
    expect(line).toMatch(/x…\s/);
  });

  test('nothing recorded says so; --json gives the outcomes whole', () => {
    expect(formatHistory([])).toBe('no switchovers recorded (for this filter)\n');
    const outcome = sampleOutcome();
    expect(JSON.parse(formatHistory([outcome], { json: true }))).toEqual([outcome]);
  });
});
