/**
 * The default audit backend: one JSON Lines file, one outcome per line, only ever appended to.
 *
 * Exactly once per workflow run: under a lock file (`<file>.lock`, created O_EXCL), an append reads the file,
 * returns `already-recorded` when the run is there, and otherwise appends the line in a single O_APPEND write
 * and fsyncs it before resolving. The lock serializes workers sharing the file on one host (processes and
 * containers sharing a volume); a lock left by a dead process is broken (its pid is gone on this host, or it
 * is older than `staleLockMs`). For workers on several hosts, use the PostgreSQL backend.
 *
 * Crash tolerance: a worker killed mid-write leaves at most a torn last line without its newline. Readers skip
 * lines that do not parse; the next append starts on a fresh line, and the retried activity writes the record
 * again. Readers also drop any repeat of a run already seen, so the history never shows one run twice.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SwitchoverOutcome } from '../../domain/outcome';
import {
  assertRecordable,
  outcomeKey,
  selectOutcomes,
  storedOutcomeSchema,
  type AuditAppendResult,
  type AuditQuery,
  type AuditStore,
} from './store';

export interface JsonlAuditStoreOptions {
  /** How long an append waits for another writer's lock before failing (the activity then retries). */
  lockTimeoutMs?: number;
  /** A lock older than this is taken to be left by a crashed writer (an append holds it for milliseconds). */
  staleLockMs?: number;
}

export interface AuditLog {
  /** Parsed records in file order, each run once (its first record). */
  outcomes: SwitchoverOutcome[];
  /** Lines that are not a valid record (a torn write, hand edits). */
  skippedLines: number;
  /** Whether the file is empty or ends with a newline (else the next append must start a new line). */
  endsWithNewline: boolean;
}

/** Reads an audit file; a missing file is an empty log. */
export async function readAuditLog(file: string): Promise<AuditLog> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { outcomes: [], skippedLines: 0, endsWithNewline: true };
    }
    throw error;
  }
  const log: AuditLog & { keys: Set<string> } = {
    outcomes: [],
    skippedLines: 0,
    endsWithNewline: bytes.length === 0 || bytes[bytes.length - 1] === 0x0a,
    keys: new Set(),
  };
  addLines(log, bytes.toString('utf8'));
  return { outcomes: log.outcomes, skippedLines: log.skippedLines, endsWithNewline: log.endsWithNewline };
}

/** Parses lines into `log`: each run once (its first record); lines that are not a record are counted. */
function addLines(log: AuditLog & { keys: Set<string> }, text: string): void {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let record: SwitchoverOutcome;
    try {
      const parsed = storedOutcomeSchema.safeParse(JSON.parse(line));
      if (!parsed.success) {
        log.skippedLines += 1;
        continue;
      }
      record = parsed.data as unknown as SwitchoverOutcome;
    } catch {
      // A partial line from an interrupted append; the retried activity writes the record again.
      log.skippedLines += 1;
      continue;
    }
    const key = outcomeKey(record);
    if (log.keys.has(key)) continue;
    log.keys.add(key);
    log.outcomes.push(record);
  }
}

/**
 * The audit file as this process last read it, brought up to date by reading only what was appended since (the
 * file is append-only: every writer appends whole lines). Only complete lines are consumed; a torn last line stays
 * unread until a newline ends it (then it is skipped like any line that is not a record). A file that was replaced
 * (another inode) or shrank is read again from the start. Each record is parsed once per process, so an append or
 * a list costs the new lines, not the whole file (which made them O(records) each, O(n²) for n switchovers).
 */
/** The log with a last, newline-less line added when it is a whole record not seen before. */
function withTail(log: AuditLog & { keys: Set<string> }, tail: string): AuditLog & { keys: Set<string> } {
  const view = { ...log, outcomes: [...log.outcomes], keys: new Set(log.keys), skippedLines: 0 };
  addLines(view, tail);
  return { ...view, skippedLines: log.skippedLines };
}

class AuditFileView {
  private log = AuditFileView.empty();
  private offset = 0;
  private inode?: number;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  /**
   * The log as the file is at least now: each call reads after the ones before it (never an earlier call's read
   * that may predate a line another writer appended before the caller took the lock).
   */
  current(): Promise<AuditLog & { keys: Set<string> }> {
    const read = this.chain.then(() => this.refresh());
    this.chain = read.catch(() => undefined);
    return read;
  }

  private static empty(): AuditLog & { keys: Set<string> } {
    return { outcomes: [], skippedLines: 0, endsWithNewline: true, keys: new Set() };
  }

  private async refresh(): Promise<AuditLog & { keys: Set<string> }> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.reset();
      return this.log;
    }
    try {
      const { size, ino } = await handle.stat();
      if (ino !== this.inode || size < this.offset) this.reset(ino);
      if (size > this.offset) {
        const chunk = Buffer.alloc(size - this.offset);
        let read = 0;
        while (read < chunk.length) {
          const { bytesRead } = await handle.read(chunk, read, chunk.length - read, this.offset + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        const complete = chunk.lastIndexOf(0x0a, read - 1) + 1;
        addLines(this.log, chunk.subarray(0, complete).toString('utf8'));
        this.offset += complete;
        this.log.endsWithNewline = size === this.offset;
        // A last line without its newline: a writer died mid-write, or just before the newline. A whole record
        // there is recorded (as a full read sees it); it stays unconsumed until a newline ends it.
        if (complete < read) return withTail(this.log, chunk.subarray(complete, read).toString('utf8'));
      }
      this.log.endsWithNewline = size === this.offset;
      return this.log;
    } finally {
      await handle.close();
    }
  }

  private reset(inode?: number): void {
    this.log = AuditFileView.empty();
    this.offset = 0;
    this.inode = inode;
  }
}

