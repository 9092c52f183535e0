import { signRequest, type AkSkCredentials, type RequestToSign } from '../../activities/http/signer';
import { verifyAkSk, type IncomingToVerify } from '../../simulator/aksk-verify';

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const lookup = (ak: string) => (ak === AK ? SK : undefined);
const creds: AkSkCredentials = { accessKey: AK, secretKey: SK };
const now = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

/** What node:http would hand the simulator for a request signed by signRequest and sent by an HTTP client. */
function wire(req: RequestToSign, signed: Record<string, string>): IncomingToVerify {
  const url = new URL(req.url);
  const headers: IncomingToVerify['headers'] = {
    host: url.host,
    'user-agent': 'axios/1',
    connection: 'close',
  };
  for (const [k, v] of Object.entries(signed)) headers[k.toLowerCase()] = v;
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
  return { method: req.method.toUpperCase(), rawUrl: url.pathname + url.search, headers, body };
}
const without = (h: IncomingToVerify['headers'], name: string) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => k !== name));
const signAndSend = (req: RequestToSign, c = creds, at = now) => wire(req, signRequest(req, c, at));

const shapes: Record<string, RequestToSign> = {
  'GET with query': {
    method: 'GET',
    url: 'https://dcs.eu-de.otc.example.com/v2/proj/instances?offset=0&limit=10&name=my%20cache&tag=b&tag=a',
    headers: { 'X-Project-Id': 'proj' },
  },
  'POST with JSON body': {
    method: 'POST',
    url: 'https://dcs.eu-de.otc.example.com/v2/proj/instances/abc/swap',
    headers: { 'Content-Type': 'application/json;charset=utf8', 'X-Project-Id': 'proj' },
    body: JSON.stringify({ source: 'a', target: 'ü' }),
  },
  'special characters in path and query': {
    method: 'PUT',
    url: "https://h.example.com:8443/v1/it's (x)/a%2Fb/é*!~?q=a+b&r=1%2B1&s=%E2%82%AC&flag",
    headers: { 'Content-Type': 'application/octet-stream' },
    body: Buffer.from([0, 1, 2, 255]),
  },
  'DELETE with trailing slash, empty body': {
    method: 'delete',
    url: 'https://h.example.com/v1/x/',
    headers: {},
  },
};

describe('verifyAkSk accepts', () => {
  it('the published test vector', () => {
    const req: IncomingToVerify = {
      method: 'GET',
      rawUrl: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
      headers: {
        host: 'service.region.example.com',
        'content-type': 'application/json',
        'x-sdk-date': '20191115T033655Z',
        authorization:
          'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, ' +
          'Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
      },
      body: Buffer.alloc(0),
    };
    expect(verifyAkSk(req, lookup, new Date(Date.UTC(2019, 10, 15, 3, 40)))).toEqual({
      ok: true,
      accessKey: AK,
    });
  });

  it.each(Object.entries(shapes))('signRequest output: %s', (_name, req) => {
    expect(verifyAkSk(signAndSend(req), lookup, now)).toEqual({ ok: true, accessKey: AK });
  });

  it('temporary credentials with X-Security-Token', () => {
    const res = verifyAkSk(
      signAndSend(shapes['POST with JSON body'], { ...creds, securityToken: 'tok' }),
      lookup,
      now,
    );
    expect(res).toEqual({ ok: true, accessKey: AK });
  });

  it('absolute-form request target and a clock skew just under 15 minutes', () => {
    const req = shapes['GET with query'];
    const incoming = { ...signAndSend(req), rawUrl: req.url };
    expect(verifyAkSk(incoming, lookup, new Date(now.getTime() + 14 * 60_000))).toMatchObject({ ok: true });
    expect(verifyAkSk(incoming, lookup, new Date(now.getTime() - 14 * 60_000))).toMatchObject({ ok: true });
  });
});

