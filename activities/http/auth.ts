import axios, { AxiosError } from 'axios';
import { CloudFailure } from '../../domain/failures';
import { cloudFailure, failureTypeForStatus } from './failures';

/** A request about to be sent, as the auth layer sees it (body already serialized: signers sign these bytes). */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Adds credentials to cloud requests. Implementations never log or expose secret values. */
export interface CloudAuth {
  /** Returns the headers to send (the given ones plus credentials). */
  authorize(request: OutgoingRequest): Promise<Record<string, string>>;
  /** Called on a 401: drop cached credentials. Returns true when a retry with fresh credentials makes sense. */
  invalidate(): boolean;
  /** For logs and errors: which mode, never a secret. */
  readonly description: string;
}

/** A fixed `X-Auth-Token` (e.g. a token obtained by the runbook, or the simulator's `sim-token`). */
export function staticTokenAuth(token: string): CloudAuth {
  return {
    description: 'static X-Auth-Token',
    async authorize(request) {
      return { ...request.headers, 'X-Auth-Token': token };
    },
    invalidate: () => false,
  };
}

export interface IamPasswordCredentials {
  iamEndpoint: string;
  userName: string;
  password: string;
  domainName: string;
  /** Token scope: a project id (or, with projectName, a project name). */
  projectId?: string;
  projectName?: string;
  timeoutMs?: number;
}

/** Refresh this long before the token's own expiry. */
const REFRESH_MARGIN_MS = 10 * 60 * 1000;

/**
 * IAM password authentication: `POST {iam}/v3/auth/tokens`, token from `X-Subject-Token`, cached until
 * shortly before `expires_at`, fetched again after a 401 (tokens can be revoked early).
 *
 * Failures are typed like the cloud's (see failureTypeForStatus): IAM refusing the password is `CloudAuthError`,
 * not retried (IAM locks users after repeated wrong passwords); 5xx, 429 and network errors are retryable. No
 * axios error ever escapes: its `config.data` is the request body, password included, and a logger that prints
 * the error (the worker's "Activity failed" does) would print it.
 */
export function iamPasswordAuth(
  credentials: IamPasswordCredentials,
  now: () => number = Date.now,
): CloudAuth {
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const scope = credentials.projectId
      ? { project: { id: credentials.projectId } }
      : { project: { name: credentials.projectName } };
    const endpoint = credentials.iamEndpoint.replace(/\/$/, '');
    const body = JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: credentials.userName,
              password: credentials.password,
              domain: { name: credentials.domainName },
            },
          },
        },
        scope,
      },
    });
    let response;
    try {
      // nocatalog=true: the service catalog (large, unused here) is left out of the answer (IAM API reference).
      response = await axios.post(`${endpoint}/v3/auth/tokens?nocatalog=true`, body, {
        headers: { 'Content-Type': 'application/json;charset=utf8' },
        timeout: credentials.timeoutMs ?? 10_000,
        validateStatus: () => true,
        transformRequest: [(data: unknown) => data],
        transformResponse: (data: unknown) => data,
        responseType: 'text',
        maxRedirects: 0,
      });
    } catch (error) {
      const code = error instanceof AxiosError ? error.code : undefined;
      // A new error from the code only: the axios error holds the request body (the password).
      throw cloudFailure(CloudFailure.Network, {
        service: 'iam',
        code,
        message: `IAM token request to ${endpoint} failed (${code ?? 'network error'})`,
      });
    }
    const token = response.headers['x-subject-token'];
    if (response.status !== 201 && response.status !== 200) {
      const { code, message } = iamErrorOf(String(response.data ?? ''));
      throw cloudFailure(failureTypeForStatus(response.status, code), {
        service: 'iam',
        httpStatus: response.status,
        code,
        message: `IAM refused the token request for user ${credentials.userName} (domain ${credentials.domainName})${message ? `: ${message}` : ''}`,
      });
    }
    if (typeof token !== 'string' || !token)
      throw cloudFailure(CloudFailure.InvalidResponse, {
        service: 'iam',
        httpStatus: response.status,
        message: 'IAM answered without an X-Subject-Token header',
      });
    let expiresAt = now() + 24 * 3600 * 1000;
    try {
      const parsed = JSON.parse(String(response.data)) as { token?: { expires_at?: string } };
      const stated = parsed.token?.expires_at ? Date.parse(parsed.token.expires_at) : NaN;
      if (Number.isFinite(stated)) expiresAt = stated;
    } catch {
      // The body is informative only; the header carries the token.
    }
    cached = { token, refreshAt: Math.max(now(), expiresAt - REFRESH_MARGIN_MS) };
    return token;
  }

  async function currentToken(): Promise<string> {
    if (cached && now() < cached.refreshAt) return cached.token;
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  }

  return {
    description: `IAM password token (user ${credentials.userName}, domain ${credentials.domainName})`,
    async authorize(request) {
      return { ...request.headers, 'X-Auth-Token': await currentToken() };
    },
    invalidate() {
      cached = undefined;
      return true;
    },
  };
}

/**
 * Code and message of an IAM error body: Keystone style `{"error":{"code","title","message"}}` or the gateway's
 * `{"error_code","error_msg"}`. Never the body itself (it is short, but it is not ours to echo).
 */
function iamErrorOf(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as {
      error?: { message?: unknown; title?: unknown };
      error_code?: unknown;
      error_msg?: unknown;
    };
    const str = (value: unknown) => (typeof value === 'string' && value ? value.slice(0, 300) : undefined);
    return {
      code: str(body.error_code),
      message: str(body.error?.message) ?? str(body.error_msg) ?? str(body.error?.title),
    };
  } catch {
    return {};
  }
}
