/**
 * Moved to activities/audit/ (AuditStore with JSON Lines and PostgreSQL backends). Kept so existing imports
 * (`readAuditFile` in tests) keep working; new code imports from './audit'.
 */
export { createRecordActivities, readAuditFile, type RecordDeps } from './audit';
