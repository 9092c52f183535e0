/**
 * iamPasswordAuth against the simulator's IAM over real HTTP: caching, refresh after invalidate, and typed
 * failures that never carry the password (not in the message, not anywhere a logger printing the error would see).
 */
import { inspect } from 'node:util';
import { createServer } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { iamPasswordAuth } from '../../activities/http/auth';
import { CloudFailure } from '../../domain/failures';
import { startSimulator, type RunningSimulator } from '../../simulator/server';

const PROJECT = 'a4d31cb63d724fdc8ec96e3a41e47f71';
const USER = { name: 'unit-operator', domain: 'unit-domain', password: 'S3cr3t-PASSWORD-unit-iam-auth' };

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ quiet: true, users: [USER] });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.control.clearRequests();
  sim.control.clearFaults();
});

const auth = (password = USER.password, iamEndpoint = sim.url) =>
  iamPasswordAuth({
    iamEndpoint,
    userName: USER.name,
    password,
    domainName: USER.domain,
    projectId: PROJECT,
    timeoutMs: 2000,
  });
const request = { method: 'GET', url: `http://cloud.invalid/v2/${PROJECT}/instances/x`, headers: {} };
const tokenRequests = () => sim.control.requests({ method: 'POST', path: '^/v3/auth/tokens$' });

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

function expectNoPassword(error: unknown, password: string): void {
  expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(password);
  expect(JSON.stringify(error)).not.toContain(password);
}

describe('iamPasswordAuth', () => {
  test('asks IAM once, reuses the token, and asks again only after invalidate()', async () => {
    const iam = auth();
    const first = await iam.authorize(request);
    const second = await iam.authorize(request);
    expect(first['X-Auth-Token']).toMatch(/^sim-iam-/);
    expect(second['X-Auth-Token']).toBe(first['X-Auth-Token']);
    expect(tokenRequests()).toHaveLength(1);
    expect(iam.invalidate()).toBe(true);
    const third = await iam.authorize(request);
    expect(third['X-Auth-Token']).not.toBe(first['X-Auth-Token']);
    expect(tokenRequests()).toHaveLength(2);
    expect(iam.description).not.toContain(USER.password);
  });

  test('a wrong password is a non-retryable CloudAuthError naming the user, never the password', async () => {
    const wrong = 'Wr0ng-PASSWORD-unit-iam-auth';
    const failure = await failureOf(auth(wrong).authorize(request));
    expect(failure.type).toBe(CloudFailure.Auth);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(USER.name);
    expect(failure.message).toMatch(/HTTP 401/);
    expect(failure.details?.[0]).toMatchObject({ service: 'iam', httpStatus: 401 });
    expectNoPassword(failure, wrong);
  });

  test('IAM unreachable is a retryable CloudNetworkError that does not carry the request (nor its password)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const failure = await failureOf(auth(USER.password, `http://127.0.0.1:${port}`).authorize(request));
    expect(failure.type).toBe(CloudFailure.Network);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.cause).toBeUndefined();
    expectNoPassword(failure, USER.password);
  });

  test('IAM 5xx is a retryable CloudServerError, 429 a CloudThrottledError', async () => {
    sim.control.addFault({ match: { service: 'iam' }, fault: { type: 'status', status: 503 }, times: 1 });
    const server = await failureOf(auth().authorize(request));
    expect(server.type).toBe(CloudFailure.Server);
    expect(server.nonRetryable).toBe(false);
    expectNoPassword(server, USER.password);

    sim.control.addFault({ match: { service: 'iam' }, fault: { type: 'throttle', retryAfterSeconds: 1 } });
    expect((await failureOf(auth().authorize(request))).type).toBe(CloudFailure.Throttled);

    // and then it works
    expect((await auth().authorize(request))['X-Auth-Token']).toMatch(/^sim-iam-/);
  });
});
