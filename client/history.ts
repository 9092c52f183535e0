/**
 * `switchover history`: past switchovers from the audit store the worker records to (the same variables:
 * SWITCHOVER_AUDIT_BACKEND, SWITCHOVER_AUDIT_FILE, SWITCHOVER_AUDIT_DATABASE_URL), as a table or JSON.
 */
import {
  openAuditStore,
  readAuditSettings,
  type AuditBackend,
  type AuditSettings,
} from '../activities/audit';
import type { SwitchoverKind } from '../domain/kinds';
import type { SwitchoverOutcome } from '../domain/outcome';

export interface HistoryOptions {
  backend: AuditBackend;
  /** The JSON Lines file (backend jsonl). */
  file?: string;
  /** postgres://... (backend postgres). */
  databaseUrl?: string;
  /** Only this resource (instance / cluster / job id). */
  resource?: string;
  kind?: SwitchoverKind;
  /** Only switchovers finished at or after this instant. */
  since?: Date;
  /** At most this many, the most recent (default: all). */
  limit?: number;
  /** Output choice of the CLI; readHistory returns the same outcomes either way (see formatHistory). */
  json?: boolean;
}

export class HistoryError extends Error {
  override name = 'HistoryError';
}

/** The backend options from the environment, as the worker reads them (flags then narrow the query). */
export function historyOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<HistoryOptions, 'backend' | 'file' | 'databaseUrl'> {
  let settings: AuditSettings;
  try {
    settings = readAuditSettings(env);
  } catch (error) {
    throw new HistoryError((error as Error).message);
  }
  return settings.backend === 'jsonl'
    ? { backend: 'jsonl', file: settings.file }
    : { backend: 'postgres', databaseUrl: settings.databaseUrl() };
}

/** Recorded outcomes, most recently finished first. */
export async function readHistory(options: HistoryOptions): Promise<SwitchoverOutcome[]> {
  let settings: AuditSettings;
  if (options.backend === 'jsonl') {
    if (!options.file) throw new HistoryError('history: the jsonl backend needs the audit file');
    settings = { backend: 'jsonl', file: options.file };
  } else if (options.backend === 'postgres') {
    const url = options.databaseUrl;
    if (!url) throw new HistoryError('history: the postgres backend needs SWITCHOVER_AUDIT_DATABASE_URL');
    settings = readAuditSettings({
      SWITCHOVER_AUDIT_BACKEND: 'postgres',
      SWITCHOVER_AUDIT_DATABASE_URL: url,
    });
  } else {
    throw new HistoryError(`history: unknown audit backend '${String(options.backend)}' (jsonl or postgres)`);
  }
  if (options.since && Number.isNaN(options.since.getTime()))
    throw new HistoryError('history: invalid since');
  const store = openAuditStore(settings);
  try {
    return await store.list({
      resource: options.resource,
      kind: options.kind,
      since: options.since,
      limit: options.limit,
    });
  } catch (error) {
    throw new HistoryError(`cannot read the audit trail (${store.describe()}): ${(error as Error).message}`);
  } finally {
    await store.close();
  }
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * `--since`: a relative age (`30m`, `24h`, `7d`, `2w`: that long before `now`), a date (`2026-05-20`, UTC
 * midnight) or an ISO timestamp (`2026-05-20T08:00:00Z`, `2026-05-20T10:00+02:00`).
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const value = text.trim();
  const relative = DURATION.exec(value);
  if (relative) {
    return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value)) {
    const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value.replace(' ', 'T'));
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new HistoryError(
    `--since '${text}': use an age (30m, 24h, 7d, 2w), a date (2026-05-20) or a timestamp (2026-05-20T08:00:00Z)`,
  );
}

const COLUMNS = ['FINISHED', 'KIND', 'RESOURCE', 'OUTCOME', 'REQUESTED BY', 'REASON', 'WORKFLOW ID'] as const;
/** The free-text column is cut so a row stays on one line; `--json` has it whole. */
const MAX_REASON = 40;

/** A table, one switchover per line (as listed: most recent first); `json: true` gives JSON instead. */
export function formatHistory(outcomes: SwitchoverOutcome[], options: { json?: boolean } = {}): string {
  if (options.json) return `${JSON.stringify(outcomes, null, 2)}\n`;
  if (outcomes.length === 0) return 'no switchovers recorded (for this filter)\n';
  const rows = outcomes.map((outcome) => [
    formatFinished(outcome.finishedAt),
    cell(outcome.kind),
    cell(outcome.resourceId),
    cell(outcome.status),
    cell(outcome.requestedBy),
    truncate(cell(outcome.reason), MAX_REASON),
    cell(outcome.workflowId),
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((value, i) => (i === cells.length - 1 ? value : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(COLUMNS), ...rows.map(line)].join('\n')}\n`;
}

/** `2026-05-20 12:00:03Z`: sortable, UTC, to the second. */
function formatFinished(iso: string | undefined): string {
  const at = iso ? new Date(iso) : undefined;
  if (!at || Number.isNaN(at.getTime())) return cell(iso);
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]+/g;

/** One line of plain text: control characters (newlines, terminal escapes) from recorded input are dropped. */
function cell(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') return '-';
  const clean = String(value).replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  return clean || '-';
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
