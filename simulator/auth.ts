import { createHash, randomBytes } from 'node:crypto';
import { verifyAkSk } from './aksk-verify';
import { iamError } from './errors';
import type { Clock, Route, SimRequest, SimResponse } from './types';

/** A user that may obtain tokens with a password identity. */
export interface SimUser {
  name: string;
  password: string;
  domain: string;
}

/**
 * An AK/SK pair the simulated gateway accepts for `SDK-HMAC-SHA256` signatures. With `projectId` the key is
 * scoped to that project; without it, to the project the request names in `X-Project-Id` (any project if none).
 */
export interface SimAccessKey {
  accessKey: string;
  secretKey: string;
  projectId?: string;
}

export interface IssuedToken {
  projectId: string;
  projectName: string;
  userName: string;
  domain: string;
  issuedAt: number;
  expiresAt: number;
}

export type AuthResult =
  | {
      ok: true;
      /** How the caller proved who it is (shown in the request log). */
      method: 'token' | 'aksk';
      principal: string;
      /** undefined: valid for every project (static tokens) */ projectId?: string;
    }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' }
  /** An AK/SK signature the gateway refuses: APIGW.0301 (bad signature, unknown key, stale date). */
  | { ok: false; reason: 'signature'; code: 'APIGW.0301'; message: string };

/** Well-known project names mapped to IDs for `scope.project.name`; unknown names get a stable derived ID. */
export const KNOWN_PROJECTS: Record<string, string> = {};

export function projectIdForName(name: string): string {
  return KNOWN_PROJECTS[name] ?? createHash('md5').update(`project:${name}`).digest('hex');
}

/**
 * The simulated IAM's bookkeeping: static and issued tokens, password users, AK/SK pairs. Token values and
 * secret keys are never logged; only hashes would be safe to show, and the simulator shows none.
 */
export class TokenStore {
  private readonly issued = new Map<string, IssuedToken>();
  lifetimeMs: number;

  constructor(
    readonly clock: Clock,
    readonly staticTokens: readonly string[],
    readonly users: readonly SimUser[],
    lifetimeMs: number,
    readonly accessKeys: readonly SimAccessKey[] = [],
  ) {
    this.lifetimeMs = lifetimeMs;
  }

  accessKey(accessKey: string): SimAccessKey | undefined {
    return this.accessKeys.find((key) => key.accessKey === accessKey);
  }

  issue(user: SimUser, projectId: string, projectName: string): { token: string; record: IssuedToken } {
    const token = `sim-iam-${randomBytes(24).toString('hex')}`;
    const now = this.clock();
    const record: IssuedToken = {
      projectId,
      projectName,
      userName: user.name,
      domain: user.domain,
      issuedAt: now,
      expiresAt: now + this.lifetimeMs,
    };
    this.issued.set(token, record);
    return { token, record };
  }

  lookup(token: string): AuthResult {
    if (this.staticTokens.includes(token)) return { ok: true, method: 'token', principal: 'static-token' };
    const record = this.issued.get(token);
    if (!record) return { ok: false, reason: 'invalid' };
    if (record.expiresAt <= this.clock()) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      method: 'token',
      principal: `${record.domain}/${record.userName}`,
      projectId: record.projectId,
    };
  }

  /** Revokes every issued token (static tokens stay valid). Returns how many were revoked. */
  revokeAll(): number {
    const count = this.issued.size;
    this.issued.clear();
    return count;
  }

  /** Number of issued tokens that are still valid. */
  activeCount(): number {
    const now = this.clock();
    let n = 0;
    for (const record of this.issued.values()) if (record.expiresAt > now) n += 1;
    return n;
  }
}

