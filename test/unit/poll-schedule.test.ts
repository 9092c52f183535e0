import {
  DEFAULT_SCHEDULE,
  denseWindow,
  estimateFrom,
  firstPollDelayMs,
  learnDuration,
  nextPollDelayMs,
  sampleOf,
  simulateSchedule,
  type DurationEstimate,
  type ScheduleSettings,
} from '../../activities/poll-schedule';
import { createDurationLearner } from '../../activities/learned-durations';
import type { SwitchoverOutcome } from '../../domain/outcome';

const settings: ScheduleSettings = { ...DEFAULT_SCHEDULE, firstIntervalMs: 2_000, maxIntervalMs: 30_000 };
const sixty: DurationEstimate = {
  basis: 'resource',
  samples: 3,
  lowMs: 59_000,
  expectedMs: 60_000,
  highMs: 61_000,
};

/** Poll times (ms after the trigger) for a switch that never ends, up to `untilMs`. */
function pollTimes(estimate: DurationEstimate | undefined, untilMs: number, s = settings): number[] {
  const times: number[] = [];
  let t = 0;
  let interval = s.firstIntervalMs;
  while (t <= untilMs) {
    times.push(t);
    t += nextPollDelayMs({ elapsedMs: t, backoffIntervalMs: interval }, s, estimate);
    interval = Math.min(s.maxIntervalMs, Math.round(interval * 1.5));
  }
  return times;
}

