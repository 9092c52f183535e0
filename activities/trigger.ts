import { AsyncLocalStorage } from 'node:async_hooks';
import { CancelledFailure, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CloudFailure, DEFINITELY_NOT_SENT } from '../domain/failures';
import type { Facts, TriggerReceipt } from '../domain/reports';
import type { SendOptions } from './http/cloud-client';
import { cloudErrorOf, cloudFailure, isCloudFailure, isTransient, retryAfterMsOf } from './http/failures';

/** A switch the cloud's own record shows as started since preflight. */
export interface StartedSwitch {
  jobId?: string;
  /** How it was found, for the receipt and the logs, e.g. `swap task 123 (RUNNING) found`. */
  how: string;
}

/** One look at the cloud's record of the resource: what it shows, and a switch started since preflight, if any. */
export interface TriggerLook<Seen> {
  seen: Seen;
  started?: StartedSwitch;
}

/** What a send resolved with. `receiptUnknown`: accepted (2xx) but the answer could not be read. */
export interface SendReceipt {
  jobId?: string;
  summary: string;
  receiptUnknown?: boolean;
}

/**
 * What a service supplies to the trigger protocol: how to look, its own rules, and how to send. The protocol
 * (look, refuse, budget, send once, classify; after an ambiguous send: look for a while, adopt, never resend) is
 * written once, in `runTriggerProtocol`.
 */
export interface TriggerHooks<Seen> {
  /** The cloud service, for failures raised by the protocol itself. */
  service: string;
  /** What changed, in the refusal `<subject> changed since preflight (...)`, e.g. `the DR`. */
  subject: string;
  /**
   * Looks at the cloud's own record (task list, DR status, VIP status) for a switch started since preflight,
   * judged only from the cloud's own data (what preflight saw), never from the worker's clock.
   */
  look(): Promise<TriggerLook<Seen>>;
  /** The service's rules between the look and the send; throws a typed refusal to stop (nothing is sent). */
  checkBeforeSend?(seen: Seen): void;
  /**
   * Sends the switch: exactly one request, bounded by `options.deadlineMs` and aborted by `options.signal`.
   * Resolves with what the cloud answered; an unreadable 2xx resolves too (`receiptUnknown`).
   */
  send(seen: Seen, options: SendOptions): Promise<SendReceipt>;
  /** Facts for the receipt, from the last look. */
  facts?(seen: Seen): Facts;
}

export interface TriggerProtocolDeps {
  now: () => number;
  /** The cloud client's per-request timeout: the one hard deadline of a send (credentials, request). */
  requestTimeoutMs: number;
  /**
   * After a send that may have reached the cloud, how long to keep looking for the switch it may have started
   * (a gateway or backend queue can accept a request long after the client gave up). See README, outcomes.
   */
  lateAcceptanceWindowMs: number;
  /** Pause between looks inside that window. */
  lookIntervalMs?: number;
}

/** What the workflow tells an attempt about the attempts before it. */
export interface TriggerAttemptArgs {
  /** An earlier attempt may have reached the cloud: this attempt only looks, it never sends. */
  mayHaveSent: boolean;
  /** Epoch ms (workflow time) when the first attempt that may have sent ended: the look window starts there. */
  ambiguousSince?: number;
}

/** Whether the server holds a cancellation request for this workflow run (its own state, not the history's). */
export type RunCancelRequested = (run: {
  namespace: string;
  workflowId: string;
  runId: string;
}) => Promise<boolean>;

const cancelCheck = new AsyncLocalStorage<RunCancelRequested>();

/**
 * Runs a trigger activity with the server asked, right before the send, whether its run was cancelled. A
 * cancellation accepted while the workflow task that scheduled the trigger was in flight (the admission's preflight
 * runs inside it) reaches the workflow only in the next task, and the activity only with a heartbeat's answer:
 * both can come after the send. The server's own state has it at once.
 */
export function withRunCancelCheck<T>(check: RunCancelRequested, work: () => Promise<T>): Promise<T> {
  return cancelCheck.run(check, work);
}

