import { z } from 'zod';
import { SWITCHOVER_KINDS, type SwitchoverKind } from '../../domain/kinds';
import type { SwitchoverOutcome } from '../../domain/outcome';

export const AUDIT_BACKENDS = ['jsonl', 'postgres'] as const;
export type AuditBackend = (typeof AUDIT_BACKENDS)[number];

/** `written`: this call stored the outcome; `already-recorded`: an earlier call (a retry's first try) did. */
export type AuditAppendResult = 'written' | 'already-recorded';

export interface AuditQuery {
  /** Only this resource (the outcome's `resourceId`). */
  resource?: string;
  kind?: SwitchoverKind;
  /** Only switchovers that finished at or after this instant. */
  since?: Date;
  /** At most this many, the most recent ones. */
  limit?: number;
}

/**
 * The audit trail of switchovers: append-only, one record per workflow run (workflowId + runId), durable
 * before `append` resolves. Retried and concurrent appends of the same run store it once.
 */
export interface AuditStore {
  readonly backend: AuditBackend;
  append(outcome: SwitchoverOutcome): Promise<AuditAppendResult>;
  /** Matching outcomes, most recently finished first. */
  list(query?: AuditQuery): Promise<SwitchoverOutcome[]>;
  /** Where the records go, without secrets (for logs). */
  describe(): string;
  close(): Promise<void>;
}

/**
 * What a stored record must have to be listed: the identity and the fields history filters and shows.
 * Other fields pass through untouched (records written by older or newer versions stay readable).
 */
export const storedOutcomeSchema = z.looseObject({
  kind: z.enum(SWITCHOVER_KINDS),
  workflowId: z.string().min(1),
  runId: z.string().min(1),
  resourceId: z.string(),
  status: z.string(),
  finishedAt: z.string(),
});

/** The record's identity: one per workflow run. */
export function outcomeKey(outcome: Pick<SwitchoverOutcome, 'workflowId' | 'runId'>): string {
  return `${outcome.workflowId}\u0000${outcome.runId}`;
}

/** Refuses an outcome that cannot be keyed (a bug in the caller, not something a retry fixes). */
export function assertRecordable(outcome: SwitchoverOutcome): void {
  const parsed = storedOutcomeSchema.safeParse(outcome);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(record)').join(', ');
    throw new InvalidOutcomeError(`outcome cannot be recorded: invalid ${fields}`);
  }
}

export class InvalidOutcomeError extends Error {
  override name = 'InvalidOutcomeError';
}

/** Filters, orders (most recent first) and limits outcomes in memory, as the file backend lists them. */
export function selectOutcomes(outcomes: SwitchoverOutcome[], query: AuditQuery = {}): SwitchoverOutcome[] {
  const since = query.since?.getTime();
  const selected = outcomes.filter(
    (outcome) =>
      (query.resource === undefined || outcome.resourceId === query.resource) &&
      (query.kind === undefined || outcome.kind === query.kind) &&
      (since === undefined || finishedAtMs(outcome) >= since),
  );
  // Stable sort: equal finish times keep the order they were appended in, newest append first. Each finish time
  // is parsed once, not in every comparison.
  const newestFirst = selected
    .reverse()
    .map((outcome) => ({ outcome, ms: finishedAtMs(outcome) }))
    .sort((a, b) => b.ms - a.ms)
    .map(({ outcome }) => outcome);
  return query.limit === undefined ? newestFirst : newestFirst.slice(0, Math.max(0, query.limit));
}

function finishedAtMs(outcome: SwitchoverOutcome): number {
  const ms = Date.parse(outcome.finishedAt);
  return Number.isNaN(ms) ? 0 : ms;
}
