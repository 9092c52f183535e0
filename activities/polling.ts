import { Context } from '@temporalio/activity';
import type { CloudError } from '../domain/failures';
import type { AwaitReport, Facts } from '../domain/reports';
import { cloudErrorOf, isTransient, retryAfterMsOf } from './http/failures';

/** One look at the switch in progress. */
export interface Observation {
  /** `running` keeps polling. */
  state: 'running' | 'succeeded' | 'failed';
  cloudStatus: string;
  cloudError?: CloudError;
  /** A job id discovered while polling (e.g. found in the instance's task list after a 204 swap). */
  jobId?: string;
  facts?: Facts;
}

/** Progress kept in heartbeat details, so a retried attempt (another worker) resumes where it stopped. */
export interface PollProgress {
  polls: number;
  transientErrors: number;
  intervalMs: number;
  jobId?: string;
  lastCloudStatus?: string;
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
}

const BACKOFF = 1.5;
/** Sleep in slices so heartbeats keep flowing (and cancellation is noticed) during long intervals. */
const HEARTBEAT_SLICE_MS = 5_000;

/**
 * Temporal's frequent-polling pattern: one activity polls in a loop and heartbeats, so history stays bounded
 * however many polls happen. The interval starts fast, backs off to a cap and honours Retry-After.
 * Transient cloud errors are counted and polled through; permanent ones end the activity.
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

  let lastCloudError: CloudError | undefined;
  for (;;) {
    let waitMs = progress.intervalMs;
    try {
      const seen = await options.observe(progress);
      progress.polls += 1;
      progress.lastCloudStatus = seen.cloudStatus;
      progress.jobId = seen.jobId ?? progress.jobId;
      progress.facts = { ...progress.facts, ...seen.facts };
      lastCloudError = seen.cloudError;
      if (seen.state !== 'running') {
        return report(seen.state, progress, seen.cloudError);
      }
    } catch (error) {
      if (!isTransient(error)) throw error;
      progress.polls += 1;
      progress.transientErrors += 1;
      lastCloudError = cloudErrorOf(error);
      waitMs = Math.max(waitMs, retryAfterMsOf(error) ?? 0);
      ctx.log.warn('transient error while polling; polling on', { error: error.message, type: error.type });
    }
    ctx.heartbeat(progress);
    const remaining = options.deadlineAt - now();
    if (remaining <= 0) return report('deadline_reached', progress, lastCloudError);
    await sleepWithHeartbeats(Math.min(waitMs, remaining), progress);
    progress.intervalMs = Math.min(options.maxIntervalMs, Math.round(progress.intervalMs * BACKOFF));
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
