/**
 * Where the worker's cloud credentials come from. Exactly one source may be configured; a partial or
 * ambiguous configuration is refused with a message that names variables, never values.
 *
 * | mode                | variables                                                                              |
 * | ------------------- | -------------------------------------------------------------------------------------- |
 * | `token`             | `SWITCHOVER_AUTH_TOKEN`                                                                |
 * | `iam`               | `SWITCHOVER_IAM_USER`, `_PASSWORD`, `_DOMAIN`, `_PROJECT_ID`                            |
 * | `huaweicloud-aksk`  | `HUAWEICLOUD_SDK_AK`, `_SK`, `_PROJECT_ID` (+ `HUAWEICLOUD_SDK_SECURITY_TOKEN`)        |
 * | `os-aksk`           | `OS_ACCESS_KEY`, `OS_SECRET_KEY`, `OS_PROJECT_ID` (+ `OS_SECURITY_TOKEN`)              |
 * | `os-password`       | `OS_USERNAME`, `OS_PASSWORD`, `OS_DOMAIN_NAME`, `OS_PROJECT_ID` or `OS_PROJECT_NAME`   |
 * |                     | (+ `OS_AUTH_URL` as the IAM endpoint)                                                  |
 * | `file`              | `SWITCHOVER_CREDENTIALS_FILE`: JSON, see {@link CREDENTIALS_FILE_FORMATS}              |
 *
 * `SWITCHOVER_AUTH_MODE` picks one mode explicitly when the environment also carries another tool's
 * variables (a shell with OS_* set, say); the other modes' variables are then ignored.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { akskAuth, describeAccessKey } from '../activities/http/aksk-auth';
import { iamPasswordAuth, staticTokenAuth, type CloudAuth } from '../activities/http/auth';
import type { AkSkCredentials } from '../activities/http/signer';

export const AUTH_MODES = ['token', 'iam', 'huaweicloud-aksk', 'os-aksk', 'os-password', 'file'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export type CloudCredentials =
  | { kind: 'token'; source: string; token: string }
  | {
      kind: 'password';
      source: string;
      userName: string;
      password: string;
      domainName: string;
      projectId?: string;
      projectName?: string;
      /** The IAM endpoint the source itself names (`OS_AUTH_URL`, file `iamEndpoint`), without `/v3`. */
      iamEndpoint?: string;
    }
  | {
      kind: 'aksk';
      source: string;
      projectId: string;
      keys: AkSkCredentials;
      /** Reads the keys again (a credentials file a sidecar rotates); absent for keys from variables. */
      reload?: () => AkSkCredentials;
    };

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** The variables whose presence selects a mode (scope-only variables such as *_PROJECT_ID do not). */
const MODE_MARKERS: Record<AuthMode, readonly string[]> = {
  token: ['SWITCHOVER_AUTH_TOKEN'],
  iam: ['SWITCHOVER_IAM_USER', 'SWITCHOVER_IAM_PASSWORD', 'SWITCHOVER_IAM_DOMAIN'],
  'huaweicloud-aksk': ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'],
  'os-aksk': ['OS_ACCESS_KEY', 'OS_SECRET_KEY', 'OS_SECURITY_TOKEN'],
  'os-password': ['OS_USERNAME', 'OS_PASSWORD'],
  file: ['SWITCHOVER_CREDENTIALS_FILE'],
};

const NONE_GIVEN =
  'no cloud credentials: set SWITCHOVER_AUTH_TOKEN (the simulator accepts sim-token), ' +
  'HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK + HUAWEICLOUD_SDK_PROJECT_ID, ' +
  'OS_ACCESS_KEY + OS_SECRET_KEY + OS_PROJECT_ID, ' +
  'OS_USERNAME + OS_PASSWORD + OS_DOMAIN_NAME + OS_PROJECT_ID, ' +
  'SWITCHOVER_IAM_USER + SWITCHOVER_IAM_PASSWORD + SWITCHOVER_IAM_DOMAIN + SWITCHOVER_IAM_PROJECT_ID, ' +
  'or SWITCHOVER_CREDENTIALS_FILE';

