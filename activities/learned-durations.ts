/**
 * Learned switch durations for the poller, from the audit store: one listing per kind, refreshed at most every
 * `refreshMs` and shared by every await activity of that kind (a thousand switchovers starting at once read the
 * store once, not a thousand times). The context lets the worker hand the estimate to `pollUntilDone` without
 * the service activities passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SwitchoverKind } from '../domain/kinds';
import type { SwitchoverOutcome } from '../domain/outcome';
import { learnDuration, LEARNING, type DurationEstimate, type ScheduleSettings } from './poll-schedule';

export interface DurationKey {
  kind: SwitchoverKind;
  projectId: string;
  resourceId: string;
}

export type ExpectedDuration = (key: DurationKey) => Promise<DurationEstimate | undefined>;

export interface DurationLearnerOptions {
  /** The kind's recorded outcomes, most recently finished first (e.g. `audit.list({ kind, limit })`). */
  outcomesOf: (kind: SwitchoverKind, limit: number) => Promise<SwitchoverOutcome[]>;
  /** How long one listing serves (default 60 s). */
  refreshMs?: number;
  now?: () => number;
  /** How many recent outcomes of a kind are read (default 2000). */
  limit?: number;
}

/** An `ExpectedDuration` over a cached listing per kind; a failing store means "no estimate", never an error. */
export function createDurationLearner(options: DurationLearnerOptions): ExpectedDuration {
  const refreshMs = options.refreshMs ?? 60_000;
  const now = options.now ?? Date.now;
  const limit = options.limit ?? Math.max(2000, LEARNING.kindSamples);
  const cache = new Map<SwitchoverKind, { at: number; outcomes: Promise<SwitchoverOutcome[]> }>();
  return async (key) => {
    let entry = cache.get(key.kind);
    if (!entry || now() - entry.at >= refreshMs) {
      entry = { at: now(), outcomes: options.outcomesOf(key.kind, limit).catch(() => []) };
      cache.set(key.kind, entry);
    }
    return learnDuration(await entry.outcomes, key);
  };
}

/** What the await activity's poller learned before it started: the estimate and the trigger time it is relative to. */
export interface LearnedTiming {
  triggeredAt: number;
  estimate?: DurationEstimate;
  /** The worker's dense-polling settings (SWITCHOVER_POLL_DENSE_INTERVAL_MS...); defaults otherwise. */
  settings?: Partial<Pick<ScheduleSettings, 'denseIntervalMs' | 'leadMs' | 'maxDensePolls'>>;
}

const timingContext = new AsyncLocalStorage<LearnedTiming>();

/** Runs `work` (an await activity) with the learned timing `pollUntilDone` picks up. */
export function withLearnedTiming<T>(timing: LearnedTiming, work: () => Promise<T>): Promise<T> {
  return timingContext.run(timing, work);
}

/** The learned timing of the await activity running now, if the worker set one. */
export function currentLearnedTiming(): LearnedTiming | undefined {
  return timingContext.getStore();
}
