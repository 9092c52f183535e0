/**
 * The PostgreSQL audit store against a real PostgreSQL, started by this file (test/helpers/postgres.ts) on a
 * free loopback port: exactly one row per workflow run under retries and concurrency, schema created on first
 * use (also by workers racing), append-only, list filters, history, and a real switchover recorded there.
 */
import { Client } from 'pg';
import { PostgresAuditStore, type AuditAppendResult } from '../../activities/audit';
import { readHistory } from '../../client/history';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { sampleOutcome } from '../helpers/outcomes';
import { postgresForTests, startTestPostgres, type TestPostgres } from '../helpers/postgres';
import { createSwitchoverTestEnv, PROJECT, uniqueId } from '../helpers/switchover-env';

const pg = postgresForTests();

let server: TestPostgres | undefined;
let databaseUrl: string;
const stores: PostgresAuditStore[] = [];
let tableCounter = 0;

/** A store on its own fresh table (each test starts from no table at all). */
function freshStore(table = `audit_${++tableCounter}`): PostgresAuditStore {
  const store = new PostgresAuditStore({ connectionString: databaseUrl, table });
  stores.push(store);
  return store;
}

async function sql<T extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const countRows = async (table: string) =>
  Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

if (pg.available) {
  beforeAll(async () => {
    server = await startTestPostgres();
    databaseUrl = await server.createDatabase('switchover_audit_test');
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(stores.map((store) => store.close()));
    await server?.stop();
  });
}

