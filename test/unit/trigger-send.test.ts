/**
 * The HTTP edge of a trigger (CloudClient.requestTrigger) over real HTTP against the simulator: what proves a
 * request never left the host (not sent), what leaves it ambiguous, one request per send (no 401 resend), one hard
 * deadline that also covers obtaining credentials, the caller's abort, and any 2xx accepted however unreadable.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFailure } from '../../domain/failures';
import { staticTokenAuth, type CloudAuth } from '../../activities/http/auth';
import { CloudClient } from '../../activities/http/cloud-client';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { acceptedCount, addFault, releaseHeld, waitFor, waitForHeld } from '../../simulator/testing';

const P = '0605767a3300d5762fb7c0186d7ff0a5';
let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
  sim.control.createDcsInstance({
    projectId: P,
    instanceId: 'inst-1',
    swapBehaviour: { initMs: 0, runMs: 50 },
  });
});
afterEach(async () => {
  await sim.close();
});

const client = (endpoint: string, auth: CloudAuth = staticTokenAuth('sim-token')) =>
  new CloudClient({ service: 'dcs', endpoint, auth, timeoutMs: 5_000 });
const swap = { method: 'POST', path: `/v2/${P}/instances/inst-1/swap`, operation: 'swap' } as const;
const swaps = () => sim.control.requests({ path: '/swap$' });

async function failureOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { type?: string; message: string; details?: Array<{ httpStatus?: number }> },
  );
  if (!error) throw new Error('expected a failure');
  return error;
}

test('connection refused: not sent', async () => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const error = await failureOf(
    client(`http://127.0.0.1:${port}`).requestTrigger(swap, { deadlineMs: 1_000 }),
  );
  expect(error.type).toBe(CloudFailure.NotSent);
  expect(error.message).toMatch(/not sent, no connection .*ECONNREFUSED/);
});

test('deadline passed while the request was held at the cloud: ambiguous (it is applied later)', async () => {
  await addFault(sim.url, { match: { trigger: true }, fault: { type: 'hold' } });
  const error = await failureOf(client(sim.url).requestTrigger(swap, { deadlineMs: 300 }));
  expect(error.type).toBe(CloudFailure.Network);
  expect(error.message).toMatch(/the send deadline passed/);
  await waitForHeld(sim.url, 1);
  await releaseHeld(sim.url);
  await waitFor(async () => ((await acceptedCount(sim.url, 'inst-1')) === 1 ? true : undefined));
});

test('a 5xx answer to a trigger stays ambiguous even when its body carries a busy code (no resend on its word)', async () => {
  const busy = new CloudClient({
    service: 'dcs',
    endpoint: sim.url,
    auth: staticTokenAuth('sim-token'),
    timeoutMs: 5_000,
    errorCodes: { 'DCS.4017': CloudFailure.Busy },
  });
  await addFault(sim.url, {
    match: { trigger: true },
    fault: { type: 'status', status: 503, body: { error_code: 'DCS.4017', error_msg: 'a job is running' } },
  });
  const error = await failureOf(busy.requestTrigger(swap, { deadlineMs: 2_000 }));
  expect(error.type).toBe(CloudFailure.Server);
  // The same code with a 4xx is the documented refusal: busy, not sent.
  await addFault(sim.url, {
    match: { trigger: true },
    fault: { type: 'status', status: 400, body: { error_code: 'DCS.4017', error_msg: 'a job is running' } },
  });
  expect((await failureOf(busy.requestTrigger(swap, { deadlineMs: 2_000 }))).type).toBe(CloudFailure.Busy);
});

test("the caller's signal aborts the request in flight: ambiguous, named as cancelled", async () => {
  await addFault(sim.url, { match: { trigger: true }, fault: { type: 'hold' } });
  const abort = new AbortController();
  const pending = failureOf(
    client(sim.url).requestTrigger(swap, { deadlineMs: 5_000, signal: abort.signal }),
  );
  await waitForHeld(sim.url, 1);
  abort.abort();
  const error = await pending;
  expect(error.type).toBe(CloudFailure.Network);
  expect(error.message).toMatch(/cancelled/);
});

test('the deadline covers obtaining credentials: slow IAM past it means not sent, nothing reaches the cloud', async () => {
  const slowAuth: CloudAuth = {
    description: 'slow',
    authorize: async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return { ...request.headers, 'X-Auth-Token': 'sim-token' };
    },
    invalidate: () => true,
  };
  const error = await failureOf(client(sim.url, slowAuth).requestTrigger(swap, { deadlineMs: 200 }));
  expect(error.type).toBe(CloudFailure.NotSent);
  expect(error.message).toMatch(/credentials unavailable \(the send deadline passed\)/);
  // Credentials arrive later: still nothing is sent for this request.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(swaps()).toHaveLength(0);
});

test('401: credentials dropped, not sent, and no second request inside the send', async () => {
  let invalidated = 0;
  const auth: CloudAuth = {
    description: 'refreshable',
    authorize: async (request) => ({ ...request.headers, 'X-Auth-Token': 'sim-token' }),
    invalidate: () => {
      invalidated += 1;
      return true;
    },
  };
  await addFault(sim.url, { match: { trigger: true }, fault: { type: 'status', status: 401 } });
  const error = await failureOf(client(sim.url, auth).requestTrigger(swap, { deadlineMs: 1_000 }));
  expect(error.type).toBe(CloudFailure.NotSent);
  expect(error.details?.[0]?.httpStatus).toBe(401);
  expect(invalidated).toBe(1);
  expect(swaps()).toHaveLength(1);
  expect(await acceptedCount(sim.url, 'inst-1')).toBe(0);
});

test('a 401 with credentials that cannot be refreshed stays an authentication failure', async () => {
  await addFault(sim.url, { match: { trigger: true }, fault: { type: 'status', status: 401 } });
  const error = await failureOf(client(sim.url).requestTrigger(swap, { deadlineMs: 1_000 }));
  expect(error.type).toBe(CloudFailure.Auth);
});

test.each([
  ['a schema mismatch', { body: { job_id: '' } }, /job_id/],
  ['invalid JSON', { raw: '{"job_id": ' }, /not valid JSON/],
])('a 2xx with %s is accepted, with the reason it is unreadable', async (_what, fault, why) => {
  await addFault(sim.url, { match: { trigger: true }, fault: { type: 'replace-body', ...fault } });
  const { z } = await import('zod');
  const answer = await client(sim.url).requestTrigger(
    {
      method: 'PUT',
      path: `/v2/${P}/instances/inst-1/async-swap`,
      operation: 'async-swap',
      schema: z.object({ job_id: z.string().min(1) }),
    },
    { deadlineMs: 2_000 },
  );
  expect(answer.status).toBe(200);
  expect(answer.data).toBeUndefined();
  expect(answer.unreadable).toMatch(why);
  expect(await acceptedCount(sim.url, 'inst-1')).toBe(1);
});
