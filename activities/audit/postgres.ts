/**
 * The PostgreSQL audit backend, for workers on several hosts or a shared, queryable trail.
 *
 * One row per workflow run: a unique key on (workflow_id, run_id) and `INSERT ... ON CONFLICT DO NOTHING`, so a
 * retried or concurrent append stores the outcome once (the database arbitrates; rowCount says who wrote it).
 * The row is committed (synchronous_commit as the server has it, durable by default) before `append` resolves.
 * Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE (an operator who must prune drops it knowingly).
 *
 * The table is created on first use when missing, under an advisory lock so workers starting together do not
 * race; when the table and its trigger already exist (e.g. created by a DBA), no DDL is run at all.
 */
import { Pool, type PoolConfig } from 'pg';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { assertRecordable, type AuditAppendResult, type AuditQuery, type AuditStore } from './store';

export const DEFAULT_AUDIT_TABLE = 'switchover_audit';

export interface PostgresAuditStoreOptions {
  /** `postgres://user:password@host:port/database?sslmode=...` (a secret: never logged). */
  connectionString: string;
  /** Table name, optionally schema-qualified (`audit.switchovers`). */
  table?: string;
  /** Connections this worker keeps at most. */
  maxConnections?: number;
  /** Receives errors of idle connections (the database restarted); the pool replaces them. */
  onIdleError?: (error: Error) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

export class PostgresAuditStore implements AuditStore {
  readonly backend = 'postgres' as const;
  readonly table: string;
  private readonly pool: Pool;
  private readonly target: string;
  private schemaReady?: Promise<void>;

  constructor(options: PostgresAuditStoreOptions) {
    this.table = options.table ?? DEFAULT_AUDIT_TABLE;
    if (!IDENTIFIER.test(this.table)) {
      throw new Error(
        `audit table name '${this.table}' must be lower-case letters, digits and _ (schema.table)`,
      );
    }
    this.target = redactDatabaseUrl(options.connectionString);
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      // Below the record activity's 30 s start-to-close: a stuck statement fails the attempt, which is retried.
      statement_timeout: 15_000,
      application_name: 'switchover-audit',
      // A pool nobody closes (a worker opened from config alone) must not keep the process alive.
      allowExitOnIdle: true,
    };
    this.pool = new Pool(config);
    this.pool.on('error', (error) => options.onIdleError?.(error));
  }

  describe(): string {
    return `postgres ${this.target} table ${this.table}`;
  }

  async append(outcome: SwitchoverOutcome): Promise<AuditAppendResult> {
    assertRecordable(outcome);
    await this.ensureSchema();
    const result = await this.pool.query(
      `INSERT INTO ${this.table}
         (workflow_id, run_id, kind, project_id, resource_id, status, started_at, finished_at, duration_ms,
          requested_by, reason, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)
       ON CONFLICT (workflow_id, run_id) DO NOTHING`,
      [
        outcome.workflowId,
        outcome.runId,
        outcome.kind,
        outcome.projectId ?? '',
        outcome.resourceId,
        outcome.status,
        validTimestamp(outcome.startedAt) ?? validTimestamp(outcome.finishedAt),
        validTimestamp(outcome.finishedAt) ?? new Date().toISOString(),
        Number.isFinite(outcome.durationMs) ? Math.round(outcome.durationMs) : null,
        outcome.requestedBy ?? null,
        outcome.reason ?? null,
        JSON.stringify(outcome),
      ],
    );
    return result.rowCount === 1 ? 'written' : 'already-recorded';
  }

  async list(query: AuditQuery = {}): Promise<SwitchoverOutcome[]> {
    await this.ensureSchema();
    const limit = query.limit === undefined ? null : Math.max(0, Math.floor(query.limit));
    const result = await this.pool.query<{ outcome: SwitchoverOutcome }>(
      `SELECT outcome FROM ${this.table}
       WHERE ($1::text IS NULL OR resource_id = $1)
         AND ($2::text IS NULL OR kind = $2)
         AND ($3::timestamptz IS NULL OR finished_at >= $3)
       ORDER BY finished_at DESC, id DESC
       LIMIT $4`,
      [query.resource ?? null, query.kind ?? null, query.since?.toISOString() ?? null, limit],
    );
    // The rows' JSON is the outcome as it was appended.
    return result.rows.map((row) => row.outcome);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Creates the table once per store (retried after a failure, e.g. the database was not up yet). */
  private ensureSchema(): Promise<void> {
    this.schemaReady ??= this.createSchema().catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    return this.schemaReady;
  }

  private async createSchema(): Promise<void> {
    const trigger = `${this.table.replace('.', '_')}_append_only`;
    const existing = await this.pool.query<{ ready: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL
          AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2) AS ready`,
      [this.table, trigger],
    );
    if (existing.rows[0]?.ready) return;

    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One worker at a time creates the schema (concurrent CREATE ... IF NOT EXISTS can still collide).
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('switchover-audit-schema'))`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.table} (
          id           bigserial   PRIMARY KEY,
          workflow_id  text        NOT NULL,
          run_id       text        NOT NULL,
          kind         text        NOT NULL,
          project_id   text        NOT NULL,
          resource_id  text        NOT NULL,
          status       text        NOT NULL,
          started_at   timestamptz,
          finished_at  timestamptz NOT NULL,
          duration_ms  bigint,
          requested_by text,
          reason       text,
          outcome      jsonb       NOT NULL,
          recorded_at  timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT ${this.table.replace('.', '_')}_run_key UNIQUE (workflow_id, run_id)
        )`);
      const index = (name: string, columns: string) =>
        client.query(
          `CREATE INDEX IF NOT EXISTS ${this.table.replace('.', '_')}_${name} ON ${this.table} (${columns})`,
        );
      await index('finished', 'finished_at DESC');
      await index('resource_finished', 'resource_id, finished_at DESC');
      await client.query(`
        CREATE OR REPLACE FUNCTION switchover_audit_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the switchover audit trail is append-only (% on %)', TG_OP, TG_TABLE_NAME;
        END $$`);
      await client.query(`
        CREATE OR REPLACE TRIGGER ${trigger} BEFORE UPDATE OR DELETE ON ${this.table}
        FOR EACH ROW EXECUTE FUNCTION switchover_audit_refuse_change()`);
      await client.query(`
        CREATE OR REPLACE TRIGGER ${trigger}_truncate BEFORE TRUNCATE ON ${this.table}
        FOR EACH STATEMENT EXECUTE FUNCTION switchover_audit_refuse_change()`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** The database URL without password or query (for logs): `postgres://user@host:port/db`. */
export function redactDatabaseUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    return `${url.protocol}//${user}${url.host}${url.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}

function validTimestamp(value: string | undefined): string | null {
  return value && !Number.isNaN(Date.parse(value)) ? value : null;
}
