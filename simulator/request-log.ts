import type { Service } from './types';

/** One cloud API call as the simulator saw it. Never holds tokens, passwords or bodies. */
export interface LoggedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  service: Service | 'unknown';
  /** Answered HTTP status, or 'reset' when the connection was destroyed instead. */
  status: number | 'reset';
  /** Types of the faults applied, comma-separated. */
  fault?: string;
  authenticated: boolean;
  /** How an authenticated call proved its identity: `X-Auth-Token` or an AK/SK signature. */
  authMethod?: 'token' | 'aksk';
}

export interface RequestFilter {
  method?: string;
  /** Regular expression source tested against the path. */
  path?: string;
  service?: string;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(private readonly limit = 10_000) {}

  add(entry: Omit<LoggedRequest, 'seq'>): LoggedRequest {
    const full: LoggedRequest = { seq: ++this.seq, ...entry };
    this.entries.push(full);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return full;
  }

  list(filter: RequestFilter = {}): LoggedRequest[] {
    const pathRe = filter.path ? new RegExp(filter.path) : undefined;
    return this.entries
      .filter((e) => !filter.method || e.method.toUpperCase() === filter.method.toUpperCase())
      .filter((e) => !filter.service || e.service === filter.service)
      .filter((e) => !pathRe || pathRe.test(e.path))
      .map((e) => ({ ...e, query: { ...e.query } }));
  }

  clear(): void {
    this.entries = [];
  }
}
