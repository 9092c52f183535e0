import { createHash } from 'node:crypto';
import {
  canonicalRequest,
  formatSdkDate,
  signRequest,
  type RequestToSign,
} from '../../activities/http/signer';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const signatureOf = (h: Record<string, string>) => /Signature=([0-9a-f]{64})$/.exec(h.Authorization)![1];
const signedHeadersOf = (h: Record<string, string>) => /SignedHeaders=([^,]+),/.exec(h.Authorization)![1];

// Published test vector, docs/cloud-apis.md "Authentication".
const vector: RequestToSign = {
  method: 'GET',
  url: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
  headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': '20191115T033655Z' },
};
const creds = { accessKey: 'QTWAOYTTINDUT2QVKYUC', secretKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' };
const now = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
const base = { method: 'POST', url: 'https://dcs.example.com/v2/p/instances', headers: {} };

describe('signRequest: published vector', () => {
  it('hashes the canonical request as published', () => {
    expect(sha256(canonicalRequest(vector))).toBe(
      'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a',
    );
  });

  it('produces the published Authorization header', () => {
    const h = signRequest(vector, creds);
    expect(h.Authorization).toBe(
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, ' +
        'Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
    expect(h['X-Sdk-Date']).toBe('20191115T033655Z');
    expect(h['Content-Type']).toBe('application/json');
    expect(Object.keys(h).map((k) => k.toLowerCase())).not.toContain('host');
  });
});

describe('signRequest', () => {
  it('adds X-Sdk-Date from now and does not mutate the input', () => {
    const req = { ...base, headers: { 'X-Project-Id': 'p' } };
    const h = signRequest(req, creds, now);
    expect(h['X-Sdk-Date']).toBe('20240102T030405Z');
    expect(formatSdkDate(now)).toBe('20240102T030405Z');
    expect(signedHeadersOf(h)).toBe('host;x-project-id;x-sdk-date');
    expect(req.headers).toEqual({ 'X-Project-Id': 'p' });
  });

  it('signs the exact body bytes', () => {
    const a = signRequest({ ...base, body: '{"a":1}' }, creds, now);
    const b = signRequest({ ...base, body: '{"a": 1}' }, creds, now);
    const c = signRequest({ ...base, body: Buffer.from('{"a":1}') }, creds, now);
    const empty = signRequest({ ...base, body: '' }, creds, now);
    const none = signRequest(base, creds, now);
    expect(signatureOf(a)).not.toBe(signatureOf(b));
    expect(signatureOf(a)).toBe(signatureOf(c));
    expect(signatureOf(empty)).toBe(signatureOf(none));
    expect(
      canonicalRequest({ ...base, headers: { 'X-Sdk-Date': 'd' } }).endsWith(
        '\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ),
    ).toBe(true);
  });

  it('sorts the query by key then value, encoding values; order in the URL does not matter', () => {
    const req = (q: string) => ({
      method: 'GET',
      url: `https://h.example.com/v1/x?${q}`,
      headers: { 'X-Sdk-Date': 'd' },
    });
    const lines = canonicalRequest(req('b=2&a=z&a=y&c=a%2Fb+c&d')).split('\n');
    expect(lines[2]).toBe('a=y&a=z&b=2&c=a%2Fb%20c&d=');
    expect(canonicalRequest(req('d&c=a%2Fb%20c&a=z&b=2&a=y'))).toBe(
      canonicalRequest(req('b=2&a=z&a=y&c=a%2Fb+c&d')),
    );
    expect(canonicalRequest(req('a=1&b=2'))).not.toBe(canonicalRequest(req('a=2&b=1')));
  });

  it('encodes each path segment (RFC 3986 unreserved kept) and appends a trailing slash', () => {
    const uri = (path: string) =>
      canonicalRequest({
        method: 'get',
        url: `https://h.example.com${path}`,
        headers: { 'X-Sdk-Date': 'd' },
      }).split('\n');
    expect(uri("/v1/a b/it's(1)*!/é~_.-")[1]).toBe('/v1/a%20b/it%27s%281%29%2A%21/%C3%A9~_.-/');
    expect(uri('/v1/a%2Fb/x%20y')[1]).toBe('/v1/a%2Fb/x%20y/');
    expect(uri('/v1/x/')[1]).toBe('/v1/x/');
    expect(uri('')[1]).toBe('/');
    expect(uri('/v1/x')[0]).toBe('GET');
  });

  it('sends and signs X-Security-Token for temporary credentials', () => {
    const h = signRequest(base, { ...creds, securityToken: 'tok' }, now);
    expect(h['X-Security-Token']).toBe('tok');
    expect(signedHeadersOf(h)).toBe('host;x-sdk-date;x-security-token');
    const other = signRequest(base, { ...creds, securityToken: 'tok2' }, now);
    expect(signatureOf(other)).not.toBe(signatureOf(h));
  });

  it('signs every given header (lowercased, trimmed, sorted), uses a given Host, drops a stale Authorization', () => {
    const h = signRequest(
      {
        ...base,
        headers: {
          Host: 'h.example.com:8443',
          'X-Project-Id': ' p ',
          'Content-Type': 'application/json',
          Authorization: 'x',
        },
      },
      creds,
      now,
    );
    expect(signedHeadersOf(h)).toBe('content-type;host;x-project-id;x-sdk-date');
    expect(h.Host).toBe('h.example.com:8443');
    expect(h.Authorization.startsWith('SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, ')).toBe(true);
    const c = canonicalRequest({
      ...base,
      url: 'https://h.example.com:8443/v2/p/instances',
      headers: { 'X-Project-Id': ' p ', 'X-Sdk-Date': 'd' },
    });
    expect(c).toContain(
      '\nhost:h.example.com:8443\nx-project-id:p\nx-sdk-date:d\n\nhost;x-project-id;x-sdk-date\n',
    );
  });

  it('rejects malformed percent-encoding and duplicate headers', () => {
    expect(() => canonicalRequest({ ...base, url: 'https://h.example.com/v1/%zz', headers: {} })).toThrow(
      /percent/,
    );
    expect(() => signRequest({ ...base, headers: { 'x-a': '1', 'X-A': '2' } }, creds, now)).toThrow(/twice/);
  });
});
