/** The audit trail of switchovers: one append-only record per workflow run, in a file or in PostgreSQL. */
export * from './store';
export {
  JsonlAuditStore,
  readAuditFile,
  readAuditLog,
  type AuditLog,
  type JsonlAuditStoreOptions,
} from './jsonl';
export {
  DEFAULT_AUDIT_TABLE,
  PostgresAuditStore,
  redactDatabaseUrl,
  type PostgresAuditStoreOptions,
} from './postgres';
export * from './settings';
export { createRecordActivities, INVALID_OUTCOME, type RecordDeps } from './record';
