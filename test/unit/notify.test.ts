/**
 * notifyOutcome against a real HTTP receiver on 127.0.0.1: payload formats, no secrets, failure types; and,
 * on the run's dev server, a receiver that fails twice then succeeds, retried by Temporal with the recommended
 * options, from a child workflow the switchover abandons (its result is not held up).
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createNotifyActivities,
  NotifyFailure,
  type NotifyDeps,
  type NotifyResult,
  type WebhookFormat,
} from '../../activities/notify';
import { NOTIFY_OUTCOME_ACTIVITY_OPTIONS } from '../../activities/notify-options';
import { sampleOutcome } from '../helpers/outcomes';
import { testConnection } from '../helpers/temporal';
import { uniqueId } from '../helpers/switchover-env';

/** The secret part of a Slack-style hook URL: it must never leave the worker except as the request itself. */
const SECRET_PATH = '/services/T0000/B0000/Xs3cr3tT0k3nXXXXXXXXXXXX';
const SECRET = 'Xs3cr3tT0k3n';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A webhook receiver answering from a script (then 200 for ever). */
class Receiver {
  readonly received: Received[] = [];
  private script: Reply[] = [];
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      this.received.push({ path: request.url ?? '', headers: request.headers, body, at: Date.now() });
      const reply = this.script.shift() ?? { status: 200, body: 'ok' };
      if (reply === 'hang') return; // never answers (closed when the server closes)
      response
        .writeHead(reply.status, { 'Content-Type': 'text/plain', ...reply.headers })
        .end(reply.body ?? '');
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${SECRET_PATH}`;
  }
  reply(...script: Reply[]): void {
    this.script = script;
  }
  reset(): void {
    this.received.length = 0;
    this.script = [];
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// The failed attempts below are expected: keep the worker's own log to errors (unless a runtime is installed).
try {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
} catch {
  // Installed by an earlier test file in this process: keep it.
}

let receiver: Receiver;
beforeAll(async () => {
  receiver = await new Receiver().start();
});
afterAll(() => receiver.close());
beforeEach(() => receiver.reset());

const UI = 'http://temporal-ui.example:8233/';
const logs: LogEntry[] = [];
const results: NotifyResult[] = [];
const logsText = () => JSON.stringify(logs.map(({ message, meta }) => ({ message, meta })));

function notifier(overrides: Partial<NotifyDeps> & { format?: WebhookFormat } = {}) {
  const { format = 'json', ...rest } = overrides;
  return createNotifyActivities({
    webhook: { url: () => receiver.url, format },
    uiUrl: UI,
    namespace: 'default',
    timeoutMs: 2_000,
    onNotified: (result) => results.push(result),
    ...rest,
  });
}

/** Runs the activity as Temporal would, collecting its log entries. */
function runActivity<R>(fn: () => Promise<R>): Promise<R> {
  const env = new MockActivityEnvironment(undefined, {
    logger: new DefaultLogger('DEBUG', (entry) => logs.push(entry)),
  });
  return env.run(fn);
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('notifyOutcome payloads', () => {
  test('json: the outcome by field, a Web UI link to the run, an idempotency key; no secret anywhere', async () => {
    const outcome = sampleOutcome({
      status: 'failed',
      cloudError: { service: 'dcs', httpStatus: 400, code: 'DCS.4855', message: 'single node' },
    });
    const { notifyOutcome } = notifier();
    expect(await runActivity(() => notifyOutcome(outcome))).toBe('sent');

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.path).toBe(SECRET_PATH);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['idempotency-key']).toBe(`${outcome.workflowId}/${outcome.runId}`);
    const body = JSON.parse(request!.body);
    expect(body).toMatchObject({
      type: 'switchover.outcome',
      kind: 'dcs',
      workflowId: outcome.workflowId,
      runId: outcome.runId,
      resourceId: outcome.resourceId,
      status: 'failed',
      message: outcome.message,
      triggered: true,
      requestedBy: 'alice',
      reason: 'planned maintenance',
      cloudError: { service: 'dcs', httpStatus: 400, code: 'DCS.4855', message: 'single node' },
      details: outcome.details,
      link:
        `http://temporal-ui.example:8233/namespaces/default/workflows/` +
        `${encodeURIComponent(outcome.workflowId)}/${outcome.runId}/history`,
    });
    expect(request!.body).not.toContain(SECRET);
    expect(logsText()).not.toContain(SECRET);
    expect(logsText()).toContain('http://127.0.0.1:'); // the origin, for whoever debugs
  });

  test('only allow-listed fields travel (an extra field on the outcome stays home)', async () => {
    const outcome = { ...sampleOutcome(), internalNote: 'not for webhooks' } as ReturnType<
      typeof sampleOutcome
    >;
    await runActivity(() => notifier().notifyOutcome(outcome));
    expect(receiver.received[0]!.body).not.toContain('not for webhooks');
  });

  test('slack: a { text } message with status, resource, reason and a link; Slack control characters escaped', async () => {
    const outcome = sampleOutcome({ status: 'unknown', reason: 'fix <prod> & friends', requestedBy: 'bob' });
    await runActivity(() => notifier({ format: 'slack' }).notifyOutcome(outcome));
    const body = JSON.parse(receiver.received[0]!.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['text']);
    const text = body.text as string;
    expect(text).toContain(':warning: *DCS switchover unknown*');
    expect(text).toContain(outcome.resourceId);
    expect(text).toContain('requested by bob');
    expect(text).toContain('reason: fix &lt;prod&gt; &amp; friends');
    expect(text).toMatch(
      /<http:\/\/temporal-ui\.example:8233\/namespaces\/default\/workflows\/[^|]+\|dcs:[^>]+> in Temporal/,
    );
  });

  test('without TEMPORAL_UI_URL there is no link', async () => {
    await runActivity(() => notifier({ uiUrl: undefined }).notifyOutcome(sampleOutcome()));
    expect(JSON.parse(receiver.received[0]!.body).link).toBeUndefined();
  });

  test('without a webhook: disabled, nothing sent', async () => {
    const { notifyOutcome } = createNotifyActivities({ namespace: 'default' });
    expect(await runActivity(() => notifyOutcome(sampleOutcome()))).toBe('disabled');
    expect(receiver.received).toHaveLength(0);
  });
});

