import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, type AuthResult, type TokenStore } from './auth';
import { gatewayError, injectedStatusBody, serviceError } from './errors';
import {
  setAtPath,
  shiftBodyTimes,
  shiftTime,
  TIME_QUERY_PARAMS,
  type AcceptedTriggers,
  type Fault,
  type FaultStore,
  type HeldRequests,
  type Sleeps,
} from './faults';
import { uuid } from './ids';
import type { RequestLog } from './request-log';
import type { ApiThrottle } from './throttle';
import type { HandlerContext, Route, Service, SimRequest, SimResponse } from './types';

/**
 * The HTTP front of the simulator: routing, fault injection, authentication and the request log.
 * Cloud API requests go through, in order: route match, faults that act before handling (hold, latency,
 * accept-late, reset, status, throttle), authentication and project scope, the handler (its query times and
 * answer times shifted by the clock offset; an accepted trigger is counted), faults that act on the answer
 * (reset-after-accept, malformed-json, replace-body, unknown-enum), the request log.
 */

const MAX_BODY_BYTES = 1024 * 1024;

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export function compileRoute(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] as string);
      return '([^/]+)';
    })
    .join('/');
  return { ...route, regex: new RegExp(`^${source}/?$`), names };
}

/** Which service a path belongs to, also for paths no route matches (for the log and fault matching). */
export function serviceOfPath(path: string): Service | undefined {
  if (path.startsWith('/v3/auth/')) return 'iam';
  if (/^\/v3\/[^/]+\/jobs(\/|$)/.test(path)) return 'drs';
  if (/^\/v[12]\/[^/]+\/disaster-recover/.test(path)) return 'dws';
  if (/^\/v2\/[^/]+\/(instances|instance|jobs)(\/|$)/.test(path)) return 'dcs';
  return undefined;
}

/** The project ID segment of a cloud API path (`/v2/{project_id}/...`), when there is one. */
function projectOfPath(path: string): string | undefined {
  return /^\/v[123]\/([^/]+)\//.exec(path)?.[1];
}

export type ControlHandler = (req: SimRequest) => Promise<SimResponse> | SimResponse;

export interface HttpDeps {
  routes: Route[];
  tokens: TokenStore;
  faults: FaultStore;
  log: RequestLog;
  control: ControlHandler;
  quiet: boolean;
  held: HeldRequests;
  accepted: AcceptedTriggers;
  sleeps: Sleeps;
  /** Offset of the cloud's clock from the real one, applied to the times it reports and reads. */
  clock: { offsetMs: number };
  /** The gateway throttle and rate meter (simulator/throttle.ts). */
  throttle?: ApiThrottle;
}

export class SimHttp {
  private readonly routes: CompiledRoute[];

  constructor(private readonly deps: HttpDeps) {
    this.routes = deps.routes.map(compileRoute);
  }

