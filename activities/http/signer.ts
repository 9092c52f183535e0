/**
 * Huawei Cloud / Open Telekom Cloud AK/SK request signing (`SDK-HMAC-SHA256`), node:crypto only.
 *
 * Which headers are signed: like the official SDKs (huaweicloud-sdk-go-v3 `core/auth/signer`,
 * huaweicloud-sdk-python-v3 `huaweicloudsdkcore/signer`), every header the caller passes is signed,
 * plus `host` (taken from the URL unless given), `x-sdk-date` and `x-security-token` when present.
 * Headers the HTTP transport adds later (User-Agent, Content-Length, Accept-Encoding...) are not
 * signed, which the gateway accepts because it only checks the headers named in SignedHeaders.
 */
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';

export interface AkSkCredentials {
  accessKey: string;
  secretKey: string;
  /** Temporary (STS) credentials: sent and signed as `X-Security-Token`. */
  securityToken?: string;
}

export interface RequestToSign {
  method: string;
  /** Absolute URL, including the query string exactly as it will be sent. */
  url: string;
  /** Headers that will be sent; all of them are signed. */
  headers: Record<string, string>;
  /**
   * The exact bytes that will be sent as the body, already serialized (e.g. the JSON string), or
   * undefined/empty for no body. The signature covers SHA-256 of these bytes, so the caller must not
   * let the HTTP client re-serialize or transform the body after signing (for axios: sign in a
   * request interceptor after serializing `data` yourself, and send that same string/Buffer).
   */
  body?: string | Buffer;
}

/** `YYYYMMDDTHHmmssZ` in UTC. */
export function formatSdkDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 encoding: only `A-Za-z0-9-_.~` are kept (encodeURIComponent also keeps `!'()*`). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new Error(`cannot sign a URL with malformed percent-encoding: ${s}`);
  }
}

/** Each path segment decoded then re-encoded; a trailing `/` appended unless already there (as the SDKs do). */
function canonicalUri(pathname: string): string {
  const path = pathname
    .split('/')
    .map((seg) => uriEncode(decode(seg)))
    .join('/');
  return path.endsWith('/') ? path : path + '/';
}

/**
 * Pairs sorted by key then value, both encoded; `+` in the query means a space (form encoding, as axios sends it).
 * Keys are lower-cased first, as huaweicloud-sdk-go-v3 core/auth/signer `CanonicalQueryString` does.
 */
function canonicalQuery(search: string): string {
  const pairs = search
    .replace(/^\?/, '')
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const [k, v] = eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      return [decode(k.replace(/\+/g, ' ')).toLowerCase(), decode(v.replace(/\+/g, ' '))] as const;
    });
  pairs.sort(([ka, va], [kb, vb]) => (ka !== kb ? (ka < kb ? -1 : 1) : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
}

/** Lowercased name → trimmed value of every header to sign, including `host`. Sorted by name. */
function headersToSign(url: URL, headers: Record<string, string>): [string, string][] {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') continue;
    if (out.has(lower)) throw new Error(`header ${name} given twice (different case)`);
    out.set(lower, value.trim());
  }
  if (!out.has('host')) out.set('host', url.host);
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function build(req: RequestToSign): { canonical: string; signedHeaders: string } {
  const url = new URL(req.url);
  const headers = headersToSign(url, req.headers);
  const signedHeaders = headers.map(([n]) => n).join(';');
  const canonical = [
    req.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.search),
    headers.map(([n, v]) => `${n}:${v}\n`).join(''),
    signedHeaders,
    sha256Hex(req.body ?? ''),
  ].join('\n');
  return { canonical, signedHeaders };
}

/**
 * The canonical request for `req` exactly as given: every header in `req.headers` is signed (so it
 * must already contain X-Sdk-Date, and X-Security-Token if any), plus `host` from the URL if absent.
 */
export function canonicalRequest(req: RequestToSign): string {
  return build(req).canonical;
}

function findHeader(headers: Record<string, string>, lowerName: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === lowerName);
  return key === undefined ? undefined : headers[key];
}

function withoutHeader(headers: Record<string, string>, lowerName: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== lowerName));
}

/**
 * Signs `req` and returns the headers to send: the input headers, plus `X-Sdk-Date` (from `now`
 * unless the input has one), `X-Security-Token` (temporary credentials) and `Authorization`.
 * `host` is signed but only returned if the input had it (the HTTP client sets it from the URL).
 */
export function signRequest(
  req: RequestToSign,
  creds: AkSkCredentials,
  now: Date = new Date(),
): Record<string, string> {
  let headers = withoutHeader(req.headers, 'authorization');
  let sdkDate = findHeader(headers, 'x-sdk-date');
  if (sdkDate === undefined) {
    sdkDate = formatSdkDate(now);
    headers['X-Sdk-Date'] = sdkDate;
  }
  if (creds.securityToken !== undefined) {
    headers = withoutHeader(headers, 'x-security-token');
    headers['X-Security-Token'] = creds.securityToken;
  }
  const { canonical, signedHeaders } = build({ ...req, headers });
  const stringToSign = `${ALGORITHM}\n${sdkDate.trim()}\n${sha256Hex(canonical)}`;
  const signature = createHmac('sha256', creds.secretKey).update(stringToSign).digest('hex');
  return {
    ...headers,
    Authorization: `${ALGORITHM} Access=${creds.accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