/** Which mode the environment selects; throws when none or several are configured. */
export function selectAuthMode(env: Env): AuthMode {
  const explicit = value(env, 'SWITCHOVER_AUTH_MODE');
  if (explicit !== undefined) {
    if (!(AUTH_MODES as readonly string[]).includes(explicit)) {
      throw new CredentialsError(`SWITCHOVER_AUTH_MODE must be one of ${AUTH_MODES.join(', ')}`);
    }
    return explicit as AuthMode;
  }
  const configured = AUTH_MODES.filter((mode) =>
    MODE_MARKERS[mode].some((name) => value(env, name) !== undefined),
  );
  if (configured.length === 0) throw new CredentialsError(NONE_GIVEN);
  if (configured.length > 1) {
    const found = configured
      .map(
        (mode) =>
          `${mode} (${MODE_MARKERS[mode].filter((name) => value(env, name) !== undefined).join(', ')})`,
      )
      .join('; ');
    throw new CredentialsError(
      `ambiguous cloud credentials, several sources are configured: ${found}. ` +
        'Unset all but one, or choose one with SWITCHOVER_AUTH_MODE',
    );
  }
  return configured[0];
}

/** Reads the credentials of the one configured mode (and, for `file`, the file itself, once, now). */
export function readCredentials(env: Env): CloudCredentials {
  const mode = selectAuthMode(env);
  const need = (name: string, why: string) => {
    const v = value(env, name);
    if (v === undefined) throw new CredentialsError(`${name} is missing: ${why}`);
    return v;
  };
  switch (mode) {
    case 'token':
      return {
        kind: 'token',
        source: 'SWITCHOVER_AUTH_TOKEN',
        token: need('SWITCHOVER_AUTH_TOKEN', 'token mode needs the token').trim(),
      };
    case 'iam': {
      const why = 'IAM password auth needs SWITCHOVER_IAM_USER, _PASSWORD, _DOMAIN and _PROJECT_ID';
      return {
        kind: 'password',
        source: 'SWITCHOVER_IAM_*',
        userName: need('SWITCHOVER_IAM_USER', why),
        password: need('SWITCHOVER_IAM_PASSWORD', why),
        domainName: need('SWITCHOVER_IAM_DOMAIN', why),
        projectId: need('SWITCHOVER_IAM_PROJECT_ID', `${why} (the token is scoped to that project)`),
      };
    }
    case 'huaweicloud-aksk': {
      const why = 'AK/SK auth needs HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID';
      return {
        kind: 'aksk',
        source: 'HUAWEICLOUD_SDK_*',
        projectId: need('HUAWEICLOUD_SDK_PROJECT_ID', why),
        keys: keys(
          need('HUAWEICLOUD_SDK_AK', why),
          need('HUAWEICLOUD_SDK_SK', why),
          value(env, 'HUAWEICLOUD_SDK_SECURITY_TOKEN'),
        ),
      };
    }
    case 'os-aksk': {
      const why = 'AK/SK auth needs OS_ACCESS_KEY, OS_SECRET_KEY and OS_PROJECT_ID';
      return {
        kind: 'aksk',
        source: 'OS_ACCESS_KEY/OS_SECRET_KEY',
        projectId: need('OS_PROJECT_ID', why),
        keys: keys(need('OS_ACCESS_KEY', why), need('OS_SECRET_KEY', why), value(env, 'OS_SECURITY_TOKEN')),
      };
    }
    case 'os-password': {
      const why =
        'password auth needs OS_USERNAME, OS_PASSWORD, OS_DOMAIN_NAME and OS_PROJECT_ID (or OS_PROJECT_NAME)';
      const projectId = value(env, 'OS_PROJECT_ID');
      const projectName = projectId ? undefined : value(env, 'OS_PROJECT_NAME');
      if (!projectId && !projectName) throw new CredentialsError(`OS_PROJECT_ID is missing: ${why}`);
      const domainName = value(env, 'OS_DOMAIN_NAME') ?? value(env, 'OS_USER_DOMAIN_NAME');
      if (!domainName) throw new CredentialsError(`OS_DOMAIN_NAME is missing: ${why}`);
      const authUrl = value(env, 'OS_AUTH_URL');
      return {
        kind: 'password',
        source: 'OS_USERNAME/OS_PASSWORD',
        userName: need('OS_USERNAME', why),
        password: need('OS_PASSWORD', why),
        domainName,
        projectId,
        projectName,
        iamEndpoint: authUrl === undefined ? undefined : iamEndpointOf(authUrl, 'OS_AUTH_URL'),
      };
    }
    case 'file':
      return readCredentialsFile(
        need('SWITCHOVER_CREDENTIALS_FILE', 'file mode needs the path of the JSON file'),
      );
  }
}

