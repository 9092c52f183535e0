/**
 * When to look at a switch in progress: pure functions, no I/O, unit-tested on their own.
 *
 * Without history the schedule is the classic backoff (first interval, ×1.5, capped), first look at once. With a
 * learned duration (how long this resource's, or this kind's, earlier switches took) the poller sleeps through
 * the quiet part of the switch, polls densely around the expected end, and backs off again should the switch
 * run over. Every delay is a function of the time since the
 * trigger, so a retried await activity resumes the same schedule.
 */
import type { SwitchoverOutcome } from '../domain/outcome';

/** How long a switch is expected to take, from the trigger to the cloud reporting its end. */
export interface DurationEstimate {
  /** Learned from this resource's own switches, or from every switch of its kind. */
  basis: 'resource' | 'kind';
  samples: number;
  /** Earliest plausible end, ms after the trigger. */
  lowMs: number;
  /** Typical end (median), ms after the trigger. */
  expectedMs: number;
  /** Latest plausible end, ms after the trigger. */
  highMs: number;
}

export interface ScheduleSettings {
  /** Backoff without history: the first interval (the input's pollIntervalSeconds). */
  firstIntervalMs: number;
  /** The backoff's cap (the input's maxPollIntervalSeconds). */
  maxIntervalMs: number;
  /** Interval around the expected end (bounds the detection delay there). */
  denseIntervalMs: number;
  /** Dense polling starts this long before the earliest plausible end (at least). */
  leadMs: number;
  /** At most this many polls in the dense window: a wide window gets a wider interval, not more calls. */
  maxDensePolls: number;
}

/**
 * Chosen with the detection benchmark (bench/detection.ts, A: DCS 5-120 s and DWS 2-15 min, ±2-5 % per-run jitter):
 * detection p95 0.9 s with about 80 % (DCS) and 75 % (DWS) of a fixed 10 s poller's calls. It was 1 s, 1 s and 8
 * polls, with a 5 % margin and the 10 s poller's calls as the budget: p95 1.1 s (DCS), 2.6 s (DWS).
 */
export const DEFAULT_SCHEDULE = {
  denseIntervalMs: 900,
  leadMs: 1_000,
  maxDensePolls: 12,
} as const;

export const BACKOFF = 1.5;
/**
 * The dense window may spend what a fixed 5 s poller spends on the whole switch: the whole schedule (one sleep, the
 * window, rarely an overdue backoff) then stays under the Terraform provider's fixed 10 s poller.
 */
const BUDGET_POLLER_MS = 5_000;
/** The window's margin grows with the duration: a switch's run-to-run jitter of a few percent. */
const MARGIN_SHARE = 0.06;

/** The dense window [fromMs, untilMs) after the trigger and its interval, for an estimate. */
export function denseWindow(
  estimate: DurationEstimate,
  settings: ScheduleSettings,
): { fromMs: number; untilMs: number; intervalMs: number } {
  const dense = Math.min(settings.denseIntervalMs, settings.firstIntervalMs);
  // A few earlier switches span less than the next one may: widen by half their spread on each side; the
  // lead also grows a little with the duration (queueing, clock skew), never below leadMs.
  const margin = Math.max(
    settings.leadMs,
    Math.round(estimate.expectedMs * MARGIN_SHARE),
    Math.round((estimate.highMs - estimate.lowMs) / 2),
  );
  const fromMs = Math.max(0, estimate.lowMs - margin);
  const untilMs = Math.max(fromMs + dense, estimate.highMs + margin);
  // The poll budget: maxDensePolls, or BUDGET_POLLER_MS's calls on the whole switch if more.
  const budget = Math.max(1, settings.maxDensePolls, Math.floor(estimate.expectedMs / BUDGET_POLLER_MS));
  const spread = Math.ceil((untilMs - fromMs) / budget);
  // Never sparser than the backoff's cap, never denser than the dense interval.
  const intervalMs = Math.max(dense, Math.min(spread, settings.maxIntervalMs));
  return { fromMs, untilMs, intervalMs };
}

/**
 * How long to wait before the first poll: none without an estimate (an instant failure is seen at once); with
 * one, until the dense window (an early failure is then seen there, not at once: one call less per switch).
 */
export function firstPollDelayMs(
  elapsedMs: number,
  settings: ScheduleSettings,
  estimate?: DurationEstimate,
): number {
  if (!estimate) return 0;
  return Math.max(0, denseWindow(estimate, settings).fromMs - elapsedMs);
}

export interface ScheduleState {
  /** ms since the trigger, now. */
  elapsedMs: number;
  /** The backoff interval the fallback would sleep now (grows ×1.5 per poll). */
  backoffIntervalMs: number;
}

/**
 * How long to sleep before the next poll. Retry-After is applied by the caller on top (it always wins), and the
 * caller caps the sleep at the deadline.
 */
export function nextPollDelayMs(
  state: ScheduleState,
  settings: ScheduleSettings,
  estimate?: DurationEstimate,
): number {
  if (!estimate) return state.backoffIntervalMs;
  const window = denseWindow(estimate, settings);
  const t = state.elapsedMs;
  // Quiet part: one sleep (the poller heartbeats through it) up to the dense window.
  if (t < window.fromMs) return window.fromMs - t;
  if (t < window.untilMs) return window.intervalMs;
  // Overdue: back off again from the dense interval, ×1.5 per poll (half the time overdue), up to the cap.
  const overdue = t - window.untilMs;
  return Math.max(window.intervalMs, Math.min(settings.maxIntervalMs, Math.round(overdue * (BACKOFF - 1))));
}

/** The next backoff interval after a poll, as today's fallback grows it. */
export function nextBackoffIntervalMs(intervalMs: number, settings: ScheduleSettings): number {
  return Math.min(settings.maxIntervalMs, Math.round(intervalMs * BACKOFF));
}

