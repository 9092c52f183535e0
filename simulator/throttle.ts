import { z } from 'zod';
import type { Service, SimResponse } from './types';
import { SimulatorInputError } from './types';

/**
 * The API gateway's throttle and two meters the plan tests read:
 * - Throttle: per project and service, at most `callsPerSecond` cloud API calls in any sliding one-second window;
 *   the call over the limit is answered 429 `APIG.0308` with `Retry-After` (whole seconds, at least 1), as the
 *   real gateway does ("policy user over ratelimit"). Off until configured.
 * - Rate meter: the peak number of calls ACCEPTED (not throttled) per project and service in any one-second
 *   window, and how many were throttled. Always on.
 * - Switch meter: every switch the simulator started (DCS swap job, DWS switchover/failover, DRS VIP switch) as
 *   an interval from its start to its scheduled end; the maximum number in progress at once.
 */

export const throttleConfigSchema = z
  .object({
    /** Calls per second per project and service; 0 or absent = off. */
    callsPerSecond: z
      .number({ error: 'callsPerSecond must be a number' })
      .int({ message: 'callsPerSecond must be a whole number' })
      .min(0, { message: 'callsPerSecond must be at least 0 (0 = off)' }),
    /** Services to throttle (default all but iam). */
    services: z
      .array(
        z.enum(['dcs', 'dws', 'drs', 'iam'], { message: "services must list 'dcs', 'dws', 'drs', 'iam'" }),
      )
      .optional(),
  })
  .strict();
export type ThrottleConfig = z.input<typeof throttleConfigSchema>;

const WINDOW_MS = 1000;

interface KeyState {
  /** Times of accepted calls within the last window (ascending). */
  accepted: number[];
  peak: number;
  peakAt?: number;
  /** Times of every call (accepted or throttled) within the last window, and their peak: the demand. */
  attempted: number[];
  attemptedPeak: number;
  total: number;
  throttled: number;
}

export interface RateView {
  project: string;
  service: Service;
  /** Most calls accepted in any one-second window. */
  peakPerSecond: number;
  /** Most calls received (accepted or throttled) in any one-second window: above the limit means some got 429. */
  peakAttemptedPerSecond: number;
  peakAt?: string;
  accepted: number;
  throttled: number;
}

export interface SwitchInterval {
  service: Service;
  projectId: string;
  resourceId: string;
  startMs: number;
  /** Scheduled end; undefined while it has none (a STUCK switch). */
  endMs?: number;
}

export class ApiThrottle {
  private config: { callsPerSecond: number; services: Service[] } = { callsPerSecond: 0, services: [] };
  private readonly keys = new Map<string, KeyState>();
  private readonly switches: SwitchInterval[] = [];

  constructor(private readonly clock: () => number = Date.now) {}

  configure(input: unknown): { callsPerSecond: number; services: Service[] } {
    const parsed = throttleConfigSchema.safeParse(input);
    if (!parsed.success) {
      throw new SimulatorInputError(
        `invalid throttle: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
      );
    }
    this.config = {
      callsPerSecond: parsed.data.callsPerSecond,
      services: parsed.data.services ?? ['dcs', 'dws', 'drs'],
    };
    return this.settings();
  }

  settings(): { callsPerSecond: number; services: Service[] } {
    return { ...this.config, services: [...this.config.services] };
  }

  /**
   * Called for every cloud API call before it is handled: undefined lets it through (and counts it), a 429
   * answer throttles it. Calls without a project (IAM) are keyed by '-'.
   */
  admit(service: Service | undefined, project: string | undefined): SimResponse | undefined {
    if (!service) return undefined;
    const now = this.clock();
    const key = `${project ?? '-'} ${service}`;
    let state = this.keys.get(key);
    if (!state) {
      state = { accepted: [], peak: 0, total: 0, throttled: 0, attempted: [], attemptedPeak: 0 };
      this.keys.set(key, state);
    }
    while (state.accepted.length && state.accepted[0]! <= now - WINDOW_MS) state.accepted.shift();
    while (state.attempted.length && state.attempted[0]! <= now - WINDOW_MS) state.attempted.shift();
    state.attempted.push(now);
    state.attemptedPeak = Math.max(state.attemptedPeak, state.attempted.length);
    const limit = this.config.callsPerSecond;
    if (limit > 0 && this.config.services.includes(service) && state.accepted.length >= limit) {
      state.throttled += 1;
      const waitMs = state.accepted[0]! + WINDOW_MS - now;
      return {
        status: 429,
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
        body: {
          error_code: 'APIG.0308',
          error_msg: `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:1 second`,
        },
      };
    }
    state.accepted.push(now);
    state.total += 1;
    if (state.accepted.length > state.peak) {
      state.peak = state.accepted.length;
      state.peakAt = now;
    }
    return undefined;
  }

  rates(): RateView[] {
    return [...this.keys.entries()].map(([key, s]) => {
      const [project, service] = key.split(' ') as [string, Service];
      return {
        project,
        service,
        peakPerSecond: s.peak,
        peakAttemptedPerSecond: s.attemptedPeak,
        peakAt: s.peakAt === undefined ? undefined : new Date(s.peakAt).toISOString(),
        accepted: s.total,
        throttled: s.throttled,
      };
    });
  }

  /** Stores report each switch they start. */
  readonly switchStarted = (interval: SwitchInterval): void => {
    this.switches.push(interval);
  };

  /** The most switches in progress at the same time (optionally of one project), and how many there were. */
  concurrency(filter: { projectId?: string } = {}): { maxConcurrent: number; switches: number } {
    const now = this.clock();
    const events: Array<[number, number]> = [];
    let count = 0;
    for (const s of this.switches) {
      if (filter.projectId && s.projectId !== filter.projectId) continue;
      count += 1;
      events.push([s.startMs, 1], [s.endMs ?? Math.max(now, s.startMs + 1), -1]);
    }
    // Ends before starts at the same instant: a switch that ends as another starts is not concurrent with it.
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0;
    let max = 0;
    for (const [, delta] of events) {
      current += delta;
      max = Math.max(max, current);
    }
    return { maxConcurrent: max, switches: count };
  }

  /** Clears the meters (not the configuration). */
  resetMeters(): void {
    this.keys.clear();
    this.switches.length = 0;
  }

  reset(): void {
    this.resetMeters();
    this.config = { callsPerSecond: 0, services: [] };
  }
}
