import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CloudFailure } from '../domain/failures';
import type { Facts, TriggerReceipt } from '../domain/reports';
import { cloudErrorOf, cloudFailure, isCloudFailure } from './http/failures';

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

/**
 * What a service supplies to the trigger protocol: how to look, its own rules, and how to send. The protocol
 * (look, settle, look again, adopt or refuse, budget, send, classify) is written once, in `runTriggerProtocol`.
 */
export interface TriggerHooks<Seen> {
  /** The cloud service, for failures raised by the protocol itself. */
  service: string;
  /** What changed, in the refusal `<subject> changed since preflight (...)`, e.g. `the DR`. */
  subject: string;
  /** Looks at the cloud's own record (task list, DR status, VIP status) for a switch started since preflight. */
  look(): Promise<TriggerLook<Seen>>;
  /**
   * A switch found while nothing of this run may have been sent: `refuse` it (someone else's change: never switch
   * on top of it) or `adopt` it.
   */
  foreignSwitch: 'adopt' | 'refuse';
  /** The service's rules between the last look and the send; throws a typed failure to stop (nothing is sent). */
  checkBeforeSend?(seen: Seen, mayHaveSent: boolean): void;
  /** Sends the switch; resolves with what the cloud answered (`sentAt`: when the request was started). */
  send(sentAt: number, seen: Seen): Promise<{ jobId?: string; summary: string }>;
  /** After a failed send: a switch of ours that explains the failure (e.g. DCS.4017 "a job is running"), if any. */
  adoptAfterFailedSend?(error: unknown): Promise<StartedSwitch | undefined>;
  /** Facts for the receipt, from the last look. */
  facts?(seen: Seen): Facts;
}

export interface TriggerProtocolDeps {
  now: () => number;
  /** After an ambiguous send, how long to wait before the second look (a just-accepted switch may lag). */
  ambiguousSettleMs: number;
  /** The cloud client's per-request timeout: a send is started only when it can resolve within the attempt. */
  requestTimeoutMs: number;
}

/**
 * The never-send-twice trigger sequence, one activity attempt of it. The workflow drives the attempts and tells each
 * whether an earlier one may have reached the cloud (`mayHaveSent`):
 * 1. look at the cloud's record for a switch started since preflight;
 * 2. if nothing shows and an earlier attempt may have sent, settle and look again;
 * 3. a switch found is adopted (ours) or refused (nothing of ours was sent: someone else's);
 * 4. the service's own rules; 5. send only with time to resolve inside this attempt; 6. classify the answer.
 */
export async function runTriggerProtocol<Seen>(
  hooks: TriggerHooks<Seen>,
  { mayHaveSent }: { mayHaveSent: boolean },
  { now, ambiguousSettleMs, requestTimeoutMs }: TriggerProtocolDeps,
): Promise<TriggerReceipt> {
  const ctx = Context.current();
  let look = await hooks.look();
  if (!look.started && mayHaveSent) {
    // The cloud's record of an accepted switch may lag behind the answer: give it time to appear.
    await ctx.sleep(ambiguousSettleMs);
    look = await hooks.look();
    if (!look.started)
      ctx.log.warn('an earlier trigger attempt may have been sent, but no switch was started: sending');
  }
  const facts = hooks.facts?.(look.seen) ?? {};
  if (look.started) {
    if (!mayHaveSent && hooks.foreignSwitch === 'refuse') {
      throw cloudFailure(CloudFailure.Permanent, {
        service: hooks.service,
        message: `${hooks.subject} changed since preflight (${look.started.how}) although this switchover sent nothing; not switching on top of another change`,
      });
    }
    ctx.log.warn('switch already started for this switchover; adopting it, not resending', {
      how: look.started.how,
    });
    return adopted(look.started, now(), facts);
  }
  hooks.checkBeforeSend?.(look.seen, mayHaveSent);
  ensureTimeToSend(requestTimeoutMs, now);
  const sentAt = now();
  try {
    const sent = await hooks.send(sentAt, look.seen);
    return { ...sent, adopted: false, triggeredAt: sentAt, facts };
  } catch (error) {
    const ours = await hooks.adoptAfterFailedSend?.(error);
    if (ours) return adopted(ours, sentAt, facts);
    throw triggerFailure(error);
  }
}

function adopted(started: StartedSwitch, triggeredAt: number, facts: Facts): TriggerReceipt {
  return { jobId: started.jobId, adopted: true, triggeredAt, summary: `adopted: ${started.how}`, facts };
}

/**
 * A trigger that failed on the wire (timeout, reset, 5xx) may still have reached the cloud. It becomes a
 * retryable TriggerAmbiguous failure: the next attempt first looks whether the switch started, and only
 * sends when it finds nothing. Other failures pass through unchanged.
 */
export function triggerFailure(error: unknown): unknown {
  if (isCloudFailure(error, CloudFailure.Network, CloudFailure.Server)) {
    const cloudError = cloudErrorOf(error) ?? { service: 'cloud', message: error.message };
    return cloudFailure(CloudFailure.TriggerAmbiguous, {
      ...cloudError,
      message: `trigger outcome unknown (${cloudError.message}); the next attempt looks before sending again`,
    });
  }
  return error instanceof ApplicationFailure || error instanceof Error ? error : new Error(String(error));
}

/** Room left after the send's own timeout before the attempt's start-to-close deadline. */
const SEND_MARGIN_MS = 2_000;

/**
 * Call right before sending a trigger. Refuses (retryable, nothing sent) when the send could still be in flight
 * after this attempt's start-to-close timeout: the workflow's next attempt starts only after that timeout, and
 * its look must not race a send of this attempt that has not resolved yet.
 */
export function ensureTimeToSend(requestTimeoutMs: number, now: () => number = Date.now): void {
  const info = Context.current().info;
  const attemptDeadline = info.currentAttemptScheduledTimestampMs + info.startToCloseTimeoutMs;
  const left = attemptDeadline - now();
  if (left < requestTimeoutMs + SEND_MARGIN_MS) {
    throw cloudFailure(CloudFailure.Busy, {
      service: 'switchover',
      message: `not sending: only ${left} ms left in this attempt, less than the request timeout ${requestTimeoutMs} ms plus margin; the next attempt looks first`,
    });
  }
}