/** One line for logs: the mode and non-secret identifiers only. */
export function describeCredentials(credentials: CloudCredentials): string {
  switch (credentials.kind) {
    case 'token':
      return `static X-Auth-Token from ${credentials.source}`;
    case 'password': {
      const scope = credentials.projectId
        ? `project ${credentials.projectId}`
        : `project name ${credentials.projectName}`;
      return `IAM password token from ${credentials.source} (user ${credentials.userName}, domain ${credentials.domainName}, ${scope})`;
    }
    case 'aksk': {
      const temporary = credentials.keys.securityToken !== undefined ? ', temporary with security token' : '';
      return `AK/SK signing from ${credentials.source} (access key ${describeAccessKey(credentials.keys.accessKey)}${temporary}, project ${credentials.projectId})`;
    }
  }
}

/**
 * The CloudAuth for these credentials. `iamEndpoint` is where password credentials get their tokens;
 * the caller decides its precedence (config: SWITCHOVER_IAM_ENDPOINT, then `credentials.iamEndpoint`, then the region's).
 */
export function credentialsAuth(
  credentials: CloudCredentials,
  options: { iamEndpoint: string; timeoutMs?: number },
): CloudAuth {
  switch (credentials.kind) {
    case 'token':
      return staticTokenAuth(credentials.token);
    case 'password':
      return iamPasswordAuth({
        iamEndpoint: options.iamEndpoint,
        userName: credentials.userName,
        password: credentials.password,
        domainName: credentials.domainName,
        projectId: credentials.projectId,
        projectName: credentials.projectName,
        timeoutMs: options.timeoutMs,
      });
    case 'aksk': {
      const { reload, keys: first } = credentials;
      if (!reload) return akskAuth({ projectId: credentials.projectId, credentials: first });
      // First use: the keys read at startup; after a 401, read the file again (it may have been rotated).
      let initial: AkSkCredentials | undefined = first;
      return akskAuth({
        projectId: credentials.projectId,
        credentials: () => {
          const current = initial ?? reload();
          initial = undefined;
          return current;
        },
      });
    }
  }
}

/** The JSON shapes `SWITCHOVER_CREDENTIALS_FILE` may hold (exactly one; unknown keys are refused). */
export const CREDENTIALS_FILE_FORMATS = {
  token: { token: '<X-Auth-Token>' },
  aksk: { accessKey: '<AK>', secretKey: '<SK>', securityToken: '<optional>', projectId: '<project id>' },
  iamTemporaryCredential: {
    projectId: '<project id>',
    credential: { access: '<AK>', secret: '<SK>', securitytoken: '<token>', expires_at: '<optional>' },
  },
  password: {
    userName: '<user>',
    password: '<password>',
    domainName: '<account>',
    projectId: '<project id, or projectName>',
    iamEndpoint: '<optional, e.g. https://iam.eu-de.otc.t-systems.com>',
  },
} as const;

const nonEmpty = z.string().trim().min(1);
const fileSchemas = {
  token: z.strictObject({ token: nonEmpty }),
  aksk: z.strictObject({
    accessKey: nonEmpty,
    secretKey: nonEmpty,
    securityToken: nonEmpty.optional(),
    projectId: nonEmpty,
  }),
  iamTemporaryCredential: z.strictObject({
    projectId: nonEmpty,
    credential: z.object({ access: nonEmpty, secret: nonEmpty, securitytoken: nonEmpty.optional() }),
  }),
  password: z
    .strictObject({
      userName: nonEmpty,
      password: z.string().min(1),
      domainName: nonEmpty,
      projectId: nonEmpty.optional(),
      projectName: nonEmpty.optional(),
      iamEndpoint: nonEmpty.optional(),
    })
    .refine((c) => c.projectId !== undefined || c.projectName !== undefined, {
      message: 'projectId or projectName is required',
      path: ['projectId'],
    }),
};