describe('nextPollDelayMs', () => {
  it('without history is the plain backoff: 2 s, x1.5, capped at 30 s', () => {
    expect(pollTimes(undefined, 60_000)).toEqual([0, 2000, 5000, 9500, 16250, 26375, 41563]);
  });

  it('with a learned 60 s switch: one look at once, a quiet sleep, then 0.9 s polls around the end', () => {
    const times = pollTimes(sixty, 63_000);
    const window = denseWindow(sixty, settings);
    // margin: 6 % of 60 s (more than the 1 s lead and half the 2 s spread of earlier switches)
    expect(window).toEqual({ fromMs: 55_400, untilMs: 64_600, intervalMs: 900 });
    expect(times[0]).toBe(0);
    expect(times[1]).toBe(window.fromMs);
    // Dense part: consecutive polls 0.9 s apart from 55.4 s until past the latest plausible end.
    const dense = times.slice(1).filter((t) => t < window.untilMs);
    for (let i = 1; i < dense.length; i++) expect(dense[i] - dense[i - 1]).toBe(900);
    expect(dense.at(-1)! + 900).toBeGreaterThanOrEqual(61_000);
    expect(times.length).toBeLessThanOrEqual(pollTimes(undefined, 63_000).length + 3);
  });

  it('the first look waits for the dense window with history, and is immediate without', () => {
    expect(firstPollDelayMs(150, settings, sixty)).toBe(55_400 - 150);
    expect(firstPollDelayMs(58_000, settings, sixty)).toBe(0);
    expect(firstPollDelayMs(150, settings)).toBe(0);
  });

  it('backs off again when the switch runs over, up to the cap', () => {
    const times = pollTimes(sixty, 400_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const late = gaps.slice(-3);
    expect(late.every((gap) => gap === 30_000)).toBe(true);
    // growing, never shrinking, after the window
    const afterWindow = gaps.slice(gaps.findIndex((_gap, i) => times[i] >= 64_000));
    for (let i = 1; i < afterWindow.length; i++)
      expect(afterWindow[i]).toBeGreaterThanOrEqual(afterWindow[i - 1]);
  });

  it('a wide window (a kind-wide estimate) spends a bounded number of polls, at a wider interval', () => {
    const wide: DurationEstimate = {
      basis: 'kind',
      samples: 50,
      lowMs: 5_000,
      expectedMs: 60_000,
      highMs: 120_000,
    };
    const window = denseWindow(wide, settings);
    expect(window.intervalMs).toBeGreaterThan(settings.denseIntervalMs);
    const inWindow = pollTimes(wide, 200_000).filter((t) => t >= window.fromMs && t < window.untilMs);
    expect(inWindow.length).toBeLessThanOrEqual(settings.maxDensePolls);
  });

  it('a short first interval (tests) shortens the dense one, within the poll budget', () => {
    // (the budget: maxDensePolls, or a fixed 5 s poller's calls over the whole switch if more)
    const fast = { ...settings, firstIntervalMs: 200 };
    // window 55.4-64.6 s = 9.2 s over at most 12 polls: 767 ms, the budget rules
    expect(denseWindow(sixty, fast).intervalMs).toBe(767);
    const tight = { ...fast, maxDensePolls: 100 };
    expect(denseWindow(sixty, tight).intervalMs).toBe(200);
  });

  it("a switch of minutes (DWS): its window spends at most a fixed 5 s poller's calls, a 10 s poller's by its middle", () => {
    const eightMinutes: DurationEstimate = {
      basis: 'resource',
      samples: 3,
      lowMs: 470_000,
      expectedMs: 480_000,
      highMs: 490_000,
    };
    const window = denseWindow(eightMinutes, settings);
    // margin 6 % of 8 min = 28.8 s; budget 480 s / 5 s = 96 polls over 77.6 s: the dense interval rules
    expect(window).toEqual({ fromMs: 441_200, untilMs: 518_800, intervalMs: 900 });
    const inWindow = pollTimes(eightMinutes, 600_000).filter((t) => t >= window.fromMs && t < window.untilMs);
    expect(inWindow.length).toBeLessThanOrEqual(96);
    // A switch ending at its expected time costs no more than the fixed 10 s poller (about half the window).
    const fixed10 = { ...settings, firstIntervalMs: 10_000, maxIntervalMs: 10_000 };
    expect(simulateSchedule(480_000, settings, eightMinutes).polls).toBeLessThanOrEqual(
      simulateSchedule(480_000, fixed10).polls,
    );
  });

  it('resumes the same schedule from the elapsed time alone (a retried attempt on another worker)', () => {
    const a = nextPollDelayMs({ elapsedMs: 30_000, backoffIntervalMs: 2_000 }, settings, sixty);
    expect(a).toBe(55_400 - 30_000);
  });
});

describe('simulateSchedule (detection delay and calls)', () => {
  it('learned: detects a switch within the dense interval with fewer calls than a fixed 10 s poller', () => {
    const learned = simulateSchedule(60_300, settings, sixty);
    const fixed10 = simulateSchedule(60_300, { ...settings, firstIntervalMs: 10_000, maxIntervalMs: 10_000 });
    expect(learned.detectedAtMs - 60_300).toBeLessThanOrEqual(1_000);
    expect(learned.polls).toBeLessThanOrEqual(fixed10.polls);
    expect(fixed10.detectedAtMs - 60_300).toBe(9_700);
  });

  it('backoff without history: the issue figures (a 60 s switch noticed late)', () => {
    const r = simulateSchedule(60_000, settings);
    expect(r.detectedAtMs).toBe(64_345);
    expect(r.polls).toBe(8);
  });
});

const outcome = (over: Partial<SwitchoverOutcome> & { ms?: number; details?: Record<string, unknown> }) => {
  const trig = Date.parse('2026-01-01T00:00:00Z');
  const { ms = 60_000, ...rest } = over;
  return {
    kind: 'dcs',
    workflowId: 'dcs:p:r1',
    runId: Math.random().toString(36),
    projectId: 'p',
    resourceId: 'r1',
    status: 'succeeded',
    triggeredAt: new Date(trig).toISOString(),
    finishedAt: new Date(trig + ms + 2_000).toISOString(),
    details: { switchLastRunningAt: trig + ms - 400, switchEndSeenAt: trig + ms + 600 },
    ...rest,
  } as unknown as SwitchoverOutcome;
};

describe('learning durations from recorded outcomes', () => {
  it('brackets the end with the poller facts, and loosely with finishedAt for older records', () => {
    expect(sampleOf(outcome({}))).toEqual({ lowMs: 59_600, highMs: 60_600 });
    expect(sampleOf(outcome({ details: {} }))).toEqual({ lowMs: 31_000, highMs: 62_000 });
    expect(sampleOf(outcome({ status: 'failed' }))).toBeUndefined();
    expect(sampleOf(outcome({ triggeredAt: undefined }))).toBeUndefined();
  });

  it("prefers the resource's own switches, else the kind's (at least 3), else nothing", () => {
    const others = [1, 2, 3].map((i) => outcome({ resourceId: `x${i}`, ms: 10_000 * i }));
    expect(
      learnDuration([outcome({ ms: 45_000 }), ...others], { projectId: 'p', resourceId: 'r1' }),
    ).toMatchObject({ basis: 'resource', samples: 1, lowMs: 44_600, highMs: 45_600 });
    expect(learnDuration(others, { projectId: 'p', resourceId: 'r1' })).toMatchObject({
      basis: 'kind',
      samples: 3,
    });
    expect(learnDuration(others.slice(0, 2), { projectId: 'p', resourceId: 'r1' })).toBeUndefined();
    // another project's resource of the same id is not this resource
    expect(
      learnDuration([outcome({ projectId: 'q' }), ...others.slice(0, 2)], {
        projectId: 'p',
        resourceId: 'r1',
      }),
    ).toMatchObject({ basis: 'kind' });
  });

  it("a cold start's coarse bracket is dropped once tighter ones exist", () => {
    const coarse = { lowMs: 10_000, highMs: 40_000 };
    const tight = { lowMs: 29_800, highMs: 30_200 };
    expect(estimateFrom([coarse, tight], 'resource')).toMatchObject({
      lowMs: 29_800,
      highMs: 30_200,
      samples: 1,
    });
    expect(estimateFrom([coarse], 'resource')).toMatchObject({ lowMs: 10_000, highMs: 40_000 });
  });

  it('estimateFrom: min/max for a resource, p10/p90 for a kind', () => {
    const samples = Array.from({ length: 11 }, (_, i) => ({ lowMs: i * 1000, highMs: i * 1000 + 500 }));
    expect(estimateFrom(samples, 'resource')).toMatchObject({ lowMs: 0, highMs: 10_500, expectedMs: 5_250 });
    expect(estimateFrom(samples, 'kind')).toMatchObject({ lowMs: 1_000, highMs: 9_500 });
  });

  it('the learner reads the store once per kind per refresh, and a failing store means no estimate', async () => {
    let clock = 0;
    const reads: string[] = [];
    const learner = createDurationLearner({
      now: () => clock,
      refreshMs: 1000,
      outcomesOf: async (kind) => {
        reads.push(kind);
        if (reads.length === 3) throw new Error('store down');
        return [outcome({})];
      },
    });
    const key = { kind: 'dcs' as const, projectId: 'p', resourceId: 'r1' };
    await Promise.all([learner(key), learner(key), learner(key)]);
    expect(reads).toEqual(['dcs']);
    await learner({ ...key, kind: 'dws' });
    expect(reads).toEqual(['dcs', 'dws']);
    clock = 1000;
    await expect(learner(key)).resolves.toBeUndefined();
    clock = 2000;
    await expect(learner(key)).resolves.toMatchObject({ basis: 'resource' });
  });
});
