/**
 * The audit store a chaos run records into, how its outage is made, and how the records are counted afterwards:
 *   jsonl     the JSON Lines file; outage: its directory is replaced by a plain file (root ignores permission
 *             bits), then restored;
 *   postgres  a throwaway cluster (scripts/postgres.sh start); outage: the server is stopped (pg_ctl stop -m fast,
 *             data kept) and started again on the same port and data; the records are read with the store's own
 *             `list()`. The cluster is stopped and removed by close() (kept, stopped, with --keep).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PostgresAuditStore } from '../../activities/audit/postgres';
import type { AuditBackend } from '../../activities/audit/store';

const POSTGRES_SH = path.resolve(__dirname, '..', 'postgres.sh');
const run = promisify(execFile);

export interface ChaosAudit {
  backend: AuditBackend;
  /** Where the records go (no secrets: the cluster is trust-auth on loopback). */
  where: string;
  /** What an outage does, for the report. */
  outageKind: string;
  /** The worker's SWITCHOVER_AUDIT_* variables. */
  workerEnv: Record<string, string>;
  /** Takes the store away for `downMs`, then brings it back. */
  outage(downMs: number): Promise<void>;
  /** How many records each run has, keyed `workflowId/runId`. */
  recordCounts(): Promise<Map<string, number>>;
  /** Stops what it started (async, at the end of a run). */
  close(keep: boolean): Promise<void>;
  /** The same, synchronously (a signal handler, just before exit). */
  closeNow(): void;
}

export const recordKey = (r: { workflowId?: string; runId?: string }) => `${r.workflowId}/${r.runId}`;

export async function openChaosAudit(backend: AuditBackend, dir: string, seed: number): Promise<ChaosAudit> {
  return backend === 'jsonl' ? openJsonl(dir) : openPostgres(seed);
}

async function openJsonl(dir: string): Promise<ChaosAudit> {
  const auditDir = path.join(dir, 'audit');
  const auditFile = path.join(auditDir, 'audit.jsonl');
  await fs.mkdir(auditDir, { recursive: true });
  return {
    backend: 'jsonl',
    where: auditFile,
    outageKind: 'jsonl directory unwritable',
    workerEnv: { SWITCHOVER_AUDIT_BACKEND: 'jsonl', SWITCHOVER_AUDIT_FILE: auditFile },
    async outage(downMs) {
      const away = `${auditDir}.away`;
      await fs.rename(auditDir, away);
      // A file where the directory was: every open, mkdir and lock in it fails until it comes back.
      await fs.writeFile(auditDir, 'audit store unavailable (chaos)\n');
      await sleep(downMs);
      await fs.unlink(auditDir);
      await fs.rename(away, auditDir);
    },
    // Raw lines, not the store's list(): the file's reader drops repeats, and repeats are what is counted.
    async recordCounts() {
      const counts = new Map<string, number>();
      let text = '';
      try {
        text = await fs.readFile(auditFile, 'utf8');
      } catch {
        return counts;
      }
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const key = recordKey(JSON.parse(line) as { workflowId?: string; runId?: string });
          counts.set(key, (counts.get(key) ?? 0) + 1);
        } catch {
          // torn line
        }
      }
      return counts;
    },
    async close() {},
    closeNow() {},
  };
}

async function openPostgres(seed: number): Promise<ChaosAudit> {
  // Its own directory under the temp dir: as root the cluster runs as `postgres`, which must reach it.
  const pgDir = mkdtempSync(path.join(os.tmpdir(), `chaos-${seed}-pg-`));
  let url: string;
  try {
    url = (await postgresSh('start', '--dir', pgDir)).trim().split('\n').pop() ?? '';
    if (!url.startsWith('postgresql://'))
      throw new Error(`scripts/postgres.sh start printed no URL: '${url}'`);
  } catch (error) {
    await postgresSh('stop', pgDir).catch(() => undefined);
    throw error;
  }
  let closed = false;
  return {
    backend: 'postgres',
    where: `${url}, cluster in ${pgDir}`,
    outageKind: 'postgres stop/start',
    workerEnv: { SWITCHOVER_AUDIT_BACKEND: 'postgres', SWITCHOVER_AUDIT_DATABASE_URL: url },
    async outage(downMs) {
      await postgresSh('pause', pgDir);
      await sleep(downMs);
      // Same port: nothing else should take it meanwhile, but a failed start is retried before giving up.
      for (let attempt = 1; ; attempt++) {
        try {
          await postgresSh('resume', pgDir);
          return;
        } catch (error) {
          if (attempt >= 5) throw error;
          await sleep(2000);
        }
      }
    },
    async recordCounts() {
      const store = new PostgresAuditStore({ connectionString: url });
      try {
        const counts = new Map<string, number>();
        for (const outcome of await store.list()) {
          const key = recordKey(outcome);
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        return counts;
      } finally {
        await store.close();
      }
    },
    async close(keep) {
      if (closed) return;
      closed = true;
      if (keep) {
        // Stopped, not running: nothing is left behind; `scripts/postgres.sh resume DIR` serves it again.
        await postgresSh('pause', pgDir).catch(() => undefined);
        console.log(`chaos: PostgreSQL cluster kept (stopped) in ${pgDir}`);
      } else {
        await postgresSh('stop', pgDir);
      }
    },
    closeNow() {
      if (closed) return;
      closed = true;
      spawnSync('bash', [POSTGRES_SH, 'stop', pgDir], { stdio: 'ignore', timeout: 60_000 });
    },
  };
}

async function postgresSh(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [POSTGRES_SH, ...args], { timeout: 120_000 });
    return stdout;
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`scripts/postgres.sh ${args[0]} failed: ${stderr || (error as Error).message}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