/** Refuses to send (CancelledFailure: reported not sent) when the run's cancellation was requested. */
async function refuseIfRunCancelled(): Promise<void> {
  const check = cancelCheck.getStore();
  const { workflowNamespace, workflowExecution } = Context.current().info;
  if (!check || !workflowNamespace || !workflowExecution) return;
  if (await check({ namespace: workflowNamespace, ...workflowExecution })) {
    throw new CancelledFailure('the run was cancelled before sending');
  }
}

/** Heartbeats while an attempt runs: how the activity learns of a cancellation, and the server of a dead worker. */
const HEARTBEAT_EVERY_MS = 1_000;
const DEFAULT_LOOK_INTERVAL_MS = 2_000;

/**
 * The never-send-twice trigger sequence, one activity attempt of it. From the moment an attempt is scheduled, the
 * switch may have been sent until a typed, definite answer proves otherwise.
 *
 * Nothing of this run may have been sent yet (`mayHaveSent` false):
 * 1. look at the cloud's record: a switch started since preflight is someone else's: refused (never claimed);
 * 2. the service's own rules; 3. send only with time to resolve inside this attempt; 4. send exactly one request,
 *    with one hard deadline, aborted by a cancellation of the activity; 5. classify: 2xx (readable or not) is
 *    accepted; a documented refusal or a failure before the request left the host is not sent (the workflow may
 *    try again); anything else may have been accepted.
 *
 * An earlier attempt may have sent (`mayHaveSent` true): never send again. Look until the switch shows (adopt it)
 * or the late-acceptance window since the ambiguous attempt has passed (TriggerUnresolvable: `unknown`, the switch
 * may still happen).
 */
export async function runTriggerProtocol<Seen>(
  hooks: TriggerHooks<Seen>,
  args: TriggerAttemptArgs,
  deps: TriggerProtocolDeps,
): Promise<TriggerReceipt> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return args.mayHaveSent
      ? await lookForAmbiguousSend(hooks, args.ambiguousSince, deps)
      : await lookThenSend(hooks, deps);
  } finally {
    clearInterval(beat);
  }
}

async function lookThenSend<Seen>(
  hooks: TriggerHooks<Seen>,
  { now, requestTimeoutMs }: TriggerProtocolDeps,
): Promise<TriggerReceipt> {
  const ctx = Context.current();
  let seen: Seen;
  try {
    const look = await hooks.look();
    if (look.started) {
      // Nothing of this run may have been sent: the switch is someone else's (console, automatic failover,
      // another tool). Never claim it, never switch on top of it.
      throw cloudFailure(CloudFailure.Permanent, {
        service: hooks.service,
        message: `${hooks.subject} changed since preflight (${look.started.how}) although this switchover sent nothing; not switching on top of another change`,
      });
    }
    seen = look.seen;
    hooks.checkBeforeSend?.(seen);
    // A failed check (Temporal unreachable) is not sent either: the workflow tries again after a backoff.
    await refuseIfRunCancelled();
    ensureTimeToSend(requestTimeoutMs, now);
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('cancelled before sending');
  } catch (error) {
    throw notSent(error);
  }
  const facts = hooks.facts?.(seen) ?? {};
  const sentAt = now();
  try {
    const sent = await hooks.send(seen, { deadlineMs: requestTimeoutMs, signal: ctx.cancellationSignal });
    if (sent.receiptUnknown)
      ctx.log.warn('trigger accepted with an unreadable answer; awaiting by looking at the resource', {
        summary: sent.summary,
      });
    return {
      jobId: sent.jobId,
      adopted: false,
      triggeredAt: sentAt,
      summary: sent.summary,
      facts: sent.receiptUnknown ? { ...facts, triggerReceiptUnknown: true } : facts,
    };
  } catch (error) {
    throw triggerFailure(error);
  }
}

