/**
 * Cloud API rate limiting per service and project, shared by every worker of a deployment.
 *
 * The gateway throttles per user and API in one-second windows (429 `APIG.0308`). Each call first takes a permit:
 * time is cut into slots (250 ms for most rates) and each (service, project) gets `budget` permits per slot,
 * counted in a shared store. A permit is used at once, so any one-second window of calls (as the gateway counts
 * them, sliding) touches at most `slotsPerSecond + 1` slots, plus one for the delay between permit and arrival:
 * budget = floor(rate / (slotsPerSecond + 2)) keeps every window within `rate`, whatever the number of workers.
 *
 * Stores:
 * - `postgres`: one row per (key, slot) in `switchover_rate_limit`, taken with an atomic
 *   `INSERT ... ON CONFLICT DO UPDATE ... WHERE used < budget`, slots numbered by the DATABASE's clock (no
 *   worker clock skew). This is the deployment's shared store (the audit database workers on several hosts use).
 * - `memory`: the same slots in this process only: exact for one worker process, multiplied by the number of
 *   processes (the README says so).
 *
 * Failure mode: fail closed. When no permit can be had within `maxWaitMs` (limit saturated, or the database
 * unreachable) the call is not sent and fails as `CloudThrottledError` (definitely not sent), which the
 * workflows retry with backoff; a trigger's safety is unaffected (nothing reached the cloud).
 */
import { Pool } from 'pg';

export interface AcquireOptions {
  /** Served before waiting reads (a trigger must not starve behind polls). */
  priority?: boolean;
  /** Wait at most this long (default: the limiter's maxWaitMs). */
  maxWaitMs?: number;
}

export interface CloudRateLimiter {
  /** Waits for a permit to call `service` in `projectId`; throws RateLimitWaitError when none comes in time. */
  acquire(service: string, projectId: string, options?: AcquireOptions): Promise<void>;
  close(): Promise<void>;
  readonly description: string;
}

export class RateLimitWaitError extends Error {
  override name = 'RateLimitWaitError';
}

export interface SlotPlan {
  slotMs: number;
  budget: number;
  /** Calls per second actually allowed (≤ the configured rate). */
  effectiveRate: number;
}

/**
 * Slot length and per-slot budget for `rate` calls per second (rate ≥ 3). A sliding second touches at most
 * ceil(1000 / slotMs) + 1 slots; one more slot of margin absorbs the time between a permit and the call's
 * arrival (up to a slot: event-loop delays, connection set-up). Of the slot lengths below, the one that allows
 * the most calls per second wins.
 */
export function slotPlan(rate: number): SlotPlan {
  if (!Number.isInteger(rate) || rate < 3)
    throw new Error('rate must be a whole number of at least 3 calls per second');
  let best: SlotPlan | undefined;
  for (const slotMs of [250, 500, 1000]) {
    const budget = Math.floor(rate / (Math.ceil(1000 / slotMs) + 2));
    const effectiveRate = Math.floor((budget * 1000) / slotMs);
    if (budget > 0 && (!best || effectiveRate > best.effectiveRate)) best = { slotMs, budget, effectiveRate };
  }
  return best!;
}

interface SlotStore {
  /** Takes one permit in the current slot; false when the slot is used up. `waitMs`: until the next slot. */
  take(key: string, plan: SlotPlan): Promise<{ ok: boolean; waitMs: number }>;
  close(): Promise<void>;
}

class MemorySlots implements SlotStore {
  private readonly used = new Map<string, { slot: number; used: number }>();
  async take(key: string, plan: SlotPlan) {
    const now = Date.now();
    const slot = Math.floor(now / plan.slotMs);
    const waitMs = (slot + 1) * plan.slotMs - now;
    const entry = this.used.get(key);
    if (!entry || entry.slot !== slot) {
      this.used.set(key, { slot, used: 1 });
      return { ok: true, waitMs };
    }
    if (entry.used >= plan.budget) return { ok: false, waitMs };
    entry.used += 1;
    return { ok: true, waitMs };
  }
  async close() {}
}

const TABLE = 'switchover_rate_limit';

class PostgresSlots implements SlotStore {
  private readonly pool: Pool;
  private ready?: Promise<void>;
  private takes = 0;

  constructor(connectionString: string) {
    this.pool = new Pool({ connectionString, max: 4, idleTimeoutMillis: 10_000 });
    this.pool.on('error', () => undefined);
  }

