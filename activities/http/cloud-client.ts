import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { z } from 'zod';
import { CloudFailure, type CloudError, type CloudFailureType } from '../../domain/failures';
import type { CloudAuth } from './auth';
import { cloudFailure, isTransient } from './failures';
import type { CloudRateLimiter } from './rate-limit';

export type CloudService = 'dcs' | 'dws' | 'drs';

/** A service's own error codes, classified once here; anything unlisted falls back to the HTTP status. */
export type ErrorCodeTable = Readonly<Record<string, CloudFailureType>>;

export interface CloudCall {
  service: CloudService;
  endpoint: string;
  operation: string;
  status: number | 'network';
  durationMs: number;
}

export interface CloudClientOptions {
  service: CloudService;
  endpoint: string;
  auth: CloudAuth;
  errorCodes?: ErrorCodeTable;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Extra headers on every request (e.g. DRS `X-Language`). */
  headers?: Record<string, string>;
  /** Observes every call (metrics); never sees headers or bodies. */
  onCall?: (call: CloudCall) => void;
  /** Permits per service and project, shared by the deployment's workers (activities/http/rate-limit.ts). */
  rateLimiter?: CloudRateLimiter;
}

export interface CloudRequest<S extends z.ZodType | undefined> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the endpoint, each dynamic segment already validated as a cloud ID. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Validates a 2xx body; omit for answers without a body (204). */
  schema?: S;
  /** Short name for logs and metrics, e.g. `swap`. */
  operation: string;
}

export interface CloudResponse<T> {
  status: number;
  data: T;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** The cloud edge: one place that sends requests, authenticates, validates and classifies errors. */
export class CloudClient {
  private readonly http: AxiosInstance;

  constructor(private readonly options: CloudClientOptions) {
    this.http = axios.create({
      timeout: options.timeoutMs ?? 15_000,
      validateStatus: () => true,
      transformResponse: (body) => body,
      // The body is serialized once, in request(), and AK/SK signatures cover those exact bytes:
      // axios must send that string untouched (its default transform may trim or re-serialize it).
      transformRequest: [(body) => body],
      responseType: 'text',
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true },
    });
  }

  get service(): CloudService {
    return this.options.service;
  }

  async request<S extends z.ZodType | undefined = undefined>(
    request: CloudRequest<S>,
  ): Promise<CloudResponse<S extends z.ZodType ? z.output<S> : undefined>> {
    const url = this.urlOf(request);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    let response = await this.send(request, url, body);
    if (response.status === 401 && this.options.auth.invalidate()) {
      response = await this.send(request, url, body);
    }
    if (response.status < 200 || response.status >= 300) {
      throw this.classify(response.status, response.text, response.retryAfterMs);
    }
    if (!request.schema) return { status: response.status, data: undefined as never };
    return { status: response.status, data: this.parse(request, response.text) as never };
  }

  private urlOf(request: CloudRequest<z.ZodType | undefined>): string {
    const base = this.options.endpoint.replace(/\/+$/, '');
    const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
    return `${base}${request.path}${query}`;
  }

  private async send(
    request: CloudRequest<z.ZodType | undefined>,
    url: string,
    body: string | undefined,
  ): Promise<{ status: number; text: string; retryAfterMs?: number }> {
    const started = Date.now();
    const baseHeaders: Record<string, string> = {
      'Content-Type': 'application/json',
      ...this.options.headers,
    };
    let headers: Record<string, string>;
    try {
      headers = await this.options.auth.authorize({
        method: request.method,
        url,
        headers: baseHeaders,
        body,
      });
    } catch (error) {
      // Credentials could not be had (IAM unreachable or busy): this request was never sent. Saying so matters
      // for triggers, where a failure that might have reached the cloud makes the next attempt look first.
      if (!isTransient(error)) throw error;
      throw cloudFailure(CloudFailure.Busy, {
        service: this.options.service,
        message: `${request.operation}: not sent, credentials unavailable (${error.message})`,
      });
    }
    if (this.options.rateLimiter) {
      try {
        // A call that may change something (a trigger) goes first, and waits at most 1 s: the trigger activity
        // only sends with its request timeout plus 2 s left, and a permit wait must not eat into that.
        const mutating = request.method !== 'GET';
        await this.options.rateLimiter.acquire(this.options.service, projectOfPath(request.path), {
          priority: mutating,
          maxWaitMs: mutating ? 1000 : undefined,
        });
      } catch (error) {
        // No permit in time: not sent (a definite "no", like the gateway's own 429); retried with backoff.
        throw cloudFailure(
          CloudFailure.Throttled,
          {
            service: this.options.service,
            message: `${request.operation}: not sent, ${(error as Error).message}`,
          },
          { retryAfterMs: 1000 },
        );
      }
    }
    try {
      const response = await this.http.request<string>({ method: request.method, url, headers, data: body });
      this.observe(request, response.status, started);
      return {
        status: response.status,
        text: typeof response.data === 'string' ? response.data : '',
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
      };
    } catch (error) {
      this.observe(request, 'network', started);
      throw this.networkFailure(request, error);
    }
  }

