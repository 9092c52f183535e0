import axios, { AxiosError, type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { z } from 'zod';
import { CloudFailure, type CloudError, type CloudFailureType } from '../../domain/failures';
import type { SwitchoverKind } from '../../domain/kinds';
import type { CloudAuth } from './auth';
import { cloudFailure, failureTypeForStatus, isTransient } from './failures';
import type { CloudRateLimiter } from './rate-limit';

/** The services with a cloud client: every kind of services/registry.ts. */
export type CloudService = SwitchoverKind;

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
  /**
   * Maps a service's alternative spelling of its codes to the one `errorCodes` uses (DCS answers `111400017`
   * as well as `DCS.4017`). The code in the thrown failure is the normalized one.
   */
  normalizeErrorCode?: (code: string) => string;
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

/** How one trigger is sent: one hard deadline, and the activity's cancellation. */
export interface SendOptions {
  /** Covers obtaining credentials and the request: nothing of this send outlives it. */
  deadlineMs: number;
  /** The activity's cancellation signal: aborts the send (which may still have reached the cloud). */
  signal?: AbortSignal;
}

/**
 * A trigger's answer. Any 2xx means the cloud accepted it: a body that cannot be read (not JSON, not the
 * documented schema) leaves `data` undefined and says why in `unreadable`, it never turns into "not started".
 */
export interface TriggerAnswer<T> {
  status: number;
  data?: T;
  unreadable?: string;
}

/** Errors that prove the request never left this host, whatever phase the connection was in. */
const NEVER_LEFT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

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
    if (this.tokenRejected(response.status, response.text) && this.options.auth.invalidate()) {
      response = await this.send(request, url, body);
    }
    if (response.status < 200 || response.status >= 300) {
      throw this.classify(response.status, response.text, response.retryAfterMs);
    }
    if (!request.schema) return { status: response.status, data: undefined as never };
    return { status: response.status, data: this.parse(request, response.text) as never };
  }

  /**
   * Sends a trigger (a request that starts a switch), unlike `request` in three ways:
   * - one hard deadline covers obtaining credentials and the request, and the caller's signal aborts it;
   * - exactly one request: a 401 is not answered by refreshing and sending again (that would be a second POST in
   *   one attempt); the credentials are dropped and the failure is CloudNotSentError (the gateway refused it, the
   *   service never saw it), so the next attempt obtains fresh credentials before it looks;
   * - any 2xx is accepted, readable or not.
   * Failures that prove nothing left the host are CloudNotSentError; a timeout or reset after connecting stays
   * CloudNetworkError (the cloud may have accepted it).
   */
  async requestTrigger<S extends z.ZodType | undefined = undefined>(
    request: CloudRequest<S>,
    { deadlineMs, signal }: SendOptions,
  ): Promise<TriggerAnswer<S extends z.ZodType ? z.output<S> : undefined>> {
    const url = this.urlOf(request);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const deadline = AbortSignal.timeout(deadlineMs);
    const abort = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const response = await this.send(request, url, body, abort);
    if (this.tokenRejected(response.status, response.text) && this.options.auth.invalidate()) {
      throw cloudFailure(CloudFailure.NotSent, {
        service: this.options.service,
        httpStatus: response.status,
        message: `${request.operation}: not sent, the credentials were refused (${response.status}); they are dropped and the next attempt obtains fresh ones before it looks`,
      });
    }
    if (response.status < 200 || response.status >= 300) {
      // A 5xx answer to a trigger says nothing about whether it was applied, whatever code its body carries.
      throw this.classify(response.status, response.text, response.retryAfterMs, { trigger: true });
    }
    if (!request.schema) return { status: response.status };
    try {
      return { status: response.status, data: this.parse(request, response.text) as never };
    } catch (error) {
      return {
        status: response.status,
        unreadable: error instanceof Error ? error.message : String(error),
      };
    }
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
    signal?: AbortSignal,
  ): Promise<{ status: number; text: string; retryAfterMs?: number }> {
    const started = Date.now();
    const baseHeaders: Record<string, string> = {
      'Content-Type': 'application/json',
      ...this.options.headers,
    };
    let headers: Record<string, string>;
    try {
      headers = await untilAborted(
        this.options.auth.authorize({
          method: request.method,
          url,
          headers: baseHeaders,
          body,
        }),
        signal,
      );
    } catch (error) {
      // Credentials could not be had (IAM unreachable or busy, or the send's deadline passed while waiting for
      // them): this request was never sent. Saying so matters for triggers, where a failure that might have
      // reached the cloud forbids sending again.
      if (!isTransient(error) && !signal?.aborted) throw error;
      throw cloudFailure(CloudFailure.NotSent, {
        service: this.options.service,
        message: `${request.operation}: not sent, credentials unavailable (${signal?.aborted ? abortReason(signal) : (error as Error).message})`,
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
    // Whether the connection to the cloud was made: before that, nothing of the request can have left this host.
    const connection = { made: false };
    try {
      const response = await this.http.request<string>({
        method: request.method,
        url,
        headers,
        data: body,
        signal,
        transport: connectionTracking(url, connection),
      });
      this.observe(request, response.status, started);
      return {
        status: response.status,
        text: typeof response.data === 'string' ? response.data : '',
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
      };
    } catch (error) {
      this.observe(request, 'network', started);
      throw this.networkFailure(request, error, connection.made, signal);
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

  private networkFailure(
    request: CloudRequest<z.ZodType | undefined>,
    error: unknown,
    connected: boolean,
    signal?: AbortSignal,
  ) {
    const code = error instanceof AxiosError ? error.code : undefined;
    const known = code && NETWORK_CODES.has(code);
    const what = signal?.aborted
      ? abortReason(signal)
      : known
        ? `network error ${code}`
        : `failed (${code ?? (error instanceof Error ? error.name : 'unknown error')})`;
    // Refused, unresolvable, or stopped before the connection was made: the request cannot have reached the cloud.
    if ((code && NEVER_LEFT_CODES.has(code)) || !connected) {
      return cloudFailure(CloudFailure.NotSent, {
        service: this.options.service,
        code,
        message: `${request.operation}: not sent, no connection to ${this.options.endpoint} (${what})`,
      });
    }
    const message = `${request.operation}: ${what} talking to ${this.options.endpoint}`;
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

  /**
   * A 401, or an answer whose own code means an invalid token (DRS answers `DRS.M00100` with 403): the token may
   * have been revoked early, so it is refreshed once and the request sent again.
   */
  private tokenRejected(status: number, text: string): boolean {
    if (status === 401) return true;
    if (status < 400 || status >= 500) return false;
    const code = this.errorCode(parseErrorBody(text).code);
    return code !== undefined && this.options.errorCodes?.[code] === CloudFailure.Auth;
  }

  private errorCode(code: string | undefined): string | undefined {
    return code && this.options.normalizeErrorCode ? this.options.normalizeErrorCode(code) : code;
  }

  private classify(status: number, text: string, retryAfterMs?: number, { trigger = false } = {}) {
    const parsed = parseErrorBody(text);
    const code = this.errorCode(parsed.code);
    const respelled = code !== parsed.code ? ` (answered as ${parsed.code})` : '';
    const cloudError: CloudError = {
      service: this.options.service,
      httpStatus: status,
      code,
      message: `${parsed.message ?? `HTTP ${status}`}${respelled}`,
    };
    const byCode = code ? this.options.errorCodes?.[code] : undefined;
    // For a trigger, any 5xx stays a server error (ambiguous): a body's code cannot prove the request was not applied.
    const type =
      trigger && status >= 500 ? CloudFailure.Server : (byCode ?? failureTypeForStatus(status, code));
    return cloudFailure(type, cloudError, {
      retryAfterMs: type === CloudFailure.Throttled ? (retryAfterMs ?? 1000) : retryAfterMs,
    });
  }
}

/** An axios transport that records when the connection to the server is made (or reused, already connected). */
function connectionTracking(url: string, connection: { made: boolean }) {
  const secure = url.startsWith('https:');
  const transport = secure ? https : http;
  return {
    request(options: http.RequestOptions, callback: (res: http.IncomingMessage) => void) {
      const req = transport.request(options, callback);
      req.once('socket', (socket: Socket) => {
        if (!socket.connecting) connection.made = true;
        else socket.once(secure ? 'secureConnect' : 'connect', () => (connection.made = true));
      });
      return req;
    },
  };
}

/** Resolves like `promise`, or rejects as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): string {
  // AbortSignal.timeout's reason is a DOMException named TimeoutError (not an Error subclass everywhere).
  const reason = signal.reason as { name?: unknown } | undefined;
  return reason?.name === 'TimeoutError' ? 'the send deadline passed' : 'cancelled';
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