function header(req: Pick<SimRequest, 'headers'>, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * AK/SK (`SDK-HMAC-SHA256`) verification, as the API gateway does it: the canonical request is rebuilt from what
 * arrived (method, raw path and query, the signed headers, the raw body bytes) by simulator/aksk-verify.ts, which
 * shares no code with the worker's signer. X-Sdk-Date more than 15 min off the simulator's clock: APIGW.0301.
 */
export function verifyAkSkSignature(tokens: TokenStore, req: SimRequest, rawBody: Buffer): AuthResult {
  const verdict = verifyAkSk(
    { method: req.method, rawUrl: req.rawUrl, headers: req.headers, body: rawBody },
    (accessKey) => tokens.accessKey(accessKey)?.secretKey,
    new Date(tokens.clock()),
  );
  if (!verdict.ok) return { ok: false, reason: 'signature', code: verdict.code, message: verdict.message };
  const key = tokens.accessKey(verdict.accessKey)!;
  return {
    ok: true,
    method: 'aksk',
    principal: `aksk:${key.accessKey}`,
    projectId: key.projectId ?? header(req, 'x-project-id'),
  };
}

/**
 * Authenticates a cloud API request: `X-Auth-Token` (static or issued) or an `SDK-HMAC-SHA256` AK/SK signature.
 * The caller checks the project scope against the path.
 */
export function authenticate(tokens: TokenStore, req: SimRequest, rawBody: Buffer): AuthResult {
  const token = header(req, 'x-auth-token');
  if (token) return tokens.lookup(token);
  const authorization = header(req, 'authorization');
  if (authorization && /^\s*SDK-HMAC-SHA256\b/.test(authorization)) {
    return verifyAkSkSignature(tokens, req, rawBody);
  }
  return { ok: false, reason: 'missing' };
}

interface PasswordAuthBody {
  userName: string;
  password: string;
  domain: string;
  project: { id?: string; name?: string };
}

function parsePasswordAuth(body: unknown): PasswordAuthBody | string {
  const auth = (body as { auth?: unknown } | undefined)?.auth as Record<string, unknown> | undefined;
  if (!auth || typeof auth !== 'object') return 'The request body must contain "auth".';
  const identity = auth.identity as Record<string, unknown> | undefined;
  const methods = identity?.methods;
  if (!Array.isArray(methods) || !methods.includes('password')) {
    return 'auth.identity.methods must contain "password" (the only method the simulator supports).';
  }
  const user = (identity?.password as { user?: Record<string, unknown> } | undefined)?.user;
  const domain = (user?.domain as { name?: unknown } | undefined)?.name;
  if (
    !user ||
    typeof user.name !== 'string' ||
    typeof user.password !== 'string' ||
    typeof domain !== 'string'
  ) {
    return 'auth.identity.password.user needs name, password and domain.name (strings).';
  }
  const project = (auth.scope as { project?: Record<string, unknown> } | undefined)?.project;
  const id = typeof project?.id === 'string' ? project.id : undefined;
  const name = typeof project?.name === 'string' ? project.name : undefined;
  if (!id && !name) return 'auth.scope.project.id or auth.scope.project.name is required.';
  return { userName: user.name, password: user.password, domain, project: { id, name } };
}

/** `POST /v3/auth/tokens`: password identity scoped to a project. */
export function iamRoutes(tokens: TokenStore): Route[] {
  const issueToken = (req: SimRequest): SimResponse => {
    const parsed = parsePasswordAuth(req.body);
    if (typeof parsed === 'string') return iamError(400, 'Bad Request', parsed);
    const user = tokens.users.find(
      (u) => u.name === parsed.userName && u.domain === parsed.domain && u.password === parsed.password,
    );
    if (!user) return iamError(401, 'Unauthorized', 'The username or password is wrong.');
    const projectId = parsed.project.id ?? projectIdForName(parsed.project.name as string);
    const projectName = parsed.project.name ?? `project-${projectId.slice(0, 8)}`;
    const { token, record } = tokens.issue(user, projectId, projectName);
    const userId = createHash('md5').update(`user:${user.domain}/${user.name}`).digest('hex');
    const domainId = createHash('md5').update(`domain:${user.domain}`).digest('hex');
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          expires_at: new Date(record.expiresAt).toISOString(),
          issued_at: new Date(record.issuedAt).toISOString(),
          methods: ['password'],
          project: { id: projectId, name: projectName, domain: { id: domainId, name: user.domain } },
          user: {
            id: userId,
            name: user.name,
            domain: { id: domainId, name: user.domain },
            password_expires_at: '',
          },
          roles: [{ id: '0', name: 'op_service' }],
          // `?nocatalog=true` leaves the (large) service catalog out, as IAM does.
          ...(req.query.nocatalog === 'true' ? {} : { catalog: simulatedCatalog(projectId) }),
        },
      },
    };
  };
  return [{ method: 'POST', pattern: '/v3/auth/tokens', service: 'iam', public: true, handler: issueToken }];
}

/** A service catalog in Keystone shape, as IAM returns it unless `nocatalog=true` (endpoints are illustrative). */
function simulatedCatalog(projectId: string): unknown[] {
  return ['dcs', 'dws', 'drs', 'iam'].map((service) => ({
    type: service,
    name: service,
    id: createHash('md5').update(`service:${service}`).digest('hex'),
    endpoints: [
      {
        id: createHash('md5').update(`endpoint:${service}`).digest('hex'),
        interface: 'public',
        region: 'sim-region-1',
        region_id: 'sim-region-1',
        url: `https://${service}.sim-region-1.example.com/v2/${projectId}`,
      },
    ],
  }));
}
