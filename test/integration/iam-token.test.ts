/**
 * IAM password credentials end to end: the worker gets a token from the simulator's IAM
 * (`POST /v3/auth/tokens`), caches it for the whole switchover, and when the token is revoked while it polls a
 * slow job, it takes the 401, fetches a new token once and carries on.
 */
import { awaitOutcome } from '../../client';
import { DEFAULT_USER } from '../../simulator/server';
import {
  createSwitchoverTestEnv,
  FAST as FAST_POLLING,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';
import { waitUntil } from '../../simulator/testing';

const FAST = { ...FAST_POLLING, maxPollIntervalSeconds: 0.5 };

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv({
    workerEnv: {
      SWITCHOVER_AUTH_MODE: 'iam',
      SWITCHOVER_IAM_USER: DEFAULT_USER.name,
      SWITCHOVER_IAM_PASSWORD: DEFAULT_USER.password,
      SWITCHOVER_IAM_DOMAIN: DEFAULT_USER.domain,
      SWITCHOVER_IAM_PROJECT_ID: PROJECT,
    },
  });
});
afterAll(async () => {
  await env?.close();
});

const tokenRequests = () => env.requests({ method: 'POST', path: '^/v3/auth/tokens$' });
const jobPolls = (jobPath: string) => env.requests({ method: 'GET', path: jobPath });

describe('IAM password token', () => {
  // First in this file: the worker has no token yet.
  test('is requested once and reused for every call of a whole switchover', async () => {
    const instanceId = uniqueId('redis-iam');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });

    const outcome = await env.run('dcs', { projectId: PROJECT, instanceId, ...FAST });

    expect(outcome.status).toBe('succeeded');
    expect(tokenRequests()).toEqual([expect.objectContaining({ status: 201, service: 'iam' })]);
    const calls = env.requests({}).filter((r) => r.service !== 'iam');
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.every((r) => r.authenticated && r.authMethod === 'token')).toBe(true);
    expect(calls.filter((r) => r.status === 401)).toHaveLength(0);
  });

  test('revoked while a slow job is awaited: the 401 is followed by one new token and the switchover succeeds', async () => {
    const instanceId = uniqueId('redis-iam-slow');
    env.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId,
      swapBehaviour: { initMs: 200, runMs: 4_000 },
    });
    const tokensBefore = tokenRequests().length;
    const handle = await env.start('dcs', { projectId: PROJECT, instanceId, swapMode: 'async', ...FAST });

    // Revoke once the await activity is polling the job with the cached token.
    await waitUntil(
      () => env.requests({ method: 'PUT', path: `/instances/${instanceId}/async-swap$` }).length > 0,
    );
    const jobId = env.sim.control.getDcsInstance(instanceId)!.activeJobId!;
    const jobPath = `^/v2/${PROJECT}/jobs/${jobId}$`;
    await waitUntil(() => jobPolls(jobPath).filter((r) => r.status === 200).length >= 2);
    expect(env.sim.control.getDcsInstance(instanceId)!.activeJobId).toBe(jobId); // still running
    const revokedAfter = env.requests({}).at(-1)!.seq;
    expect(env.sim.control.revokeTokens().revoked).toBeGreaterThanOrEqual(1);

    const outcome = await awaitOutcome(handle);

    expect(outcome.status).toBe('succeeded');
    expect(outcome.jobId).toBe(jobId);
    const after = env.requests({}).filter((r) => r.seq > revokedAfter);
    const firstRefused = after.findIndex((r) => r.status === 401);
    expect(firstRefused).toBeGreaterThanOrEqual(0);
    const refused = after[firstRefused]!;
    expect(refused).toMatchObject({ method: 'GET', path: jobPath.slice(1, -1), authenticated: false });
    // the very next request is the new token, then the same poll again, accepted
    expect(after[firstRefused + 1]).toMatchObject({
      method: 'POST',
      path: '/v3/auth/tokens',
      status: 201,
    });
    expect(after[firstRefused + 2]).toMatchObject({
      method: 'GET',
      path: refused.path,
      status: 200,
      authenticated: true,
      authMethod: 'token',
    });
    expect(after.filter((r) => r.status === 401)).toHaveLength(1);
    expect(tokenRequests()).toHaveLength(tokensBefore + 1);
    // polling went on with the new token until the job finished
    expect(after.slice(firstRefused + 2).every((r) => r.status !== 401)).toBe(true);
    expect(
      jobPolls(jobPath).filter((r) => r.seq > revokedAfter && r.status === 200).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
