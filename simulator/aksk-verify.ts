/**
 * Gateway-side check of `SDK-HMAC-SHA256` AK/SK signatures for the simulator.
 *
 * Deliberately written apart from activities/http/signer.ts (and not importing it): it rebuilds the
 * canonical request from what actually arrived on the wire (method, raw path and query, the headers
 * named in SignedHeaders, the raw body bytes), so a signer bug cannot be mirrored here.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface IncomingToVerify {
  method: string;
  /** node:http `req.url`: origin-form (`/path?query`), absolute-form also accepted. */
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type VerifyResult =
  { ok: true; accessKey: string } | { ok: false; code: 'APIGW.0301'; message: string };

const MAX_SKEW_MS = 15 * 60 * 1000;
/** Must be in SignedHeaders; the others too whenever the request carries them. */
const ALWAYS_SIGNED = ['host', 'x-sdk-date'];
const SIGNED_IF_PRESENT = ['content-type', 'x-project-id', 'x-security-token'];
const AUTH_RE =
  /^SDK-HMAC-SHA256\s+Access=([^\s,]+)\s*,\s*SignedHeaders=([a-z0-9_;-]+)\s*,\s*Signature=([0-9a-fA-F]{64})\s*$/;
const DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Every refusal of an IAM-signed (AK/SK) call is `APIGW.0301` "Incorrect IAM authentication information: ...",
 * a stale X-Sdk-Date too; `APIGW.0303` is the code of *app* authentication ("Incorrect app authentication
 * information: signature expired"). Source: Huawei Cloud API Request Signing Guide FAQs (devg-apisign
 * api-sign-0001 "Common Errors Related to IAM Authentication Information", api-sign-0003 for app authentication).
 */
const fail = (code: 'APIGW.0301', message: string): VerifyResult => ({
  ok: false,
  code,
  message,
});

/** Byte-wise RFC 3986 escape: everything but `A-Za-z0-9-_.~` becomes %XX (upper-case hex). */
function escapeBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Lenient percent-decoding to bytes: a `%` not followed by two hex digits is kept literally. */
function unescapeToBytes(s: string, plusIsSpace: boolean): Buffer {
  const latin1 = Buffer.from(s, 'utf8').toString('latin1');
  const replaced = (plusIsSpace ? latin1.replace(/\+/g, ' ') : latin1).replace(
    /%([0-9A-Fa-f]{2})/g,
    (_, hex: string) => String.fromCharCode(parseInt(hex, 16)),
  );
  return Buffer.from(replaced, 'latin1');
}

function header(headers: IncomingToVerify['headers'], name: string): string | undefined {
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue;
    const v = headers[key];
    return Array.isArray(v) ? v.join(', ') : v;
  }
  return undefined;
}

/** Epoch ms of a `YYYYMMDDTHHmmssZ` value; undefined if absent, malformed or out of range (month 13...). */
function parseSdkDate(value: string | undefined): number | undefined {
  const m = value === undefined ? null : DATE_RE.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const roundTrip = new Date(t).toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
  return roundTrip === m[0] ? t : undefined;
}

function canonicalPath(path: string): string {
  const encoded = (path === '' ? '/' : path)
    .split('/')
    .map((segment) => escapeBytes(unescapeToBytes(segment, false)))
    .join('/');
  return encoded.endsWith('/') ? encoded : encoded + '/';
}

function canonicalQueryString(query: string): string {
  const pairs: { k: Buffer; v: Buffer }[] = [];
  for (const part of query.split('&')) {
    if (part.length === 0) continue;
    const at = part.indexOf('=');
    const rawKey = at === -1 ? part : part.substring(0, at);
    const rawValue = at === -1 ? '' : part.substring(at + 1);
    // Keys are lower-cased, as huaweicloud-sdk-go-v3 core/auth/signer CanonicalQueryString does.
    const key = Buffer.from(unescapeToBytes(rawKey, true).toString('utf8').toLowerCase(), 'utf8');
    pairs.push({ k: key, v: unescapeToBytes(rawValue, true) });
  }
  pairs.sort((a, b) => Buffer.compare(a.k, b.k) || Buffer.compare(a.v, b.v));
  return pairs.map(({ k, v }) => escapeBytes(k) + '=' + escapeBytes(v)).join('&');
}

export function verifyAkSk(
  req: IncomingToVerify,
  lookupSecret: (ak: string) => string | undefined,
  now: Date,
): VerifyResult {
  const auth = header(req.headers, 'authorization');
  if (auth === undefined)
    return fail('APIGW.0301', 'Incorrect IAM authentication information: Authorization header missing');
  const m = AUTH_RE.exec(auth.trim());
  if (!m)
    return fail(
      'APIGW.0301',
      'Incorrect IAM authentication information: unparseable SDK-HMAC-SHA256 Authorization',
    );
  const [, accessKey, signedHeaderList, signature] = m;

  const rawDate = header(req.headers, 'x-sdk-date');
  const signedAt = parseSdkDate(rawDate);
  if (signedAt === undefined)
    return fail(
      'APIGW.0301',
      'Incorrect IAM authentication information: X-Sdk-Date missing or not YYYYMMDDTHHmmssZ',
    );
  if (Math.abs(now.getTime() - signedAt) > MAX_SKEW_MS)
    return fail(
      'APIGW.0301',
      'Incorrect IAM authentication information: request expired, X-Sdk-Date more than 15 minutes from server time',
    );

  const secret = lookupSecret(accessKey);
  if (secret === undefined)
    return fail('APIGW.0301', 'Incorrect IAM authentication information: unknown access key');

  const names = signedHeaderList.split(';');
  for (const required of [
    ...ALWAYS_SIGNED,
    ...SIGNED_IF_PRESENT.filter((n) => header(req.headers, n) !== undefined),
  ]) {
    if (!names.includes(required))
      return fail('APIGW.0301', `Incorrect IAM authentication information: header ${required} not signed`);
  }
  let canonicalHeaders = '';
  for (const name of names) {
    const value = header(req.headers, name);
    if (value === undefined)
      return fail('APIGW.0301', `Incorrect IAM authentication information: signed header ${name} missing`);
    canonicalHeaders += `${name}:${value.trim()}\n`;
  }

  const target = req.rawUrl.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/, '').replace(/#.*$/, '');
  const q = target.indexOf('?');
  const canonical = [
    req.method.toUpperCase(),
    canonicalPath(q === -1 ? target : target.substring(0, q)),
    canonicalQueryString(q === -1 ? '' : target.substring(q + 1)),
    canonicalHeaders,
    signedHeaderList,
    createHash('sha256').update(req.body).digest('hex'),
  ].join('\n');
  const stringToSign = [
    'SDK-HMAC-SHA256',
    rawDate!.trim(),
    createHash('sha256').update(canonical, 'utf8').digest('hex'),
  ].join('\n');
  const expected = createHmac('sha256', secret).update(stringToSign, 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex')))
    return fail('APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail');
  return { ok: true, accessKey };
}
