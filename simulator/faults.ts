import { z } from 'zod';
import type { Service } from './types';
import { SimulatorInputError } from './types';

/** Fault injection: what a fault matches and what it does. See README.md for each type. */

const matchSchema = z
  .object({
    method: z.string().min(1).optional(),
    /** Regular expression source tested against the URL path (no query). */
    path: z
      .string()
      .min(1)
      .refine(
        (source) => {
          try {
            new RegExp(source);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'match.path must be a valid regular expression source' },
      )
      .optional(),
    service: z.enum(['dcs', 'dws', 'drs', 'iam']).optional(),
    /** true: only requests that start an operation (swap, async-swap, switchover, failover, switch-vip). */
    trigger: z.boolean().optional(),
  })
  .strict();

const faultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latency'), ms: z.number().int().min(0).max(600_000) }).strict(),
  z
    .object({
      type: z.literal('status'),
      status: z.number().int().min(100).max(599),
      body: z.unknown().optional(),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
  z.object({ type: z.literal('throttle'), retryAfterSeconds: z.number().min(0).max(86_400) }).strict(),
  z.object({ type: z.literal('reset') }).strict(),
  z.object({ type: z.literal('reset-after-accept') }).strict(),
  z.object({ type: z.literal('malformed-json') }).strict(),
  z.object({ type: z.literal('unknown-enum'), field: z.string().min(1), value: z.string() }).strict(),
  z.object({ type: z.literal('job-fail'), reason: z.string().optional() }).strict(),
  /** The request waits at the simulator until released through the control API (then handled and answered). */
  z.object({ type: z.literal('hold') }).strict(),
  /**
   * The request is handled `ms` after arrival, whether or not the client still waits. With `status`, the
   * gateway answers that status at once (e.g. 504) and the backend still applies the request later.
   */
  z
    .object({
      type: z.literal('accept-late'),
      ms: z.number().int().min(0).max(3_600_000),
      status: z.number().int().min(100).max(599).optional(),
    })
    .strict(),
  /**
   * The request is handled; when the answer is 2xx it is replaced by `status` (default: the same) with `body`
   * (any JSON value, also null), `raw` text (e.g. invalid JSON) or, with neither, an empty body.
   */
  z
    .object({
      type: z.literal('replace-body'),
      status: z.number().int().min(200).max(299).optional(),
      body: z.unknown().optional(),
      raw: z.string().optional(),
    })
    .strict()
    .refine((f) => f.body === undefined || f.raw === undefined, {
      message: 'replace-body takes body or raw, not both',
    }),
]);

export const faultSpecSchema = z
  .object({
    match: matchSchema.default({}),
    fault: faultSchema,
    /** How many requests it applies to; default 1; 0 or -1 = until cleared. */
    times: z.number().int().min(-1).default(1),
  })
  .strict();

export type FaultSpec = z.input<typeof faultSpecSchema>;
export type FaultMatch = z.output<typeof matchSchema>;
export type Fault = z.output<typeof faultSchema>;
export type FaultType = Fault['type'];

export interface ActiveFault {
  id: string;
  match: FaultMatch;
  fault: Fault;
  /** Remaining applications; null = until cleared. */
  remaining: number | null;
  applied: number;
}

/** Fault types that only make sense for requests that start an operation. */
const TRIGGER_ONLY: ReadonlySet<FaultType> = new Set(['job-fail']);

export function parseFaultSpec(input: unknown): { match: FaultMatch; fault: Fault; times: number } {
  const parsed = faultSpecSchema.safeParse(input);
  if (!parsed.success) throw new SimulatorInputError(`invalid fault: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}

export interface FaultTarget {
  method: string;
  path: string;
  service: Service | undefined;
  trigger: boolean;
}

export class FaultStore {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(input: unknown): ActiveFault {
    const spec = parseFaultSpec(input);
    const fault: ActiveFault = {
      id: `fault-${this.nextId++}`,
      match: spec.match,
      fault: spec.fault,
      remaining: spec.times <= 0 ? null : spec.times,
      applied: 0,
    };
    this.faults.push(fault);
    return fault;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * Takes every fault that matches this request (using up one application of each).
   * `job-fail` faults only match requests that start a long-running operation.
   */
  take(target: FaultTarget): Fault[] {
    const taken: Fault[] = [];
    for (const f of this.faults) {
      if (!matches(f.match, target)) continue;
      if (TRIGGER_ONLY.has(f.fault.type) && !target.trigger) continue;
      taken.push(f.fault);
      f.applied += 1;
      if (f.remaining !== null) f.remaining -= 1;
    }
    this.faults = this.faults.filter((f) => f.remaining === null || f.remaining > 0);
    return taken;
  }
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  if (match.method && match.method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (match.service && match.service !== target.service) return false;
  if (match.trigger !== undefined && match.trigger !== target.trigger) return false;
  if (match.path && !new RegExp(match.path).test(target.path)) return false;
  return true;
}

/** Sets `value` at a dotted path (`status`, `disaster_recovery.status`, `results.0.status`) when the parent exists. */
export function setAtPath(body: unknown, field: string, value: string): boolean {
  const parts = field.split('.');
  let node: unknown = body;
  for (const part of parts.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[part];
  }
  if (node === null || typeof node !== 'object') return false;
  (node as Record<string, unknown>)[parts[parts.length - 1] as string] = value;
  return true;
}

// ---- held requests (`hold` fault) ----

/** A request waiting at the simulator for the test to release it. */
export interface HeldRequest {
  id: string;
  at: string;
  method: string;
  path: string;
  service: Service | 'unknown';
  trigger: boolean;
}

/** What happens to a released request: `apply` handles and answers it; `drop` destroys it unhandled. */
export type HoldDecision = 'apply' | 'drop';

export class HeldRequests {
  private readonly waiting = new Map<string, { request: HeldRequest; decide: (d: HoldDecision) => void }>();
  private nextId = 1;

  /** Parks a request; resolves when it is released (or dropped when the simulator closes). */
  hold(request: Omit<HeldRequest, 'id' | 'at'>): Promise<HoldDecision> {
    const id = `held-${this.nextId++}`;
    return new Promise((resolve) => {
      this.waiting.set(id, {
        request: { id, at: new Date().toISOString(), ...request },
        decide: (d) => {
          this.waiting.delete(id);
          resolve(d);
        },
      });
    });
  }

  list(): HeldRequest[] {
    return [...this.waiting.values()].map((w) => ({ ...w.request }));
  }

  count(): number {
    return this.waiting.size;
  }

  /** Releases the held request `id`, or all of them; returns the ids released. */
  release(id?: string, decision: HoldDecision = 'apply'): string[] {
    const chosen = [...this.waiting.entries()].filter(([key]) => id === undefined || key === id);
    for (const [, w] of chosen) w.decide(decision);
    return chosen.map(([key]) => key);
  }
}

export const releaseSpecSchema = z
  .object({
    /** One held request; omitted = all. */
    id: z.string().min(1).optional(),
    /** false: the request is dropped unhandled (connection destroyed); default true (handled and answered). */
    apply: z.boolean().default(true),
  })
  .strict();

// ---- accepted triggers ----

/** A request that started an operation and was accepted (2xx, not a documented refusal) by the simulator. */
export interface AcceptedTrigger {
  seq: number;
  at: string;
  service: Service;
  /** Last path segment of the operation: swap, async-swap, switchover, failover, switch-vip. */
  operation: string;
  projectId: string;
  /** Instance, disaster recovery or DRS job ID. */
  resourceId: string;
  status: number;
  /** Faults applied to the request (e.g. `accept-late`, `hold`). */
  fault?: string;
}

export interface AcceptedFilter {
  service?: string;
  resourceId?: string;
  operation?: string;
}

export class AcceptedTriggers {
  private entries: AcceptedTrigger[] = [];
  private seq = 0;

  add(entry: Omit<AcceptedTrigger, 'seq'>): AcceptedTrigger {
    const full = { seq: ++this.seq, ...entry };
    this.entries.push(full);
    return full;
  }

  list(filter: AcceptedFilter = {}): AcceptedTrigger[] {
    return this.entries
      .filter((e) => !filter.service || e.service === filter.service)
      .filter((e) => !filter.resourceId || e.resourceId === filter.resourceId)
      .filter((e) => !filter.operation || e.operation === filter.operation)
      .map((e) => ({ ...e }));
  }

  /** Accepted triggers per resource ID. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const e of this.entries) counts[e.resourceId] = (counts[e.resourceId] ?? 0) + 1;
    return counts;
  }

  clear(): void {
    this.entries = [];
  }
}

// ---- timers that end with the simulator ----

/** Sleeps that `cancelAll()` ends early (answering false), so a closed simulator leaves no timer behind. */
export class Sleeps {
  private readonly pending = new Set<() => void>();

  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(cancel);
        resolve(true);
      }, ms);
      const cancel = () => {
        clearTimeout(timer);
        this.pending.delete(cancel);
        resolve(false);
      };
      this.pending.add(cancel);
    });
  }

  cancelAll(): void {
    for (const cancel of [...this.pending]) cancel();
  }
}

// ---- clock offset on reported timestamps ----

/** Body fields that carry a time the cloud reports (shifted by the clock offset, format kept). */
export const TIME_FIELDS: ReadonlySet<string> = new Set([
  'created_at',
  'updated_at',
  'begin_time',
  'end_time',
  'last_success_time',
  'last_disaster_time',
  'start_time',
  'create_time',
  'latest_barrier_time',
  'action_start_time',
  'action_end_time',
  'expires_at',
  'issued_at',
]);

/** Query parameters that carry a time in the cloud's clock (`yyyyMMddHHmmss`, UTC). */
export const TIME_QUERY_PARAMS: readonly string[] = ['begin_time', 'start_time', 'end_time'];

/** `value` (epoch-ms string, ISO 8601 with or without ms, `yyyy-MM-dd HH:mm:ss`, `yyyyMMddHHmmss`) + offsetMs. */
export function shiftTime(value: string, offsetMs: number): string {
  if (/^\d{13}$/.test(value)) return String(Number(value) + offsetMs);
  let m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (m) {
    const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + offsetMs;
    return new Date(ms).toISOString().slice(0, 19).replace(/[-T:]/g, '');
  }
  m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value);
  if (m) {
    const ms = Date.parse(`${m[1]}T${m[2]}Z`) + offsetMs;
    return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return value;
    const iso = new Date(ms + offsetMs).toISOString();
    return /\.\d+/.test(value) ? iso : iso.replace(/\.\d{3}Z$/, 'Z');
  }
  return value;
}

/** A deep copy of `body` with every time field shifted by offsetMs. */
export function shiftBodyTimes(body: unknown, offsetMs: number): unknown {
  if (Array.isArray(body)) return body.map((item) => shiftBodyTimes(item, offsetMs));
  if (body === null || typeof body !== 'object') return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    out[key] =
      typeof value === 'string' && TIME_FIELDS.has(key)
        ? shiftTime(value, offsetMs)
        : shiftBodyTimes(value, offsetMs);
  }
  return out;
}
