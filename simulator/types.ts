/** Shared types of the simulator: parsed requests, handler answers, the services it simulates. */

export type Service = 'dcs' | 'dws' | 'drs' | 'iam';

export const SERVICES: readonly Service[] = ['dcs', 'dws', 'drs', 'iam'];

/** A cloud API request as handlers see it: the body is already read and, when JSON, parsed. */
export interface SimRequest {
  method: string;
  path: string;
  /** Path and query exactly as received (still percent-encoded), for signature verification. */
  rawUrl: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Parsed JSON body; undefined when the body is empty. */
  body: unknown;
  /** Named path parameters of the matched route. */
  params: Record<string, string>;
}

/** What a handler answers; `body` undefined means no body (e.g. 204). */
export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Per-request context handed to handlers (fault effects that act inside the handler). */
export interface HandlerContext {
  /** Set when a `job-fail` fault matched this (trigger) request: the job it starts must fail. */
  forceJobFail?: { reason: string };
  /** Scope of the authenticated token (undefined for static tokens, which are valid for any project). */
  tokenProjectId?: string;
}

export type Handler = (req: SimRequest, ctx: HandlerContext) => SimResponse;

export interface Route {
  method: string;
  /** Path pattern with `{name}` placeholders, e.g. `/v2/{project_id}/instances/{instance_id}`. */
  pattern: string;
  service: Service;
  /** Starts a long-running operation: `job-fail` faults apply to it. */
  trigger?: boolean;
  /** No token needed (IAM token issuing). */
  public?: boolean;
  handler: Handler;
}

/** Thrown by control operations on bad input; the HTTP control API turns it into a 400. */
export class SimulatorInputError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SimulatorInputError';
  }
}

/** The simulator's clock: all state machines read time through it. */
export type Clock = () => number;
