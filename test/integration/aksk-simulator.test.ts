/**
 * AK/SK (`SDK-HMAC-SHA256`) end to end: a worker configured with HUAWEICLOUD_SDK_AK/_SK/_PROJECT_ID switches a DCS
 * instance on the simulator, whose gateway verifies every signature against the raw URL and body it received
 * (simulator/aksk-verify.ts, independent of the worker's signer). Requests signed and then changed, signed with a
 * stale date or with the wrong secret are refused before any service handles them.
 */
import axios from 'axios';
import { signRequest, type AkSkCredentials } from '../../activities/http/signer';
import { DEFAULT_ACCESS_KEY } from '../../simulator/server';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

const KEYS: AkSkCredentials = {
  accessKey: DEFAULT_ACCESS_KEY.accessKey,
  secretKey: DEFAULT_ACCESS_KEY.secretKey,
};

/** Worker variables for AK/SK credentials (the helper's default static token is switched off by the mode). */
function akskWorkerEnv(keys: AkSkCredentials): Record<string, string> {
  return {
    SWITCHOVER_AUTH_MODE: 'huaweicloud-aksk',
    HUAWEICLOUD_SDK_AK: keys.accessKey,
    HUAWEICLOUD_SDK_SK: keys.secretKey,
    HUAWEICLOUD_SDK_PROJECT_ID: PROJECT,
  };
}

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv({ workerEnv: akskWorkerEnv(KEYS) });
});
afterAll(async () => {
  await env?.close();
});

function seedInstance(overrides: Record<string, unknown> = {}): string {
  const instanceId = uniqueId('redis-aksk');
  env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId, ...overrides });
  return instanceId;
}

interface Signed {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Signs like the worker does (JSON content type, X-Project-Id), with these keys and this clock. */
function sign(
  method: string,
  path: string,
  body?: unknown,
  options: { keys?: AkSkCredentials; at?: Date } = {},
): Signed {
  const url = `${env.sim.url}${path}`;
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest(
    { method, url, headers: { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT }, body: text },
    options.keys ?? KEYS,
    options.at ?? new Date(),
  );
  return { method, url, headers, body: text };
}

/** Sends exactly these bytes with axios (no transforms, whatever the status). */
async function send(request: Signed): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await axios.request<string>({
    method: request.method,
    url: request.url,
    headers: request.headers,
    data: request.body,
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    responseType: 'text',
    validateStatus: () => true,
  });
  return {
    status: response.status,
    body: response.data ? (JSON.parse(response.data) as Record<string, unknown>) : {},
  };
}