  private observe(request: CloudRequest<z.ZodType | undefined>, status: number | 'network', started: number) {
    this.options.onCall?.({
      service: this.options.service,
      endpoint: this.options.endpoint,
      operation: request.operation,
      status,
      durationMs: Date.now() - started,
    });
  }

  private networkFailure(request: CloudRequest<z.ZodType | undefined>, error: unknown) {
    const code = error instanceof AxiosError ? error.code : undefined;
    const known = code && NETWORK_CODES.has(code);
    const message = known
      ? `${request.operation}: network error ${code} talking to ${this.options.endpoint}`
      : `${request.operation}: request to ${this.options.endpoint} failed (${code ?? (error instanceof Error ? error.name : 'unknown error')})`;
    return cloudFailure(CloudFailure.Network, { service: this.options.service, code, message });
  }

  private parse(request: CloudRequest<z.ZodType | undefined>, text: string): unknown {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // A garbled body from a gateway hiccup: worth another try.
      throw cloudFailure(CloudFailure.Server, {
        service: this.options.service,
        message: `${request.operation}: the answer is not valid JSON (${text.length} bytes)`,
      });
    }
    const result = request.schema!.safeParse(json);
    if (!result.success) {
      const issues = result.error.issues
        .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
        .join('; ');
      throw cloudFailure(CloudFailure.InvalidResponse, {
        service: this.options.service,
        message: `${request.operation}: the answer does not match the documented schema: ${issues}`,
      });
    }
    return result.data;
  }

  private classify(status: number, text: string, retryAfterMs?: number) {
    const parsed = parseErrorBody(text);
    const cloudError: CloudError = {
      service: this.options.service,
      httpStatus: status,
      code: parsed.code,
      message: parsed.message ?? `HTTP ${status}`,
    };
    const byCode = parsed.code ? this.options.errorCodes?.[parsed.code] : undefined;
    const type = byCode ?? failureTypeForStatus(status, parsed.code);
    return cloudFailure(type, cloudError, {
      retryAfterMs: type === CloudFailure.Throttled ? (retryAfterMs ?? 1000) : retryAfterMs,
    });
  }
}

export function failureTypeForStatus(status: number, code?: string): CloudFailureType {
  if (status === 429 || code === 'APIG.0308') return CloudFailure.Throttled;
  if (status === 401) return CloudFailure.Auth;
  if (status === 404) return CloudFailure.NotFound;
  if (status === 409) return CloudFailure.Busy;
  if (status >= 500) return CloudFailure.Server;
  return CloudFailure.Permanent;
}

/** Error bodies differ by service: DCS `error_code`/`error_msg`, others also `errCode`/`message` variants. */
function parseErrorBody(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const pick = (...keys: string[]) => {
      for (const key of keys) if (typeof body[key] === 'string' && body[key]) return body[key] as string;
      return undefined;
    };
    return {
      code: pick('error_code', 'errorCode', 'err_code', 'code'),
      message: pick('error_msg', 'errorMsg', 'err_msg', 'message', 'externalMessage'),
    };
  } catch {
    return text ? { message: text.slice(0, 200) } : {};
  }
}

function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** The project of a cloud API path (`/v2/{project_id}/...`): rate limits are per service and project. */
function projectOfPath(path: string): string {
  return /^\/v\d+\/([^/?]+)/.exec(path)?.[1] ?? '-';
}
