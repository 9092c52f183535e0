import { Context } from '@temporalio/activity';
import type { CloudError } from '../domain/failures';
import type { AwaitReport, Facts } from '../domain/reports';
import { cloudErrorOf, isTransient, retryAfterMsOf } from './http/failures';
import { currentLearnedTiming, type LearnedTiming } from './learned-durations';
import {
  DEFAULT_SCHEDULE,
  END_SEEN_AT,
  firstPollDelayMs,
  LAST_RUNNING_AT,
  nextBackoffIntervalMs,
  nextPollDelayMs,
  type ScheduleSettings,
} from './poll-schedule';

/** One look at the switch in progress. */
export interface Observation {
  /** `running` keeps polling. */
  state: 'running' | 'succeeded' | 'failed';
  cloudStatus: string;
  cloudError?: CloudError;
  /** A job id discovered while polling (e.g. found in the instance's task list after a 204 swap). */
  jobId?: string;
  facts?: Facts;
  /** With `failed`: the resource was seen moved all the same (the skeleton then verifies, never `failed`). */
  moved?: boolean;
}

/** Progress kept in heartbeat details, so a retried attempt (another worker) resumes where it stopped. */
export interface PollProgress {
  polls: number;
  transientErrors: number;
  intervalMs: number;
  jobId?: string;
  lastCloudStatus?: string;
  /** When a poll last saw the switch still running (epoch ms): with the end seen, brackets its duration. */
  lastRunningAt?: number;
  facts: Facts;
}

export interface PollOptions {
  firstIntervalMs: number;
  maxIntervalMs: number;
  deadlineAt: number;
  jobId?: string;
  /** Looks once; may throw typed cloud failures (transient ones are absorbed and retried here). */
  observe: (progress: PollProgress) => Promise<Observation>;
  now?: () => number;
  /**
   * The switch's learned duration and its trigger time: sleep through the quiet part, poll densely around the
   * expected end (activities/poll-schedule.ts). Omitted: what the worker set for this await activity
   * (activities/index.ts), else the plain backoff.
   */
  learned?: LearnedTiming;
}
/** Sleep in slices so heartbeats keep flowing (and cancellation is noticed) during long intervals. */
const HEARTBEAT_SLICE_MS = 5_000;

/**
 * Temporal's frequent-polling pattern: one activity polls in a loop and heartbeats, so history stays bounded
 * however many polls happen. Without a learned duration the interval starts fast and backs off to a cap; with
 * one, the poller sleeps until shortly before the expected end and polls densely around it. Retry-After always
 * wins. Transient cloud errors are counted and polled through; permanent ones end the activity.
 */
export async function pollUntilDone(options: PollOptions): Promise<AwaitReport> {
  const ctx = Context.current();
  const now = options.now ?? Date.now;
  const resumed = ctx.info.heartbeatDetails as PollProgress | undefined;
  const progress: PollProgress = resumed ?? {
    polls: 0,
    transientErrors: 0,
    intervalMs: options.firstIntervalMs,
    jobId: options.jobId,
    facts: {},
  };
  if (resumed) ctx.log.info('resuming poll from heartbeat', { polls: resumed.polls, jobId: resumed.jobId });
  const learned = options.learned ?? currentLearnedTiming();
  const settings: ScheduleSettings = {
    ...DEFAULT_SCHEDULE,
    ...learned?.settings,
    firstIntervalMs: options.firstIntervalMs,
    maxIntervalMs: options.maxIntervalMs,
  };

  if (!resumed && learned) {
    // With a learned duration the first look waits for the dense window (a resumed attempt looks at once).
    const quietMs = firstPollDelayMs(now() - learned.triggeredAt, settings, learned.estimate);
    const remaining = options.deadlineAt - now();
    if (quietMs > 0 && remaining > 0) await sleepWithHeartbeats(Math.min(quietMs, remaining), progress);
  }

  let lastCloudError: CloudError | undefined;
  for (;;) {
    const lookedAt = now();
    let retryAfterMs = 0;
    try {
      const seen = await options.observe(progress);
      progress.polls += 1;
      progress.lastCloudStatus = seen.cloudStatus;
      progress.jobId = seen.jobId ?? progress.jobId;
      progress.facts = { ...progress.facts, ...seen.facts };
      lastCloudError = seen.cloudError;
      if (seen.state !== 'running') {
        // The end lies between the last "running" look and this one: what learned polling learns from.
        progress.facts = {
          ...progress.facts,
          [END_SEEN_AT]: now(),
          ...(progress.lastRunningAt !== undefined ? { [LAST_RUNNING_AT]: progress.lastRunningAt } : {}),
        };
        return { ...report(seen.state, progress, seen.cloudError), ...(seen.moved ? { moved: true } : {}) };
      }
      progress.lastRunningAt = lookedAt;
    } catch (error) {
      if (!isTransient(error)) throw error;
      progress.polls += 1;
      progress.transientErrors += 1;
      lastCloudError = cloudErrorOf(error);
      retryAfterMs = retryAfterMsOf(error) ?? 0;
      ctx.log.warn('transient error while polling; polling on', { error: error.message, type: error.type });
    }
    ctx.heartbeat(progress);
    const scheduledMs = nextPollDelayMs(
      { elapsedMs: learned ? now() - learned.triggeredAt : 0, backoffIntervalMs: progress.intervalMs },
      settings,
      learned?.estimate,
    );
    const waitMs = Math.max(scheduledMs, retryAfterMs);
    const remaining = options.deadlineAt - now();
    if (remaining <= 0) return report('deadline_reached', progress, lastCloudError);
    await sleepWithHeartbeats(Math.min(waitMs, remaining), progress);
    progress.intervalMs = nextBackoffIntervalMs(progress.intervalMs, settings);
  }
}

async function sleepWithHeartbeats(ms: number, progress: PollProgress): Promise<void> {
  const ctx = Context.current();
  let left = ms;
  while (left > 0) {
    const slice = Math.min(left, HEARTBEAT_SLICE_MS);
    await ctx.sleep(slice);
    ctx.heartbeat(progress);
    left -= slice;
  }
}

function report(state: AwaitReport['state'], progress: PollProgress, cloudError?: CloudError): AwaitReport {
  const status = progress.lastCloudStatus ? `last status ${progress.lastCloudStatus}` : 'no status seen';
  const summary =
    state === 'deadline_reached'
      ? `deadline reached after ${progress.polls} polls, ${status}`
      : `${state} after ${progress.polls} polls (${progress.transientErrors} transient errors), ${status}`;
  return {
    state,
    jobId: progress.jobId,
    lastCloudStatus: progress.lastCloudStatus,
    cloudError,
    polls: progress.polls,
    transientErrors: progress.transientErrors,
    summary,
    facts: progress.facts,
  };
}

/** The poll interval schedule a switchover's input asks for (seconds there, milliseconds here). */
export function pollScheduleOf(params: {
  pollIntervalSeconds: number;
  maxPollIntervalSeconds: number;
}): Pick<PollOptions, 'firstIntervalMs' | 'maxIntervalMs'> {
  return {
    firstIntervalMs: params.pollIntervalSeconds * 1000,
    maxIntervalMs: params.maxPollIntervalSeconds * 1000,
  };
}