describe('notifyOutcome failures', () => {
  test('5xx is retryable; 503/429 carry their Retry-After as the next retry delay', async () => {
    receiver.reply(
      { status: 500, body: 'boom' },
      { status: 503, headers: { 'Retry-After': '7' } },
      {
        status: 429,
        headers: { 'Retry-After': '3600' },
      },
    );
    const { notifyOutcome } = notifier();
    const first = await failure(runActivity(() => notifyOutcome(sampleOutcome())));
    expect(first).toMatchObject({ type: NotifyFailure.Unavailable, nonRetryable: false });
    expect(first.message).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+ answered 500: boom$/);
    const second = await failure(runActivity(() => notifyOutcome(sampleOutcome())));
    expect(second).toMatchObject({ type: NotifyFailure.Unavailable, nextRetryDelay: 7_000 });
    const third = await failure(runActivity(() => notifyOutcome(sampleOutcome())));
    expect(third.nextRetryDelay).toBe(5 * 60_000); // capped: the retry policy's backoff takes over
    for (const error of [first, second, third]) expect(error.message).not.toContain(SECRET);
    expect(results.slice(-3)).toEqual(['failed', 'failed', 'failed']);
  });

  test('any other 4xx is a refusal: not retried', async () => {
    receiver.reply({ status: 404, body: 'no_service' });
    const error = await failure(runActivity(() => notifier().notifyOutcome(sampleOutcome())));
    expect(error).toMatchObject({ type: NotifyFailure.Rejected, nonRetryable: true });
    expect(error.message).toContain('answered 404: no_service');
  });

  test('an unreachable receiver and a receiver that never answers are retryable, and name no secret', async () => {
    const closed = await new Receiver().start();
    const closedUrl = closed.url;
    await closed.close();
    const unreachable = await failure(
      runActivity(() =>
        notifier({ webhook: { url: () => closedUrl, format: 'json' } }).notifyOutcome(sampleOutcome()),
      ),
    );
    expect(unreachable).toMatchObject({ type: NotifyFailure.Unavailable, nonRetryable: false });
    expect(unreachable.message).toMatch(/request failed \(ECONNREFUSED\)/);

    receiver.reply('hang');
    const hung = await failure(
      runActivity(() => notifier({ timeoutMs: 200 }).notifyOutcome(sampleOutcome())),
    );
    expect(hung).toMatchObject({ type: NotifyFailure.Unavailable });
    expect(hung.message).toMatch(/request timed out/);
    for (const error of [unreachable, hung]) expect(error.message).not.toContain(SECRET);
    expect(logsText()).not.toContain(SECRET);
  });
});

describe('notifyOutcome on Temporal (recommended options, abandoned child workflow)', () => {
  test('a receiver that fails twice then succeeds gets the outcome on the third try; the result is not held up', async () => {
    const temporal = await testConnection();
    const taskQueue = uniqueId('notify-test');
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('../helpers/notify-workflows'),
      activities: notifier(),
    });
    const running = worker.run();
    try {
      receiver.reply({ status: 503, body: 'down' }, { status: 502, body: 'still down' });
      const outcome = sampleOutcome();
      // The recommended policy with a 500 ms first interval (5 s in production): 0.5 s, then 1 s.
      const retry = { initialInterval: '500ms' };
      const result = await temporal.client.workflow.execute('finishWithNotification', {
        taskQueue,
        workflowId: uniqueId('switchover'),
        args: [outcome, retry],
      });
      expect(result).toEqual(outcome);
      // The switchover's result came back while the notification was still being retried.
      expect(receiver.received.length).toBeLessThan(3);

      const child = temporal.client.workflow.getHandle(`notify:${outcome.workflowId}:${outcome.runId}`);
      expect(await child.result()).toBe('sent');
      expect(receiver.received).toHaveLength(3);
      const keys = new Set(receiver.received.map((r) => r.headers['idempotency-key']));
      expect(keys).toEqual(new Set([`${outcome.workflowId}/${outcome.runId}`]));
      const [a, b, c] = receiver.received.map((r) => r.at);
      expect(b! - a!).toBeGreaterThanOrEqual(400); // backoff: the first interval...
      expect(c! - b!).toBeGreaterThanOrEqual(900); // ...then doubled
      const description = await child.describe();
      expect(description.status.name).toBe('COMPLETED');
    } finally {
      worker.shutdown();
      await running;
      await temporal.close();
    }
  }, 90_000);

  test('the recommended options: bounded attempts and total time, refusals not retried', () => {
    expect(NOTIFY_OUTCOME_ACTIVITY_OPTIONS).toMatchObject({
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: '2h',
      retry: { backoffCoefficient: 2, nonRetryableErrorTypes: [NotifyFailure.Rejected] },
    });
  });
});