  private schema(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (key text NOT NULL, slot bigint NOT NULL, used integer NOT NULL, PRIMARY KEY (key, slot))`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.ready = undefined;
          // Two workers creating it at once: one wins, the other sees the unique violation; the table is there.
          if ((error as { code?: string }).code !== '23505') throw error;
        },
      );
    return this.ready;
  }

  async take(key: string, plan: SlotPlan) {
    await this.schema();
    const result = await this.pool.query<{ slot: string | null; wait_ms: string }>(
      `WITH now AS (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms),
            s AS (SELECT floor(ms / $3)::bigint AS slot, ms FROM now),
            taken AS (
              INSERT INTO ${TABLE} (key, slot, used) SELECT $1, slot, 1 FROM s
              ON CONFLICT (key, slot) DO UPDATE SET used = ${TABLE}.used + 1 WHERE ${TABLE}.used < $2
              RETURNING slot)
       SELECT (SELECT slot FROM taken) AS slot, ((s.slot + 1) * $3 - s.ms)::bigint AS wait_ms FROM s`,
      [key, plan.budget, plan.slotMs],
    );
    const row = result.rows[0]!;
    if (++this.takes % 500 === 0) {
      // Old slots are never read again.
      await this.pool
        .query(
          `DELETE FROM ${TABLE} WHERE slot < floor(extract(epoch FROM clock_timestamp()) * 1000 / $1) - 100`,
          [plan.slotMs],
        )
        .catch(() => undefined);
    }
    return { ok: row.slot !== null, waitMs: Math.max(1, Number(row.wait_ms)) };
  }

  async close() {
    await this.pool.end();
  }
}

export interface RateLimiterOptions {
  /** Calls per second per service and project (the gateway's limit, or less). */
  callsPerSecond: number;
  /** `memory` (this process) or a PostgreSQL URL (shared by every worker using it). */
  store: { kind: 'memory' } | { kind: 'postgres'; connectionString: string };
  /** Longest wait for a permit before the call fails as throttled (not sent). Default 20 s. */
  maxWaitMs?: number;
}

interface Waiter {
  priority: boolean;
  deadline: number;
  /** Gets the local time until which the permit may be used (the end of its slot plus one slot of margin). */
  resolve: (validUntil: number) => void;
  reject: (error: Error) => void;
}

export function createRateLimiter(options: RateLimiterOptions): CloudRateLimiter {
  const plan = slotPlan(options.callsPerSecond);
  const store: SlotStore =
    options.store.kind === 'postgres' ? new PostgresSlots(options.store.connectionString) : new MemorySlots();
  const defaultWaitMs = options.maxWaitMs ?? 20_000;
  // One queue per key in this process: first come, first served (priority calls first), and only the head asks
  // the store, so waiting callers do not hammer it.
  const queues = new Map<string, Waiter[]>();

  const pump = async (key: string, service: string, projectId: string) => {
    const queue = queues.get(key)!;
    while (queue.length) {
      const now = Date.now();
      for (let i = queue.length - 1; i >= 0; i--) {
        const waiter = queue[i]!;
        if (waiter.deadline <= now) {
          queue.splice(i, 1);
          waiter.reject(
            new RateLimitWaitError(
              `no permit for ${service} calls in project ${projectId} in time (limit ${options.callsPerSecond}/s)`,
            ),
          );
        }
      }
      if (!queue.length) break;
      let answer: { ok: boolean; waitMs: number };
      const asked = Date.now();
      try {
        answer = await store.take(key, plan);
      } catch {
        answer = { ok: false, waitMs: 250 }; // the store is unreachable: fail closed, waiters time out
      }
      if (answer.ok) {
        const next = queue.findIndex((w) => w.priority);
        const [waiter] = queue.splice(next >= 0 ? next : 0, 1);
        // The slot ends `waitMs` after the grant, which came after `asked`: a conservative local bound.
        waiter!.resolve(asked + answer.waitMs + plan.slotMs);
        continue;
      }
      await new Promise((r) => setTimeout(r, answer.waitMs));
    }
    queues.delete(key);
  };

  return {
    description:
      `${options.callsPerSecond} calls/s per service and project (${plan.budget} per ${plan.slotMs} ms slot, ` +
      `${options.store.kind === 'postgres' ? 'shared by all workers through PostgreSQL' : 'this worker process only'})`,
    async acquire(service, projectId, acquireOptions = {}) {
      const key = `${service}:${projectId}`;
      const deadline = Date.now() + (acquireOptions.maxWaitMs ?? defaultWaitMs);
      for (;;) {
        const validUntil = await new Promise<number>((resolve, reject) => {
          const waiter: Waiter = { priority: acquireOptions.priority === true, deadline, resolve, reject };
          const queue = queues.get(key);
          if (queue) {
            queue.push(waiter);
            return;
          }
          queues.set(key, [waiter]);
          void pump(key, service, projectId);
        });
        // A permit that reaches its caller late (a busy event loop) is stale: using it could put the call in a
        // later second than the one it was counted in. Drop it (wasted, never over) and queue again.
        if (Date.now() <= validUntil) return;
      }
    },
    close: () => store.close(),
  };
}
