/**
 * AK/SK signing end to end: CloudClient → axios → real HTTP on 127.0.0.1 → the simulator's independent
 * verifier, which rebuilds the canonical request from what arrived on the wire.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { akskAuth, describeAccessKey } from '../../activities/http/aksk-auth';
import { CloudClient } from '../../activities/http/cloud-client';
import { CloudFailure } from '../../domain/failures';
import { verifyAkSk, type VerifyResult } from '../../simulator/aksk-verify';

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const PROJECT = '77b6a44cba5143ab91d13ab9a8ff44fd';

interface Received {
  method: string;
  rawUrl: string;
  headers: IncomingMessage['headers'];
  body: string;
  verdict: VerifyResult;
}

let server: Server;
let endpoint: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const verdict = verifyAkSk(
        { method: req.method ?? '', rawUrl: req.url ?? '', headers: req.headers, body },
        (ak) => (ak === AK ? SK : undefined),
        new Date(),
      );
      received.push({
        method: req.method ?? '',
        rawUrl: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
        verdict,
      });
      res.setHeader('Content-Type', 'application/json');
      if (verdict.ok) {
        res.writeHead(200).end(JSON.stringify({ ok: true }));
      } else {
        res.writeHead(401).end(JSON.stringify({ error_code: verdict.code, error_msg: verdict.message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  received.length = 0;
});

const okSchema = z.object({ ok: z.literal(true) });
const client = (
  auth = akskAuth({ projectId: PROJECT, credentials: { accessKey: AK, secretKey: SK } }),
  headers?: Record<string, string>,
) => new CloudClient({ service: 'dcs', endpoint, auth, headers, timeoutMs: 5000 });

const last = () => received[received.length - 1];

describe('akskAuth through CloudClient over real HTTP', () => {
  it('signs a GET without body; X-Project-Id is sent and signed', async () => {
    await expect(
      client().request({
        method: 'GET',
        path: `/v2/${PROJECT}/instances/abc`,
        schema: okSchema,
        operation: 'get',
      }),
    ).resolves.toEqual({ status: 200, data: { ok: true } });
    expect(last().verdict).toEqual({ ok: true, accessKey: AK });
    expect(last().headers['x-project-id']).toBe(PROJECT);
    expect(String(last().headers.authorization)).toMatch(/SignedHeaders=[^,]*x-project-id/);
    expect(last().headers['x-security-token']).toBeUndefined();
  });

  it('signs the query string exactly as sent (spaces, reserved and non-ASCII characters, repeated order)', async () => {
    await client().request({
      method: 'GET',
      path: `/v2/${PROJECT}/instances/abc/tasks`,
      query: {
        end_time: '20240102030405',
        begin_time: '20240101000000',
        name: "my cache (*)!'~",
        filter: 'a+b=c&d/e?f',
        unicode: 'é€',
        empty: '',
      },
      schema: okSchema,
      operation: 'tasks',
    });
    expect(last().verdict).toEqual({ ok: true, accessKey: AK });
    expect(last().rawUrl).toContain('?end_time=20240102030405&begin_time=');
  });

  it('signs the exact JSON body bytes, including non-ASCII characters and whitespace inside strings', async () => {
    const body = {
      mode: 'target',
      note: '  padded  ',
      name: 'Zürich ✓',
      nested: { list: [1, 2.5, null, true] },
    };
    await client().request({
      method: 'POST',
      path: `/v3/${PROJECT}/jobs/j1/switch-vip`,
      body,
      schema: okSchema,
      operation: 'switch-vip',
    });
    expect(last().verdict).toEqual({ ok: true, accessKey: AK });
    expect(last().body).toBe(JSON.stringify(body));
    expect(String(last().headers.authorization)).toMatch(
      /SignedHeaders=content-type;host;x-project-id;x-sdk-date,/,
    );
  });

  it('signs a body that is a bare JSON string with surrounding spaces (axios must not trim or re-serialize it)', async () => {
    await client().request({
      method: 'PUT',
      path: `/v2/${PROJECT}/x`,
      body: '  spaced  ',
      schema: okSchema,
      operation: 'put',
    });
    expect(last().verdict).toEqual({ ok: true, accessKey: AK });
    expect(last().body).toBe('"  spaced  "');
  });

  it('signs extra client headers (DRS X-Language) and overrides a caller-supplied X-Project-Id', async () => {
    await client(undefined, { 'X-Language': 'en-us', 'x-project-id': 'someone-else' }).request({
      method: 'POST',
      path: `/v3/${PROJECT}/jobs/batch-status`,
      body: { jobs: ['j1'] },
      schema: okSchema,
      operation: 'batch-status',
    });
    expect(last().verdict).toEqual({ ok: true, accessKey: AK });
    expect(last().headers['x-project-id']).toBe(PROJECT);
    expect(String(last().headers.authorization)).toMatch(/x-language/);
  });

  it('sends and signs X-Security-Token for temporary credentials', async () => {
    const auth = akskAuth({
      projectId: PROJECT,
      credentials: { accessKey: AK, secretKey: SK, securityToken: 'sts-token-value' },
    });
    await client(auth).request({ method: 'DELETE', path: `/v2/${PROJECT}/y/`, operation: 'delete' });
    expect(last().verdict).toEqual({ ok: true, accessKey: AK });
    expect(last().headers['x-security-token']).toBe('sts-token-value');
    expect(String(last().headers.authorization)).toMatch(/x-security-token/);
    expect(auth.description).toContain('temporary');
    expect(auth.description).not.toContain('sts-token-value');
  });

  it('a wrong secret key is a 401 classified as an auth failure, not retried with the same fixed keys', async () => {
    const auth = akskAuth({ projectId: PROJECT, credentials: { accessKey: AK, secretKey: 'wrong' } });
    await expect(
      client(auth).request({ method: 'GET', path: `/v2/${PROJECT}/z`, operation: 'get' }),
    ).rejects.toMatchObject({
      type: CloudFailure.Auth,
      nonRetryable: true,
    });
    expect(received).toHaveLength(1);
    expect(received[0].verdict).toMatchObject({ ok: false, code: 'APIGW.0301' });
  });

  it('keys read by a function are read again after a 401 (rotated credentials file)', async () => {
    const reads: string[] = [];
    const keys = ['stale', SK];
    const auth = akskAuth({
      projectId: PROJECT,
      credentials: () => {
        const secretKey = keys[Math.min(reads.length, keys.length - 1)];
        reads.push(secretKey);
        return { accessKey: AK, secretKey };
      },
    });
    await expect(
      client(auth).request({ method: 'GET', path: `/v2/${PROJECT}/z`, schema: okSchema, operation: 'get' }),
    ).resolves.toMatchObject({ status: 200 });
    expect(reads).toEqual(['stale', SK]);
    expect(received.map((r) => r.verdict.ok)).toEqual([false, true]);
    // Cached afterwards: no read per request.
    await client(auth).request({
      method: 'GET',
      path: `/v2/${PROJECT}/z`,
      schema: okSchema,
      operation: 'get',
    });
    expect(reads).toHaveLength(2);
  });

  it('a clock skewed by more than 15 minutes is refused by the gateway check (APIGW.0301)', async () => {
    const auth = akskAuth({
      projectId: PROJECT,
      credentials: { accessKey: AK, secretKey: SK },
      now: () => new Date(Date.now() - 20 * 60_000),
    });
    await expect(
      client(auth).request({ method: 'GET', path: `/v2/${PROJECT}/z`, operation: 'get' }),
    ).rejects.toMatchObject({ type: CloudFailure.Auth });
    expect(received[0].verdict).toMatchObject({ ok: false, code: 'APIGW.0301' });
  });

  it('never shows the secret key in its description', () => {
    const auth = akskAuth({ projectId: PROJECT, credentials: { accessKey: AK, secretKey: SK } });
    expect(auth.description).not.toContain(SK);
    expect(auth.description).not.toContain(AK);
    expect(auth.description).toContain(describeAccessKey(AK));
  });
});