/**
 * The schedule played against a switch lasting `durationMs` (for benchmarks and tests): how many polls it makes,
 * when it sees the end and when it last saw the switch running (ms after the trigger). Each answer arrives
 * `latencyMs` after its poll; the poller starts `startMs` after the trigger.
 */
export function simulateSchedule(
  durationMs: number,
  settings: ScheduleSettings,
  estimate?: DurationEstimate,
  options: { startMs?: number; latencyMs?: number; maxPolls?: number } = {},
): { polls: number; detectedAtMs: number; lastRunningAtMs?: number } {
  let t = options.startMs ?? 0;
  t += firstPollDelayMs(t, settings, estimate);
  let interval = settings.firstIntervalMs;
  let lastRunningAtMs: number | undefined;
  const latency = options.latencyMs ?? 0;
  for (let polls = 1; polls <= (options.maxPolls ?? 10_000); polls++) {
    if (t + latency >= durationMs) return { polls, detectedAtMs: t + latency, lastRunningAtMs };
    lastRunningAtMs = t;
    t +=
      latency + nextPollDelayMs({ elapsedMs: t + latency, backoffIntervalMs: interval }, settings, estimate);
    interval = nextBackoffIntervalMs(interval, settings);
  }
  return { polls: options.maxPolls ?? 10_000, detectedAtMs: Number.POSITIVE_INFINITY, lastRunningAtMs };
}

// ---- learning from recorded outcomes ----

/** Facts the poller adds to its report (and so to the outcome's details): when the end was bracketed. */
export const END_SEEN_AT = 'switchEndSeenAt';
export const LAST_RUNNING_AT = 'switchLastRunningAt';

/** One earlier switch: the end lay between lowMs and highMs after its trigger. */
export interface DurationSample {
  lowMs: number;
  highMs: number;
}

/**
 * What a recorded outcome says about its switch's duration: only succeeded switches with a trigger time.
 * With the poller's facts the end is bracketed by the last "running" and the first "done" look; older records
 * only have finishedAt (which adds verify and record), taken as a loose bracket [½d, d].
 */
export function sampleOf(outcome: SwitchoverOutcome): DurationSample | undefined {
  if (outcome.status !== 'succeeded' || !outcome.triggeredAt) return undefined;
  const triggeredAt = Date.parse(outcome.triggeredAt);
  if (Number.isNaN(triggeredAt)) return undefined;
  const details = outcome.details ?? {};
  const seen = details[END_SEEN_AT];
  if (typeof seen === 'number' && seen >= triggeredAt) {
    const running = details[LAST_RUNNING_AT];
    const low =
      typeof running === 'number' && running >= triggeredAt && running <= seen ? running : triggeredAt;
    return { lowMs: low - triggeredAt, highMs: seen - triggeredAt };
  }
  const finishedAt = Date.parse(outcome.finishedAt);
  if (Number.isNaN(finishedAt) || finishedAt < triggeredAt) return undefined;
  const d = finishedAt - triggeredAt;
  return { lowMs: Math.round(d / 2), highMs: d };
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];

/** The resource's last few switches bracket its next one; a kind's many switches give a wide p10-p90 range. */
export function estimateFrom(
  samples: DurationSample[],
  basis: DurationEstimate['basis'],
): DurationEstimate | undefined {
  if (samples.length === 0) return undefined;
  if (basis === 'resource') {
    // A bracket from coarse polling (a cold start's backoff) is wide; once tighter ones exist it only blurs them.
    const widest = 3 * Math.max(250, Math.min(...samples.map((s) => s.highMs - s.lowMs)));
    samples = samples.filter((s) => s.highMs - s.lowMs <= widest);
  }
  const lows = samples.map((s) => s.lowMs).sort((a, b) => a - b);
  const highs = samples.map((s) => s.highMs).sort((a, b) => a - b);
  const mids = samples.map((s) => (s.lowMs + s.highMs) / 2).sort((a, b) => a - b);
  const [qLow, qHigh] = basis === 'resource' ? [0, 1] : [0.1, 0.9];
  const lowMs = quantile(lows, qLow);
  const highMs = Math.max(lowMs, quantile(highs, qHigh));
  return { basis, samples: samples.length, lowMs, expectedMs: Math.round(quantile(mids, 0.5)), highMs };
}

export const LEARNING = {
  /** The resource's most recent switches taken into account. */
  resourceSamples: 5,
  /** The kind's most recent switches taken into account (when the resource has none). */
  kindSamples: 200,
  /** A kind-wide estimate needs at least this many switches. */
  minKindSamples: 3,
} as const;

/**
 * The estimate for one resource from its kind's recorded outcomes (most recent first): the resource's own
 * switches when it has any, else the kind's.
 */
export function learnDuration(
  outcomes: SwitchoverOutcome[],
  key: { projectId: string; resourceId: string },
): DurationEstimate | undefined {
  const own: DurationSample[] = [];
  const kind: DurationSample[] = [];
  for (const outcome of outcomes) {
    const sample = sampleOf(outcome);
    if (!sample) continue;
    if (kind.length < LEARNING.kindSamples) kind.push(sample);
    if (
      own.length < LEARNING.resourceSamples &&
      outcome.resourceId === key.resourceId &&
      outcome.projectId === key.projectId
    )
      own.push(sample);
    if (own.length >= LEARNING.resourceSamples && kind.length >= LEARNING.kindSamples) break;
  }
  if (own.length > 0) return estimateFrom(own, 'resource');
  if (kind.length >= LEARNING.minKindSamples) return estimateFrom(kind, 'kind');
  return undefined;
}