pg.describe('PostgresAuditStore', () => {
  test('creates its table when missing; appending twice stores one row', async () => {
    const store = freshStore();
    expect((await sql(`SELECT to_regclass($1) AS t`, [store.table]))[0]!.t).toBeNull();
    const outcome = sampleOutcome();
    expect(await store.append(outcome)).toBe('written');
    expect(await store.append(outcome)).toBe('already-recorded');
    expect(await store.append({ ...outcome, status: 'failed', message: 'a retry that differs' })).toBe(
      'already-recorded',
    );
    expect(await countRows(store.table)).toBe(1);
    const [row] = await sql<{
      workflow_id: string;
      run_id: string;
      status: string;
      outcome: SwitchoverOutcome;
    }>(`SELECT workflow_id, run_id, status, outcome FROM ${store.table}`);
    expect(row).toMatchObject({
      workflow_id: outcome.workflowId,
      run_id: outcome.runId,
      status: 'succeeded',
    });
    expect(row!.outcome).toEqual(outcome);
  });

  test('concurrent appends of the same outcome, from several workers (pools), store one row', async () => {
    const table = `audit_${++tableCounter}`;
    // Five workers, each with its own pool, all starting at once on a table none of them has created yet.
    const workers = Array.from({ length: 5 }, () => freshStore(table));
    const outcome = sampleOutcome();
    const results: AuditAppendResult[] = await Promise.all(
      Array.from({ length: 25 }, (_, i) => workers[i % workers.length]!.append(outcome)),
    );
    expect(results.filter((r) => r === 'written')).toHaveLength(1);
    expect(results.filter((r) => r === 'already-recorded')).toHaveLength(24);
    expect(await countRows(table)).toBe(1);

    // Many runs at once: one row each.
    const many = Array.from({ length: 30 }, () => sampleOutcome());
    await Promise.all([...many, ...many].map((o, i) => workers[i % workers.length]!.append(o)));
    expect(await countRows(table)).toBe(31);
  });

  test('another run of the same workflow ID is a row of its own', async () => {
    const store = freshStore();
    const first = sampleOutcome();
    await store.append(first);
    expect(await store.append({ ...first, runId: `${first.runId}-b` })).toBe('written');
    expect(await countRows(store.table)).toBe(2);
  });

  test('is append-only: UPDATE, DELETE and TRUNCATE are refused', async () => {
    const store = freshStore();
    await store.append(sampleOutcome());
    await expect(sql(`UPDATE ${store.table} SET status = 'succeeded'`)).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM ${store.table}`)).rejects.toThrow(/append-only/);
    await expect(sql(`TRUNCATE ${store.table}`)).rejects.toThrow(/append-only/);
    expect(await countRows(store.table)).toBe(1);
  });

  test('uses a table that already exists, without DDL (a later worker, or a DBA-created table)', async () => {
    const first = freshStore();
    await first.append(sampleOutcome());
    const later = freshStore(first.table);
    const outcome = sampleOutcome();
    expect(await later.append(outcome)).toBe('written');
    expect((await later.list({ resource: outcome.resourceId }))[0]).toEqual(outcome);
  });

  describe('list', () => {
    const store = () => listStore;
    let listStore: PostgresAuditStore;
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
    const records = [
      sampleOutcome({ kind: 'dcs', resourceId: 'redis-a', finishedAt: at(1) }),
      sampleOutcome({ kind: 'dws', resourceId: 'dws-b', finishedAt: at(2), status: 'failed' }),
      sampleOutcome({ kind: 'dcs', resourceId: 'redis-a', finishedAt: at(5) }),
      sampleOutcome({ kind: 'drs', resourceId: 'drs-c', finishedAt: at(3), status: 'unknown' }),
    ];
    beforeAll(async () => {
      listStore = freshStore();
      for (const record of records) await listStore.append(record);
    });

    test('returns outcomes as appended, most recently finished first', async () => {
      expect(await store().list()).toEqual([records[2], records[3], records[1], records[0]]);
    });

    test('filters by resource, kind and since, and limits to the most recent', async () => {
      expect((await store().list({ resource: 'redis-a' })).map((o) => o.finishedAt)).toEqual([at(5), at(1)]);
      expect((await store().list({ kind: 'dws' })).map((o) => o.resourceId)).toEqual(['dws-b']);
      expect((await store().list({ since: new Date(at(2)) })).map((o) => o.finishedAt)).toEqual([
        at(5),
        at(3),
        at(2),
      ]);
      expect((await store().list({ limit: 2 })).map((o) => o.finishedAt)).toEqual([at(5), at(3)]);
      expect(await store().list({ resource: 'redis-a', kind: 'drs' })).toEqual([]);
      expect(await store().list({ resource: 'redis-a', since: new Date(at(2)), limit: 1 })).toEqual([
        records[2],
      ]);
    });
  });

  test('an unreachable database fails the append (the activity retries), naming no password', async () => {
    const closedPort = new URL(databaseUrl).port === '1' ? '2' : '1';
    const store = new PostgresAuditStore({
      connectionString: `postgresql://audit:hunter2@127.0.0.1:${closedPort}/x`,
    });
    stores.push(store);
    const error = (await store.append(sampleOutcome()).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/ECONNREFUSED|connect/);
    expect(error.message).not.toContain('hunter2');
    expect(store.describe()).toBe(
      `postgres postgresql://audit@127.0.0.1:${closedPort}/x table switchover_audit`,
    );
  });

  test('readHistory reads the same rows (switchover history --resource/--since)', async () => {
    const store = freshStore('switchover_audit');
    const mine = sampleOutcome({ resourceId: uniqueId('redis') });
    await store.append(mine);
    await store.append(sampleOutcome());
    expect(await readHistory({ backend: 'postgres', databaseUrl, resource: mine.resourceId })).toEqual([
      mine,
    ]);
    expect(
      await readHistory({
        backend: 'postgres',
        databaseUrl,
        since: new Date(Date.parse(mine.finishedAt) + 1),
      }),
    ).not.toContainEqual(mine);
  });

  test('a real switchover, with SWITCHOVER_AUDIT_BACKEND=postgres, is recorded once in PostgreSQL', async () => {
    const env = await createSwitchoverTestEnv({
      workerEnv: { SWITCHOVER_AUDIT_BACKEND: 'postgres', SWITCHOVER_AUDIT_DATABASE_URL: databaseUrl },
    });
    try {
      expect(env.audit.backend).toBe('postgres');
      const instanceId = uniqueId('redis');
      env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
      const outcome = await env.run('dcs', {
        projectId: PROJECT,
        instanceId,
        reason: 'audit to postgres',
        pollIntervalSeconds: 0.2,
        maxPollIntervalSeconds: 1,
        timeoutSeconds: 60,
      });
      expect(outcome.status).toBe('succeeded');
      const rows = await sql<{ outcome: SwitchoverOutcome }>(
        `SELECT outcome FROM switchover_audit WHERE resource_id = $1`,
        [instanceId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.outcome).toMatchObject({
        workflowId: outcome.workflowId,
        runId: outcome.runId,
        status: 'succeeded',
        reason: 'audit to postgres',
      });
    } finally {
      await env.close();
    }
  });
});