/** Reads and validates a credentials file. Errors name the file and the keys, never a value. */
export function readCredentialsFile(file: string): CloudCredentials {
  const parsed = parseCredentialsFile(file);
  if (parsed.kind !== 'aksk') return parsed;
  return {
    ...parsed,
    reload: () => {
      const again = parseCredentialsFile(file);
      if (again.kind !== 'aksk') throw new CredentialsError(`${file} no longer holds AK/SK credentials`);
      return again.keys;
    },
  };
}

function parseCredentialsFile(file: string): CloudCredentials {
  const source = `SWITCHOVER_CREDENTIALS_FILE (${file})`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new CredentialsError(`${source} cannot be read (${code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error: it could quote a secret.
    throw new CredentialsError(`${source} is not valid JSON`);
  }
  const shape = fileShapeOf(json);
  if (!shape) {
    throw new CredentialsError(
      `${source} must be a JSON object holding one of: ${Object.entries(CREDENTIALS_FILE_FORMATS)
        .map(([name, example]) => `${name} {${Object.keys(example).join(', ')}}`)
        .join('; ')}`,
    );
  }
  const result = fileSchemas[shape].safeParse(json);
  if (!result.success) {
    const problems = result.error.issues
      .map(
        (issue) =>
          `${issue.path.join('.') || '(file)'}: ${issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message}`,
      )
      .join('; ');
    throw new CredentialsError(`${source} (${shape} credentials): ${problems}`);
  }
  switch (shape) {
    case 'token': {
      const c = result.data as z.output<(typeof fileSchemas)['token']>;
      return { kind: 'token', source, token: c.token };
    }
    case 'aksk': {
      const c = result.data as z.output<(typeof fileSchemas)['aksk']>;
      return {
        kind: 'aksk',
        source,
        projectId: c.projectId,
        keys: keys(c.accessKey, c.secretKey, c.securityToken),
      };
    }
    case 'iamTemporaryCredential': {
      const c = result.data as z.output<(typeof fileSchemas)['iamTemporaryCredential']>;
      return {
        kind: 'aksk',
        source,
        projectId: c.projectId,
        keys: keys(c.credential.access, c.credential.secret, c.credential.securitytoken),
      };
    }
    case 'password': {
      const c = result.data as z.output<(typeof fileSchemas)['password']>;
      return {
        kind: 'password',
        source,
        userName: c.userName,
        password: c.password,
        domainName: c.domainName,
        projectId: c.projectId,
        projectName: c.projectId ? undefined : c.projectName,
        iamEndpoint:
          c.iamEndpoint === undefined ? undefined : iamEndpointOf(c.iamEndpoint, `${source} iamEndpoint`),
      };
    }
  }
}

function fileShapeOf(json: unknown): keyof typeof fileSchemas | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const has = (key: string) => key in json;
  if (has('credential')) return 'iamTemporaryCredential';
  if (has('accessKey') || has('secretKey')) return 'aksk';
  if (has('userName') || has('password')) return 'password';
  if (has('token')) return 'token';
  return undefined;
}

/** `OS_AUTH_URL` is conventionally `https://iam.../v3`; the IAM client appends `/v3/auth/tokens` itself. */
function iamEndpointOf(url: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CredentialsError(`${name} must be an absolute http(s) URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new CredentialsError(`${name} must use http or https`);
  }
  return url.replace(/\/+$/, '').replace(/\/v3$/, '');
}

function keys(accessKey: string, secretKey: string, securityToken: string | undefined): AkSkCredentials {
  const trimmedToken = securityToken?.trim();
  return {
    accessKey: accessKey.trim(),
    secretKey: secretKey.trim(),
    ...(trimmedToken ? { securityToken: trimmedToken } : {}),
  };
}

/** Unset and empty are the same (compose files often pass `VAR=` through). */
function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}