describe('AK/SK signatures on the simulator', () => {
  test('a DCS switchover with AK/SK credentials succeeds; every call it made was authenticated by signature', async () => {
    const instanceId = seedInstance();
    const masterBefore = env.sim.control.getDcsInstance(instanceId)!.masterNodeId;

    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, reason: 'aksk e2e', ...FAST });

    expect(outcome.status).toBe('succeeded');
    expect(env.sim.control.getDcsInstance(instanceId)!.masterNodeId).not.toBe(masterBefore);
    const calls = env.requests({ path: `/${instanceId}(/|$)` });
    // preflight (instance, groups), the swap, the task lookup, verification: all signed, none refused
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.every((r) => r.authenticated && r.authMethod === 'aksk')).toBe(true);
    expect(calls.filter((r) => r.method === 'POST' && r.path.endsWith('/swap'))).toEqual([
      expect.objectContaining({ status: 204, authenticated: true, authMethod: 'aksk' }),
    ]);
    // the query string (tasks?begin_time=...&end_time=...) is part of what was signed and verified
    expect(calls.some((r) => Object.keys(r.query).length > 0)).toBe(true);
    expect(
      env.requests({ method: 'GET', path: '^/v2/[^/]+/jobs/' }).every((r) => r.authMethod === 'aksk'),
    ).toBe(true);
    expect(env.requests({ service: 'iam' })).toHaveLength(0);
    expect(env.requests({}).filter((r) => r.status === 401)).toHaveLength(0);
  });

  test('a correctly signed request sent with axios is accepted (GET and POST with a body)', async () => {
    const instanceId = seedInstance();
    const get = await send(sign('GET', `/v2/${PROJECT}/instances/${instanceId}`));
    expect(get.status).toBe(200);
    expect(get.body.instance_id).toBe(instanceId);

    const jobId = uniqueId('drs-aksk');
    env.sim.control.createDrsJob({ projectId: PROJECT, jobId });
    const post = await send(sign('POST', `/v3/${PROJECT}/jobs/batch-status`, { jobs: [jobId] }));
    expect(post.status).toBe(200);
    expect(post.body.results).toEqual([expect.objectContaining({ id: jobId })]);
  });

  test('a request whose body was changed after signing is refused 401 APIGW.0301 and not handled', async () => {
    const instanceId = seedInstance();
    const signed = sign('POST', `/v2/${PROJECT}/instances/${instanceId}/swap`, {});
    const tampered = { ...signed, body: JSON.stringify({ force: true }) };

    const answer = await send(tampered);

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error_code: 'APIGW.0301' });
    expect(String(answer.body.error_msg)).toMatch(/signature/);
    expect(env.sim.control.getDcsInstance(instanceId)!.swapCount).toBe(0);
    const logged = env.requests({ method: 'POST', path: `/instances/${instanceId}/swap$` });
    expect(logged).toEqual([expect.objectContaining({ status: 401, authenticated: false })]);
    expect(logged[0]!.authMethod).toBeUndefined();
  });

  test('a request sent to another path than the one signed is refused 401 APIGW.0301: the other instance is not swapped', async () => {
    const signedFor = seedInstance();
    const victim = seedInstance();
    const signed = sign('POST', `/v2/${PROJECT}/instances/${signedFor}/swap`);
    const tampered = { ...signed, url: signed.url.replace(signedFor, victim) };

    const answer = await send(tampered);

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error_code: 'APIGW.0301' });
    expect(env.sim.control.getDcsInstance(victim)!.swapCount).toBe(0);
    expect(env.sim.control.getDcsInstance(signedFor)!.swapCount).toBe(0);
  });

  test('a changed query string or a changed signed header is refused 401 APIGW.0301', async () => {
    const instanceId = seedInstance();
    const tasks = sign('GET', `/v2/${PROJECT}/instances/${instanceId}/tasks?begin_time=20240101000000`);
    expect((await send(tasks)).status).toBe(200);
    const otherQuery = { ...tasks, url: tasks.url.replace('20240101000000', '20230101000000') };
    expect(await send(otherQuery)).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });

    const get = sign('GET', `/v2/${PROJECT}/instances/${instanceId}`);
    const otherProject = { ...get, headers: { ...get.headers, 'X-Project-Id': 'f'.repeat(32) } };
    expect(await send(otherProject)).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });
  });

  test('a stale or future X-Sdk-Date (over 15 min off) is refused 401 APIGW.0301 (IAM authentication; 0303 is app authentication), even with a valid signature', async () => {
    const instanceId = seedInstance();
    const path = `/v2/${PROJECT}/instances/${instanceId}`;
    const stale = await send(sign('GET', path, undefined, { at: new Date(Date.now() - 16 * 60_000) }));
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error_code: 'APIGW.0301' });
    const future = await send(sign('GET', path, undefined, { at: new Date(Date.now() + 16 * 60_000) }));
    expect(future).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });
    // within the window: accepted
    const skewed = await send(sign('GET', path, undefined, { at: new Date(Date.now() - 10 * 60_000) }));
    expect(skewed.status).toBe(200);
  });

  test('a wrong secret key, an unknown access key or no signature at all is refused 401 APIGW.0301', async () => {
    const instanceId = seedInstance();
    const path = `/v2/${PROJECT}/instances/${instanceId}`;
    const wrongSecret = await send(
      sign('GET', path, undefined, {
        keys: { ...KEYS, secretKey: 'not-the-secret-key-00000000000000000000' },
      }),
    );
    expect(wrongSecret).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });
    const unknownKey = await send(
      sign('GET', path, undefined, { keys: { ...KEYS, accessKey: 'UNKNOWNACCESSKEY0000' } }),
    );
    expect(unknownKey).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });
    const signed = sign('GET', path);
    const garbled = {
      ...signed,
      headers: { ...signed.headers, Authorization: 'SDK-HMAC-SHA256 Access=x, Signature=zz' },
    };
    expect(await send(garbled)).toMatchObject({ status: 401, body: { error_code: 'APIGW.0301' } });
  });

  test('a worker with the wrong secret key is rejected in preflight with APIGW.0301, nothing sent, no secret in the outcome', async () => {
    const wrongSecret = 'Wr0ng-SK-aksk-simulator-test-000000000000';
    const wrongEnv = await createSwitchoverTestEnv({
      workerEnv: akskWorkerEnv({ ...KEYS, secretKey: wrongSecret }),
    });
    try {
      const instanceId = uniqueId('redis-aksk-wrong');
      wrongEnv.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });

      const outcome = await wrongEnv.run('dcs', { projectId: PROJECT, instanceId, ...FAST });

      expect(outcome.status).toBe('rejected');
      expect(outcome.triggered).toBe(false);
      expect(outcome.cloudError).toMatchObject({ httpStatus: 401, code: 'APIGW.0301' });
      expect(JSON.stringify(outcome)).not.toContain(wrongSecret);
      // Fixed keys cannot get better by asking again: one refused call, no retry storm.
      const calls = wrongEnv.requests({ path: `/${instanceId}(/|$)` });
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls.every((r) => r.status === 401 && !r.authenticated)).toBe(true);
      expect(wrongEnv.sim.control.getDcsInstance(instanceId)!.swapCount).toBe(0);
    } finally {
      await wrongEnv.close();
    }
  });
});
