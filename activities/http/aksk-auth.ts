/**
 * AK/SK (`SDK-HMAC-SHA256`) authentication for the CloudClient: every request is signed with the
 * exact method, URL (query string as sent) and body bytes that the CloudClient sends.
 */
import type { CloudAuth } from './auth';
import { signRequest, type AkSkCredentials } from './signer';

export interface AkSkAuthOptions {
  /** Sent (and signed) as `X-Project-Id` on every request. */
  projectId: string;
  /**
   * The keys, or a function that reads them (e.g. from a credentials file that a sidecar rotates):
   * a function is called lazily, its answer cached until a 401 invalidates it.
   */
  credentials: AkSkCredentials | (() => AkSkCredentials);
  /** Clock for `X-Sdk-Date` (tests). */
  now?: () => Date;
}

/** Never more than a prefix of the access key id, and never the secret key or the security token. */
export function describeAccessKey(accessKey: string): string {
  return accessKey.length <= 8 ? '****' : `${accessKey.slice(0, 4)}****`;
}

export function akskAuth(options: AkSkAuthOptions): CloudAuth {
  const { credentials, projectId } = options;
  const now = options.now ?? (() => new Date());
  const reloadable = typeof credentials === 'function';
  let cached: AkSkCredentials | undefined = reloadable ? undefined : credentials;

  const current = (): AkSkCredentials => (cached ??= (credentials as () => AkSkCredentials)());

  const describe = (): string => {
    const keys = reloadable ? undefined : credentials;
    const key = keys ? `access key ${describeAccessKey(keys.accessKey)}` : 'keys read on use';
    const temporary = keys?.securityToken !== undefined ? ', temporary (X-Security-Token)' : '';
    return `AK/SK SDK-HMAC-SHA256 (${key}${temporary}, project ${projectId})`;
  };

  return {
    description: describe(),
    async authorize(request) {
      const headers = withoutHeader(request.headers, 'x-project-id');
      headers['X-Project-Id'] = projectId;
      return signRequest(
        { method: request.method, url: request.url, headers, body: request.body },
        current(),
        now(),
      );
    },
    invalidate() {
      // Fixed keys cannot get better by retrying; keys read from a file may have been rotated since.
      if (!reloadable) return false;
      cached = undefined;
      return true;
    },
  };
}

function withoutHeader(headers: Record<string, string>, lowerName: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== lowerName));
}