describe('verifyAkSk rejects', () => {
  const post = shapes['POST with JSON body'];
  const get = shapes['GET with query'];
  const reject = (incoming: IncomingToVerify, code: string, message: RegExp, at = now) => {
    const res = verifyAkSk(incoming, lookup, at);
    expect(res).toMatchObject({ ok: false, code });
    if (!res.ok) expect(res.message).toMatch(message);
  };

  it('a tampered body', () => {
    reject(
      { ...signAndSend(post), body: Buffer.from(JSON.stringify({ source: 'b', target: 'ü' })) },
      'APIGW.0301',
      /signature/,
    );
  });

  it('a tampered path or query', () => {
    const ok = signAndSend(get);
    reject({ ...ok, rawUrl: ok.rawUrl.replace('/instances', '/instance') }, 'APIGW.0301', /signature/);
    reject({ ...ok, rawUrl: ok.rawUrl.replace('limit=10', 'limit=11') }, 'APIGW.0301', /signature/);
    reject({ ...ok, rawUrl: ok.rawUrl + '&extra=1' }, 'APIGW.0301', /signature/);
    reject({ ...ok, method: 'DELETE' }, 'APIGW.0301', /signature/);
  });

  it('a tampered signed header', () => {
    const ok = signAndSend(post);
    reject({ ...ok, headers: { ...ok.headers, 'x-project-id': 'other' } }, 'APIGW.0301', /signature/);
    reject({ ...ok, headers: { ...ok.headers, host: 'evil.example.com' } }, 'APIGW.0301', /signature/);
  });

  it('a wrong secret or an unknown access key', () => {
    reject(signAndSend(post, { ...creds, secretKey: 'wrong' }), 'APIGW.0301', /signature/);
    reject(signAndSend(post, { ...creds, accessKey: 'UNKNOWN' }), 'APIGW.0301', /unknown access key/);
  });

  it('a stale or future X-Sdk-Date (over 15 minutes)', () => {
    const ok = signAndSend(get);
    reject(ok, 'APIGW.0301', /15 minutes/, new Date(now.getTime() + 15 * 60_000 + 1000));
    reject(ok, 'APIGW.0301', /15 minutes/, new Date(now.getTime() - 16 * 60_000));
  });

  it('missing or malformed X-Sdk-Date', () => {
    const ok = signAndSend(get);
    reject({ ...ok, headers: without(ok.headers, 'x-sdk-date') }, 'APIGW.0301', /X-Sdk-Date/);
    reject(
      { ...ok, headers: { ...ok.headers, 'x-sdk-date': '2024-01-02T03:04:05Z' } },
      'APIGW.0301',
      /X-Sdk-Date/,
    );
    reject(
      { ...ok, headers: { ...ok.headers, 'x-sdk-date': '20241302T030405Z' } },
      'APIGW.0301',
      /X-Sdk-Date/,
    );
  });

  it('missing or unparseable Authorization', () => {
    const ok = signAndSend(get);
    reject({ ...ok, headers: without(ok.headers, 'authorization') }, 'APIGW.0301', /missing/);
    const bad = String(ok.headers.authorization).replace('SDK-HMAC-SHA256', 'AWS4-HMAC-SHA256');
    reject({ ...ok, headers: { ...ok.headers, authorization: bad } }, 'APIGW.0301', /unparseable/);
  });

  it('a header that should have been signed, or a signed header that was not sent', () => {
    const req = { ...get, headers: {} };
    const ok = signAndSend(req);
    reject(
      { ...ok, headers: { ...ok.headers, 'x-project-id': 'proj' } },
      'APIGW.0301',
      /x-project-id not signed/,
    );
    reject(
      { ...ok, headers: { ...ok.headers, 'x-security-token': 'tok' } },
      'APIGW.0301',
      /x-security-token not signed/,
    );
    const signedExtra = signAndSend({ ...req, headers: { 'X-Trace': 't' } });
    reject(
      { ...signedExtra, headers: without(signedExtra.headers, 'x-trace') },
      'APIGW.0301',
      /x-trace missing/,
    );
    const hostless = String(ok.headers.authorization).replace('SignedHeaders=host;', 'SignedHeaders=');
    reject({ ...ok, headers: { ...ok.headers, authorization: hostless } }, 'APIGW.0301', /host not signed/);
  });
});
