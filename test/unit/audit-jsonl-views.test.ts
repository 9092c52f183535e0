/**
 * The incremental JSON Lines audit store (AuditFileView) against the worst moments (from a red-team review): two
 * stores (two worker processes) on one file, one with a stale view, a torn last line, racing appends, a record
 * written whole but without its newline; raw lines counted, not what readers dedupe.
 */
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonlAuditStore, readAuditLog } from '../../activities/audit';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { sampleOutcome } from '../helpers/outcomes';

const root = mkdtempSync(path.join(os.tmpdir(), 'redteam-jsonl-'));
let counter = 0;
const freshFile = () => path.join(root, `case-${++counter}`, 'audit.jsonl');

/** Raw lines of the file that carry this run (readers drop repeats; the file must not have them). */
async function rawLines(file: string, outcome: SwitchoverOutcome): Promise<number> {
  const text = await fs.readFile(file, 'utf8');
  return text.split('\n').filter((line) => line.includes(`"runId":${JSON.stringify(outcome.runId)}`)).length;
}

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

test('a stale view, a torn last line and racing appends from two stores: every run once in the raw file', async () => {
  const file = freshFile();
  const [a, b] = [new JsonlAuditStore(file), new JsonlAuditStore(file)];
  const [x, y, z] = [sampleOutcome(), sampleOutcome(), sampleOutcome()];
  await a.append(sampleOutcome());
  expect(await a.list()).toHaveLength(1); // a's view: one line, then stale
  await b.append(x);
  await b.append(y);
  // A third writer killed mid-write: half of z, no newline.
  await fs.appendFile(file, JSON.stringify(z).slice(0, 80));
  // Both race on x (b wrote it, a's view predates it), y and z (torn), many times each.
  const results = await Promise.all(
    Array.from({ length: 30 }, (_, i) => [a, b][i % 2]!.append([x, y, z][i % 3]!)),
  );
  expect(results.filter((r) => r === 'written')).toHaveLength(1); // z, once
  // z: one whole line (the torn half stops before its runId).
  for (const outcome of [x, y, z]) expect(await rawLines(file, outcome)).toBe(1);
  expect((await readAuditLog(file)).skippedLines).toBe(1);
  expect((await a.list()).map((o) => o.runId).sort()).toEqual((await b.list()).map((o) => o.runId).sort());
});

test('a store whose view read the file mid-append of another writer picks up the rest and never repeats it', async () => {
  const file = freshFile();
  const [a, b] = [new JsonlAuditStore(file), new JsonlAuditStore(file)];
  const x = sampleOutcome();
  const line = `${JSON.stringify(x)}\n`;
  // Another writer's line half on disk when a reads (it must not consume the half), then completed.
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, line.slice(0, 50));
  expect(await a.list()).toEqual([]);
  await fs.appendFile(file, line.slice(50));
  expect(await a.append(x)).toBe('already-recorded');
  expect(await b.append(x)).toBe('already-recorded');
  expect(await rawLines(file, x)).toBe(1);
});

test('a whole record left without its newline is recorded: the retried append finds it (one raw line)', async () => {
  const file = freshFile();
  const before = sampleOutcome();
  const x = sampleOutcome();
  await new JsonlAuditStore(file).append(before);
  // The write of x stopped just before its newline (the worker killed, or the disk full, right there).
  await fs.appendFile(file, JSON.stringify(x));
  // A full read sees the record (as the store's append did before it read incrementally) ...
  expect((await readAuditLog(file)).outcomes.map((o) => o.runId)).toContain(x.runId);
  // ... and so does the retried append (a fresh worker process), incremental as it is.
  const retried = await new JsonlAuditStore(file).append(x);
  expect({ retried, rawLines: await rawLines(file, x) }).toEqual({
    retried: 'already-recorded',
    rawLines: 1,
  });
});
