/**
 * Where the audit trail lives, from the environment; shared by the worker (writes) and `switchover history`
 * (reads), so both find the same records with the same variables:
 *   SWITCHOVER_AUDIT_BACKEND       jsonl (default) | postgres
 *   SWITCHOVER_AUDIT_FILE          the JSON Lines file (jsonl; default .data/audit.jsonl)
 *   SWITCHOVER_AUDIT_DATABASE_URL  postgres://user:password@host:5432/db (postgres; a secret, never logged)
 */
import path from 'node:path';
import { z } from 'zod';
import { JsonlAuditStore } from './jsonl';
import { PostgresAuditStore, redactDatabaseUrl } from './postgres';
import { AUDIT_BACKENDS, type AuditStore } from './store';

export const DEFAULT_AUDIT_FILE = path.join('.data', 'audit.jsonl');

/** zod fields for the audit variables (merged into the worker's schema). */
export const auditEnvFields = {
  SWITCHOVER_AUDIT_BACKEND: z
    .enum(AUDIT_BACKENDS, { message: `SWITCHOVER_AUDIT_BACKEND must be one of ${AUDIT_BACKENDS.join(', ')}` })
    .default('jsonl'),
  SWITCHOVER_AUDIT_FILE: z.string().min(1).default(DEFAULT_AUDIT_FILE),
  SWITCHOVER_AUDIT_DATABASE_URL: z
    .string()
    .refine((value) => /^postgres(ql)?:\/\/[^/]/.test(value), {
      // Never echo the value: it carries the password.
      message: 'SWITCHOVER_AUDIT_DATABASE_URL must be a postgres:// or postgresql:// URL',
    })
    .optional(),
};

export type AuditSettings =
  | { backend: 'jsonl'; file: string }
  | {
      backend: 'postgres';
      /** A function, so the password stays out of this object's enumerable data (logs, JSON). */
      databaseUrl: () => string;
      /** The URL without password, for logs. */
      target: string;
    };

export class AuditConfigError extends Error {
  override name = 'AuditConfigError';
}

type AuditEnv = {
  SWITCHOVER_AUDIT_BACKEND: (typeof AUDIT_BACKENDS)[number];
  SWITCHOVER_AUDIT_FILE: string;
  SWITCHOVER_AUDIT_DATABASE_URL?: string;
};

/** Settings from already validated variables; throws AuditConfigError for a missing database URL. */
export function auditSettingsOf(env: AuditEnv): AuditSettings {
  if (env.SWITCHOVER_AUDIT_BACKEND === 'jsonl') return { backend: 'jsonl', file: env.SWITCHOVER_AUDIT_FILE };
  const url = env.SWITCHOVER_AUDIT_DATABASE_URL;
  if (!url) {
    throw new AuditConfigError(
      'SWITCHOVER_AUDIT_DATABASE_URL is missing: SWITCHOVER_AUDIT_BACKEND=postgres needs a postgres:// URL',
    );
  }
  return { backend: 'postgres', databaseUrl: () => url, target: redactDatabaseUrl(url) };
}

/** Reads and validates the audit variables alone (for the CLI); errors name the variable, never a secret. */
export function readAuditSettings(env: NodeJS.ProcessEnv = process.env): AuditSettings {
  const blankless = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = z.object(auditEnvFields).safeParse(blankless);
  if (!parsed.success) {
    throw new AuditConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  return auditSettingsOf(parsed.data);
}

export function describeAuditSettings(settings: AuditSettings): string {
  return settings.backend === 'jsonl' ? `jsonl ${settings.file}` : `postgres ${settings.target}`;
}

/** Opens the configured store; close() it when done (the PostgreSQL pool holds connections). */
export function openAuditStore(
  settings: AuditSettings,
  options: { onIdleError?: (error: Error) => void } = {},
): AuditStore {
  return settings.backend === 'jsonl'
    ? new JsonlAuditStore(settings.file)
    : new PostgresAuditStore({ connectionString: settings.databaseUrl(), onIdleError: options.onIdleError });
}
