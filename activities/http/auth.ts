import axios from 'axios';

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
    const response = await axios.post(
      `${credentials.iamEndpoint.replace(/\/$/, '')}/v3/auth/tokens`,
      {
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
      },
      {
        headers: { 'Content-Type': 'application/json;charset=utf8' },
        timeout: credentials.timeoutMs ?? 10_000,
        validateStatus: () => true,
        transformResponse: (body) => body,
      },
    );
    const token = response.headers['x-subject-token'];
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(
        `IAM token request failed with HTTP ${response.status} for user ${credentials.userName}`,
      );
    }
    if (typeof token !== 'string' || !token)
      throw new Error('IAM answered without an X-Subject-Token header');
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
