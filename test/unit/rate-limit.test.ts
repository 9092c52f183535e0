/**
 * The cloud rate limiter and the simulator's gateway throttle: permits never exceed the rate in any sliding
 * one-second window (counted by the simulator's own meter), and the throttle answers 429 APIG.0308 with
 * Retry-After once the limit is reached. Permits shared through PostgreSQL hold across limiter instances (as
 * across worker processes).
 */
import { createRateLimiter, slotPlan } from '../../activities/http/rate-limit';
import { ApiThrottle } from '../../simulator/throttle';
import { postgresForTests, startTestPostgres, type TestPostgres } from '../helpers/postgres';

describe('slotPlan', () => {
  test.each([
    [3, 1000, 1, 1],
    [10, 250, 1, 4],
    [20, 250, 3, 12],
    [30, 250, 5, 20],
    [50, 250, 8, 32],
  ])('rate %i: %i ms slots of %i permits (%i/s allowed)', (rate, slotMs, budget, effective) => {
    expect(slotPlan(rate)).toEqual({ slotMs, budget, effectiveRate: effective });
  });
  test('refuses a rate below 3', () => {
    expect(() => slotPlan(2)).toThrow(/at least 3/);
  });
});

describe('ApiThrottle (simulator)', () => {
  test('lets `callsPerSecond` through per project and service in any second, then answers 429 APIG.0308 with Retry-After', () => {
    let now = 10_000;
    const throttle = new ApiThrottle(() => now);
    throttle.configure({ callsPerSecond: 3 });
    const answers = [0, 100, 200, 300, 400].map((t) => {
      now = 10_000 + t;
      return throttle.admit('dcs', 'p1')?.status ?? 200;
    });
    expect(answers).toEqual([200, 200, 200, 429, 429]);
    expect(throttle.admit('dcs', 'p2')).toBeUndefined(); // another project has its own budget
    expect(throttle.admit('dws', 'p1')).toBeUndefined(); // and another service
    now = 10_950;
    const refused = throttle.admit('dcs', 'p1')!;
    expect(refused).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
    expect(refused.body).toMatchObject({ error_code: 'APIG.0308' });
    now = 11_001; // the first call left the window
    expect(throttle.admit('dcs', 'p1')).toBeUndefined();
    expect(throttle.rates().find((r) => r.project === 'p1' && r.service === 'dcs')).toMatchObject({
      peakPerSecond: 3,
      peakAttemptedPerSecond: 6,
      accepted: 4,
      throttled: 3,
    });
  });

  test('records the most switches in progress at once', () => {
    const throttle = new ApiThrottle(() => 0);
    const sw = (startMs: number, endMs: number) =>
      throttle.switchStarted({ service: 'dcs', projectId: 'p', resourceId: `r${startMs}`, startMs, endMs });
    sw(0, 100);
    sw(50, 150);
    sw(100, 200); // starts as the first ends: not concurrent with it
    sw(120, 130);
    expect(throttle.concurrency()).toEqual({ maxConcurrent: 3, switches: 4 });
  });

  test('refuses a bad configuration naming the field', () => {
    expect(() => new ApiThrottle().configure({ callsPerSecond: -1 })).toThrow(/callsPerSecond: .*at least 0/);
  });
});

/** Takes `count` permits as fast as the limiter gives them, on `limiters` in turn, into a throttle's meter. */
async function drive(
  limiters: Array<ReturnType<typeof createRateLimiter>>,
  count: number,
  meter: ApiThrottle,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 30 }, async (_, lane) => {
      const limiter = limiters[lane % limiters.length]!;
      while (next < count) {
        next += 1;
        await limiter.acquire('dcs', 'project-1');
        expect(meter.admit('dcs', 'project-1')).toBeUndefined();
      }
    }),
  );
}

describe('createRateLimiter', () => {
  test('memory: 40 permits for 30 eager callers never exceed 30 in any sliding second', async () => {
    const meter = new ApiThrottle();
    meter.configure({ callsPerSecond: 30 });
    const limiter = createRateLimiter({ callsPerSecond: 30, store: { kind: 'memory' } });
    await drive([limiter], 40, meter);
    const [rate] = meter.rates();
    expect(rate).toMatchObject({ accepted: 40, throttled: 0 });
    expect(rate!.peakPerSecond).toBeLessThanOrEqual(30);
    expect(rate!.peakPerSecond).toBeGreaterThanOrEqual(15); // it is a limit, not a stall
  });

  test('memory: fails closed (not sent) when no permit comes in time', async () => {
    // 1 permit per 1000 ms slot; three callers willing to wait 300 ms touch at most two slots.
    const limiter = createRateLimiter({ callsPerSecond: 3, store: { kind: 'memory' }, maxWaitMs: 300 });
    const results = await Promise.allSettled([1, 2, 3].map(() => limiter.acquire('dcs', 'p')));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(
      /no permit for dcs calls in project p in time \(limit 3\/s\)/,
    );
  });

  test('memory: a priority caller (a trigger) is served before waiting reads', async () => {
    const limiter = createRateLimiter({ callsPerSecond: 3, store: { kind: 'memory' } });
    const order: string[] = [];
    await limiter.acquire('dcs', 'p');
    const reads = [1, 2].map((i) => limiter.acquire('dcs', 'p').then(() => order.push(`read${i}`)));
    const trigger = limiter.acquire('dcs', 'p', { priority: true }).then(() => order.push('trigger'));
    await Promise.race([trigger, ...reads]);
    expect(order).toEqual(['trigger']);
    await Promise.all([trigger, ...reads]);
  });
});

const pg = postgresForTests();
pg.describe('createRateLimiter with PostgreSQL', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 120_000);
  afterAll(() => server?.stop());

  test('three limiters sharing the database (as three workers) together stay within the rate', async () => {
    const url = await server.createDatabase('ratelimit');
    const limiters = [1, 2, 3].map(() =>
      createRateLimiter({ callsPerSecond: 30, store: { kind: 'postgres', connectionString: url } }),
    );
    const meter = new ApiThrottle();
    meter.configure({ callsPerSecond: 30 });
    try {
      await drive(limiters, 40, meter);
    } finally {
      await Promise.all(limiters.map((l) => l.close()));
    }
    const [rate] = meter.rates();
    expect(rate).toMatchObject({ accepted: 40, throttled: 0 });
    expect(rate!.peakPerSecond).toBeLessThanOrEqual(30);
  });
});
