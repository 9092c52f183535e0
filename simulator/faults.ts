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
      if (f.fault.type === 'job-fail' && !target.trigger) continue;
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