  /** node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        send(res, {
          status: 500,
          body: { error_code: 'SIM.500', error_msg: `simulator error: ${String(err)}` },
        });
      }
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;

    const rawBody = await readBody(req);
    if (rawBody === undefined) {
      send(res, { status: 413, body: { error_code: 'APIGW.0413', error_msg: 'Request body too large' } });
      return;
    }

    const base: Omit<SimRequest, 'body' | 'params'> = {
      method,
      path,
      rawUrl: req.url ?? '/',
      query,
      headers: req.headers,
      rawBody,
    };

    if (path === '/_sim' || path.startsWith('/_sim/')) {
      const parsed = parseJson(rawBody);
      if (!parsed.ok) {
        send(res, { status: 400, body: { error: 'request body is not valid JSON' } });
        return;
      }
      send(res, await this.deps.control({ ...base, body: parsed.value, params: {} }));
      return;
    }

    await this.handleCloud(base, res);
  }

  private async handleCloud(base: Omit<SimRequest, 'body' | 'params'>, res: ServerResponse): Promise<void> {
    const { method, path } = base;
    const match = this.match(method, path);
    const service = match?.route.service ?? serviceOfPath(path);
    const trigger = Boolean(match?.route.trigger);
    const faults = this.deps.faults.take({ method, path, service, trigger });
    const faultNames = faults.length ? faults.map((f) => f.type).join(',') : undefined;
    let authenticated = false;
    let authMethod: 'token' | 'aksk' | undefined;

    const finish = (status: number | 'reset') => {
      this.deps.log.add({
        at: new Date().toISOString(),
        method,
        path,
        query: base.query,
        service: service ?? 'unknown',
        status,
        ...(faultNames ? { fault: faultNames } : {}),
        authenticated,
        ...(authMethod ? { authMethod } : {}),
      });
      if (!this.deps.quiet) {
        console.log(
          `[simulator] ${method} ${path} -> ${status}${faultNames ? ` (fault: ${faultNames})` : ''}`,
        );
      }
    };

    // Faults that act before the request is handled.
    if (faults.some((f) => f.type === 'hold')) {
      const decision = await this.deps.held.hold({ method, path, service: service ?? 'unknown', trigger });
      if (decision === 'drop') {
        res.socket?.destroy();
        finish('reset');
        return;
      }
    }
    const latency = faults.reduce((sum, f) => sum + (f.type === 'latency' ? f.ms : 0), 0);
    if (latency > 0 && !(await this.deps.sleeps.sleep(latency))) {
      res.socket?.destroy();
      finish('reset');
      return;
    }
    // accept-late: handled `ms` after arrival whatever the client does; optionally answered at once.
    let earlyStatus: number | undefined;
    const late = faults.find((f) => f.type === 'accept-late');
    if (late && late.type === 'accept-late') {
      if (late.status !== undefined) {
        const early = preFaultAnswer({ type: 'status', status: late.status }, service);
        send(res, early);
        earlyStatus = early.status;
      }
      if (!(await this.deps.sleeps.sleep(late.ms))) {
        res.socket?.destroy();
        finish('reset');
        return;
      }
    }
    const pre = faults.find((f) => f.type === 'reset' || f.type === 'status' || f.type === 'throttle');
    if (pre) {
      if (pre.type === 'reset') {
        res.socket?.destroy();
        finish('reset');
        return;
      }
      const answer = preFaultAnswer(pre, service);
      send(res, answer);
      finish(answer.status);
      return;
    }

    // The gateway's own throttle, per project and service (off unless configured; the meter always counts).
    const throttled = this.deps.throttle?.admit(service, match?.params.project_id ?? projectOfPath(path));
    if (throttled) {
      send(res, throttled);
      finish(throttled.status);
      return;
    }

    let answer: SimResponse;
    if (!match) {
      answer = gatewayError(
        404,
        'APIGW.0101',
        'The API does not exist or has not been published in the environment',
      );
    } else {
      const parsed = parseJson(base.rawBody);
      const req: SimRequest = { ...base, body: parsed.ok ? parsed.value : undefined, params: match.params };
      const auth: AuthResult | undefined = match.route.public
        ? undefined
        : authenticate(this.deps.tokens, req, base.rawBody);
      const authFailure = this.authFailure(auth, match.route, req);
      if (authFailure) {
        answer = authFailure;
      } else {
        authenticated = auth !== undefined;
        authMethod = auth?.ok ? auth.method : undefined;
        if (!parsed.ok) {
          answer = serviceError(
            service,
            400,
            service === 'dcs' ? 'DCS.4800' : 'APIGW.0201',
            'The request body is not valid JSON.',
          );
        } else {
          const ctx: HandlerContext = { tokenProjectId: auth?.ok ? auth.projectId : undefined };
          const jobFail = faults.find((f) => f.type === 'job-fail');
          if (jobFail && jobFail.type === 'job-fail') {
            ctx.forceJobFail = { reason: jobFail.reason ?? 'Injected fault: the job failed.' };
          }
          const offsetMs = this.deps.clock.offsetMs;
          if (offsetMs !== 0) {
            // The cloud reads times in its own clock: a filter time T means real time T - offset.
            const query = { ...req.query };
            for (const name of TIME_QUERY_PARAMS) {
              if (query[name]) query[name] = shiftTime(query[name], -offsetMs);
            }
            req.query = query;
          }
          answer = match.route.handler(req, ctx);
          if (match.route.trigger && isAccepted(answer)) {
            this.deps.accepted.add({
              at: new Date().toISOString(),
              service: match.route.service,
              operation: match.route.pattern.split('/').pop() as string,
              projectId: req.params.project_id ?? '',
              resourceId:
                req.params.instance_id ?? req.params.disaster_recovery_id ?? req.params.job_id ?? '',
              status: answer.status,
              ...(faultNames ? { fault: faultNames } : {}),
            });
          }
          if (offsetMs !== 0 && answer.body !== undefined) {
            answer = { ...answer, body: shiftBodyTimes(answer.body, offsetMs) };
          }
        }
      }
    }

    // Faults that act on the answer.
    if (earlyStatus !== undefined) {
      // accept-late with an immediate answer: the client has had its answer already.
      finish(earlyStatus);
      return;
    }
    if (faults.some((f) => f.type === 'reset-after-accept')) {
      res.socket?.destroy();
      finish('reset');
      return;
    }
    if (faults.some((f) => f.type === 'malformed-json')) {
      const text = JSON.stringify(answer.body ?? { status: 'ok' });
      const broken = `${text.slice(0, Math.max(1, Math.floor(text.length / 2)))}<<truncated`;
      res.writeHead(200, {
        'Content-Type': 'application/json;charset=UTF-8',
        'Content-Length': Buffer.byteLength(broken),
      });
      res.end(broken);
      finish(200);
      return;
    }
    const replace = faults.find((f) => f.type === 'replace-body');
    if (replace && replace.type === 'replace-body' && answer.status >= 200 && answer.status < 300) {
      const text = replace.raw ?? (replace.body === undefined ? '' : JSON.stringify(replace.body));
      const status = replace.status ?? answer.status;
      if (!res.destroyed) {
        res.writeHead(status, {
          'Content-Type': 'application/json;charset=UTF-8',
          'Content-Length': Buffer.byteLength(text),
        });
        res.end(text);
      }
      finish(status);
      return;
    }
    for (const f of faults) {
      if (f.type === 'unknown-enum' && answer.body !== undefined) {
        answer = { ...answer, body: structuredClone(answer.body) };
        setAtPath(answer.body, f.field, f.value);
      }
    }
    send(res, answer);
    finish(answer.status);
  }

  private authFailure(auth: AuthResult | undefined, route: Route, req: SimRequest): SimResponse | undefined {
    if (route.public || auth === undefined) return undefined;
    const dcs = route.service === 'dcs';
    // The API gateway checks signatures before any service sees the request: its own code, for every service.
    if (!auth.ok && auth.reason === 'signature') return gatewayError(401, auth.code, auth.message);
    if (!auth.ok) {
      const why =
        auth.reason === 'missing'
          ? 'no X-Auth-Token header and no SDK-HMAC-SHA256 signature'
          : auth.reason === 'expired'
            ? 'the token has expired'
            : 'the token is invalid or revoked';
      return dcs
        ? serviceError('dcs', 401, 'DCS.1001', `Invalid token: ${why}.`)
        : gatewayError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${why}.`);
    }
    const pathProject = req.params.project_id;
    if (auth.projectId !== undefined && pathProject !== undefined && pathProject !== auth.projectId) {
      return dcs
        ? serviceError(
            'dcs',
            401,
            'DCS.1004',
            'The project ID in the token does not match the project ID in the URL.',
          )
        : gatewayError(
            401,
            'APIGW.0301',
            'Incorrect IAM authentication information: the token is not scoped to this project.',
          );
    }
    return undefined;
  }

  private match(
    method: string,
    path: string,
  ): { route: CompiledRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] as string);
      });
      return { route, params };
    }
    return undefined;
  }
}

function preFaultAnswer(fault: Fault, service: Service | undefined): SimResponse {
  if (fault.type === 'throttle') {
    return {
      status: 429,
      headers: { 'Retry-After': String(fault.retryAfterSeconds) },
      body: {
        error_code: 'APIG.0308',
        error_msg:
          'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second',
      },
    };
  }
  if (fault.type === 'status') {
    const base =
      fault.body !== undefined
        ? { status: fault.status, body: fault.body }
        : injectedStatusBody(service, fault.status);
    return { ...base, status: fault.status, headers: { ...(base.headers ?? {}), ...(fault.headers ?? {}) } };
  }
  throw new Error(`not a pre-handling fault: ${fault.type}`);
}

/** A trigger's answer that means the cloud took the operation: 2xx and not a refusal in a 2xx body (DRS). */
export function isAccepted(answer: SimResponse): boolean {
  if (answer.status < 200 || answer.status >= 300) return false;
  const body = answer.body as { status?: unknown } | undefined;
  return !(body && typeof body === 'object' && body.status === 'failed');
}

export function send(res: ServerResponse, answer: SimResponse): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string | number> = { 'X-Request-Id': uuid(), ...(answer.headers ?? {}) };
  if (answer.body === undefined || answer.status === 204) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  headers['Content-Type'] = 'application/json;charset=UTF-8';
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(answer.status, headers);
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (raw.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}