async function lookForAmbiguousSend<Seen>(
  hooks: TriggerHooks<Seen>,
  ambiguousSince: number | undefined,
  { now, lateAcceptanceWindowMs, lookIntervalMs = DEFAULT_LOOK_INTERVAL_MS }: TriggerProtocolDeps,
): Promise<TriggerReceipt> {
  const ctx = Context.current();
  const until = (ambiguousSince ?? now()) + lateAcceptanceWindowMs;
  let looks = 0;
  let lastSeen = 'nothing yet';
  for (;;) {
    try {
      const look = await hooks.look();
      looks += 1;
      if (look.started) {
        ctx.log.warn('switch found after an ambiguous trigger attempt; adopting it, not resending', {
          how: look.started.how,
        });
        return {
          jobId: look.started.jobId,
          adopted: true,
          triggeredAt: now(),
          summary: `adopted: ${look.started.how}`,
          facts: hooks.facts?.(look.seen) ?? {},
        };
      }
      lastSeen = `no switch started (${looks} looks)`;
    } catch (error) {
      // A look that failed proves nothing either way: keep looking until the window ends.
      if (!isTransient(error)) throw error;
      lastSeen = `look failed: ${error.message}`;
      ctx.log.warn('look after an ambiguous trigger failed; looking again', { error: error.message });
    }
    const left = until - now();
    if (left <= 0) {
      throw cloudFailure(CloudFailure.TriggerUnresolvable, {
        service: hooks.service,
        message: `an earlier trigger attempt may have reached the cloud, and no switch of ${hooks.subject} appeared within the ${Math.round(lateAcceptanceWindowMs / 1000)} s late-acceptance window (${lastSeen}); not sending again: the switch may still happen, check the resource before retrying`,
      });
    }
    await ctx.sleep(Math.min(lookIntervalMs, left));
  }
}

/** The attempt stopped before its request was sent: a typed answer that nothing was sent. */
function notSent(error: unknown): unknown {
  if (isCloudFailure(error, ...DEFINITELY_NOT_SENT)) return error;
  if (isCloudFailure(error, CloudFailure.InvalidResponse)) {
    // The look's answer does not match the schema: retrying will not fix it; nothing was sent.
    const cloudError = cloudErrorOf(error) ?? { service: 'cloud', message: error.message };
    return cloudFailure(CloudFailure.Permanent, {
      ...cloudError,
      message: `not sent: ${cloudError.message}`,
    });
  }
  const cloudError = error instanceof ApplicationFailure ? cloudErrorOf(error) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return cloudFailure(
    CloudFailure.NotSent,
    { ...(cloudError ?? { service: 'switchover' }), message: `not sent: ${cloudError?.message ?? message}` },
    { retryAfterMs: error instanceof ApplicationFailure ? retryAfterMsOf(error) : undefined },
  );
}

/**
 * The send failed. A documented refusal or a failure before the request left the host passes through (not sent).
 * Anything else (timeout or reset after connecting, 5xx, cancelled mid-request, an error after the request) may have
 * reached the cloud: TriggerAmbiguous, and no attempt of this run sends again.
 */
export function triggerFailure(error: unknown): unknown {
  if (isCloudFailure(error, ...DEFINITELY_NOT_SENT)) return error;
  const cloudError =
    error instanceof ApplicationFailure
      ? (cloudErrorOf(error) ?? { service: 'cloud', message: error.message })
      : { service: 'cloud', message: error instanceof Error ? error.message : String(error) };
  return cloudFailure(CloudFailure.TriggerAmbiguous, {
    ...cloudError,
    message: `trigger outcome unknown (${cloudError.message}); it may have been accepted, so no attempt sends again: the next ones look for it`,
  });
}

/** Room left after the send's own deadline before the attempt's start-to-close deadline. */
const SEND_MARGIN_MS = 2_000;

/**
 * Call right before sending a trigger. Refuses (retryable, nothing sent) when the send could still be in flight
 * after this attempt's start-to-close timeout: the send's hard deadline (credentials and request) must end inside
 * the attempt.
 */
export function ensureTimeToSend(requestTimeoutMs: number, now: () => number = Date.now): void {
  const info = Context.current().info;
  const attemptDeadline = info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs;
  const left = attemptDeadline - now();
  if (left < requestTimeoutMs + SEND_MARGIN_MS) {
    throw cloudFailure(CloudFailure.Busy, {
      service: 'switchover',
      message: `not sending: only ${left} ms left in this attempt, less than the send deadline ${requestTimeoutMs} ms plus margin; the next attempt looks first`,
    });
  }
}

/** The receipt of a 2xx whose answer could not be read: accepted, awaited by looking at the resource. */
export function acceptedUnreadable(operation: string, status: number, why: string): SendReceipt {
  return {
    summary: `${operation} accepted (HTTP ${status}) but its answer is unreadable (${why}); following the switch by looking at the resource`,
    receiptUnknown: true,
  };
}