/** Every outcome in the audit file, in the order written (skipping a torn last line left by a crash). */
export async function readAuditFile(file: string): Promise<SwitchoverOutcome[]> {
  return (await readAuditLog(file)).outcomes;
}

export class JsonlAuditStore implements AuditStore {
  readonly backend = 'jsonl' as const;
  private readonly lockFile: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  /** Appends from this process run one at a time (the lock file then only arbitrates between processes). */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly view: AuditFileView;

  constructor(
    readonly file: string,
    options: JsonlAuditStoreOptions = {},
  ) {
    this.lockFile = `${file}.lock`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.staleLockMs = options.staleLockMs ?? 30_000;
    this.view = new AuditFileView(file);
  }

  describe(): string {
    return `jsonl ${this.file}`;
  }

  async append(outcome: SwitchoverOutcome): Promise<AuditAppendResult> {
    assertRecordable(outcome);
    const run = this.tail.then(() => this.withLock(() => this.appendLocked(outcome)));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async list(query: AuditQuery = {}): Promise<SwitchoverOutcome[]> {
    // No lock: an append is one write, so a reader sees the whole line or (mid-write) a torn one it skips.
    return selectOutcomes((await this.view.current()).outcomes, query);
  }

  async close(): Promise<void> {
    await this.tail;
  }

  private async appendLocked(outcome: SwitchoverOutcome): Promise<AuditAppendResult> {
    // Under the lock: every line another writer appended before it is read here.
    const log = await this.view.current();
    if (log.keys.has(outcomeKey(outcome))) return 'already-recorded';

    const line = Buffer.from(`${log.endsWithNewline ? '' : '\n'}${JSON.stringify(outcome)}\n`, 'utf8');
    const directory = path.dirname(this.file);
    await fs.mkdir(directory, { recursive: true });
    const created = !(await exists(this.file));
    const handle = await fs.open(
      this.file,
      fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT,
      0o640,
    );
    try {
      // One write call for the whole line (O_APPEND: placed at the end, never interleaved with another
      // writer's line); loop only should the kernel accept part of it (disk nearly full).
      let offset = 0;
      while (offset < line.length) {
        const { bytesWritten } = await handle.write(line, offset, line.length - offset);
        offset += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (created) await syncDirectory(directory);
    return 'written';
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const token = await this.acquireLock();
    try {
      return await work();
    } finally {
      await this.releaseLock(token);
    }
  }

  private async acquireLock(): Promise<string> {
    await fs.mkdir(path.dirname(this.lockFile), { recursive: true });
    const token = randomUUID();
    const holder = JSON.stringify({
      pid: process.pid,
      host: os.hostname(),
      token,
      at: new Date().toISOString(),
    });
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
      try {
        const handle = await fs.open(this.lockFile, 'wx', 0o640);
        try {
          await handle.writeFile(holder, 'utf8');
        } finally {
          await handle.close();
        }
        return token;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (await this.breakStaleLock()) continue;
      if (Date.now() > deadline) {
        throw new Error(
          `audit file ${this.file} is locked by another writer (${this.lockFile}) for over ${this.lockTimeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
    }
  }

  /** Removes a lock left by a writer that died holding it; true when it did (or the lock vanished). */
  private async breakStaleLock(): Promise<boolean> {
    let text: string;
    let modifiedMs: number;
    try {
      [text, modifiedMs] = await Promise.all([
        fs.readFile(this.lockFile, 'utf8'),
        fs.stat(this.lockFile).then((s) => s.mtimeMs),
      ]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    let holder: { pid?: unknown; host?: unknown } = {};
    try {
      holder = JSON.parse(text) as typeof holder;
    } catch {
      // Empty or partial: its writer is between creating and filling it, or died there; the age decides.
    }
    const deadHolder =
      holder.host === os.hostname() && typeof holder.pid === 'number' && !processAlive(holder.pid);
    if (!deadHolder && Date.now() - modifiedMs < this.staleLockMs) return false;
    try {
      await fs.unlink(this.lockFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return true;
  }

  private async releaseLock(token: string): Promise<void> {
    try {
      const text = await fs.readFile(this.lockFile, 'utf8');
      // Only our own lock: had ours been broken as stale, the file now belongs to another writer.
      if ((JSON.parse(text) as { token?: string }).token === token) await fs.unlink(this.lockFile);
    } catch {
      // Already gone or not ours: nothing to release.
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Makes a new file's directory entry durable (a crash right after would otherwise lose the whole file). */
async function syncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the file's own data is already synced.
  } finally {
    await handle?.close();
  }
}
