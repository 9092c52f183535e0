/**
 * A real, throwaway PostgreSQL for one test file, started and stopped by the file itself through
 * scripts/postgres.sh (the jest global setup knows nothing of it).
 *
 *   const pg = postgresForTests();           // at module level: skips the file locally when no server binaries
 *   pg.describe('...', () => { ... });       // are there (CI=true: fails loudly instead)
 *   beforeAll(async () => { server = await startTestPostgres(); });
 *   afterAll(() => server?.stop());
 *
 * Binaries: `bash scripts/postgres.sh install` (CI runs it before the tests) or POSTGRES_BIN_DIR.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'postgres.sh');
const run = promisify(execFile);

export interface TestPostgres {
  /** The server's superuser URL: postgresql://postgres@127.0.0.1:PORT/postgres. */
  url: string;
  dir: string;
  /** A fresh, empty database on the server; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Whether this machine can run PostgreSQL for tests. Locally, without server binaries, the returned
 * `describe` skips (with a note saying how to install them); on CI (CI=true) this throws, so a missing install
 * step fails the run instead of passing it silently.
 */
export function postgresForTests(): { available: boolean; describe: jest.Describe } {
  const found = spawnSync('bash', [SCRIPT, 'bindir'], { encoding: 'utf8' });
  if (found.status === 0) return { available: true, describe };
  const why =
    `PostgreSQL server binaries not found (scripts/postgres.sh bindir: ${found.stderr.trim() || `exit ${found.status}`}). ` +
    'Install them with: sudo bash scripts/postgres.sh install (or set POSTGRES_BIN_DIR)';
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  console.warn(`skipping PostgreSQL tests: ${why}`);
  return { available: false, describe: describe.skip };
}

/** Starts a fresh cluster on a free loopback port (about a second); stop() it in afterAll. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchover-pg-'));
  let url: string;
  try {
    const { stdout } = await run('bash', [SCRIPT, 'start', '--dir', dir], { timeout: 90_000 });
    url = stdout.trim().split('\n').pop() ?? '';
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    await run('bash', [SCRIPT, 'stop', dir]).catch(() => undefined);
    throw new Error(`could not start PostgreSQL: ${stderr.trim() || (error as Error).message}`);
  }
  if (!url.startsWith('postgresql://')) throw new Error(`scripts/postgres.sh start printed no URL: '${url}'`);
  return {
    url,
    dir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name))
        throw new Error(`database name ${name}: lower-case letters, digits, _`);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/[^/]*$/, `/${name}`);
    },
    async stop() {
      await run('bash', [SCRIPT, 'stop', dir], { timeout: 60_000 });
    },
  };
}
