/**
 * Await, then verify, in one activity (PATCHES.verifyInAwait). The switch's end and its verification then reach the
 * workflow in one activity result: one round trip fewer, and every input of the outcome is in history before the
 * workflow records it (workflows/switchover.ts, `finish`). Both halves only read: an attempt retried after its
 * worker died awaiting polls on from the await's heartbeat; one retried after it died verifying takes the await's
 * report from its checkpoint (`VerifyingCheckpoint`) and verifies again.
 */
import { Context } from '@temporalio/activity';
import { failureReport, isRetryable } from './http/failures';
import {
  needsVerification,
  type AwaitArgs,
  type AwaitReport,
  type VerifyArgs,
  type VerifyReport,
} from '../domain/reports';

/** The verification's own retries, as READ_RETRY gave the verify activity: 5 attempts, 1 s doubling to 10 s. */
const VERIFY_ATTEMPTS = 5;
const VERIFY_BACKOFF = { firstMs: 1_000, maxMs: 10_000 };
/** Heartbeats while a verification runs (a few GETs, a DCS settle wait): well inside the await's 20 s timeout. */
const HEARTBEAT_EVERY_MS = 5_000;

type Await<P, S> = (args: AwaitArgs<P, S>) => Promise<AwaitReport>;
type Verify<P, S> = (args: VerifyArgs<P, S>) => Promise<VerifyReport>;

/**
 * The service's await activity, verifying the switch itself when the workflow asks (`args.verify`) and the await
 * ended in a way that may have moved the resource. A call without `verify` (runs from before the patch) is the
 * plain await.
 */
export function awaitThenVerify<P, S>(awaitSwitch: Await<P, S>, verify: Verify<P, S>): Await<P, S> {
  return async function (args) {
    // A retried attempt whose predecessor died verifying: the await's report is its checkpoint; verify again.
    const resumed = args.verify ? checkpointOf(Context.current().info.heartbeatDetails) : undefined;
    const awaited = resumed ?? (await awaitSwitch(args));
    if (!args.verify) return awaited;
    const verification = needsVerification(awaited)
      ? await verifyWithRetries(awaited, () =>
          verify({ params: args.params, preflight: args.preflight, receipt: args.receipt, awaited }),
        )
      : {};
    return { ...awaited, ...verification, endedAt: Date.now() };
  };
}

/**
 * The heartbeat details while verifying. The await's own details (its poll progress, with facts such as DRS's
 * `sawSwitchStart` that attribute the end to this switch) would otherwise be overwritten by detail-less
 * heartbeats, and a retried attempt would poll again without them (a DRS end then reads as not attributable).
 */
interface VerifyingCheckpoint {
  verifying: AwaitReport;
}

function checkpointOf(details: unknown): AwaitReport | undefined {
  const verifying = (details as Partial<VerifyingCheckpoint> | undefined)?.verifying;
  return verifying && typeof verifying === 'object' ? verifying : undefined;
}

async function verifyWithRetries(
  awaited: AwaitReport,
  verify: () => Promise<VerifyReport>,
): Promise<Pick<AwaitReport, 'verified' | 'verifyError'>> {
  const ctx = Context.current();
  // Every heartbeat while verifying carries the checkpoint, the verify function's own included (they share the
  // activity's context): the SDK sends the latest details, whoever heartbeated last.
  const checkpoint: VerifyingCheckpoint = { verifying: awaited };
  const heartbeat = ctx.heartbeat;
  const context = ctx as { heartbeat: (details?: unknown) => void };
  context.heartbeat = () => heartbeat(checkpoint);
  ctx.heartbeat();
  const ticker = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    let delayMs = VERIFY_BACKOFF.firstMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return { verified: await verify() };
      } catch (error) {
        if (ctx.cancellationSignal.aborted) throw error;
        if (attempt >= VERIFY_ATTEMPTS || !isRetryable(error)) return { verifyError: failureReport(error) };
        ctx.log.warn('verification attempt failed; trying again', { attempt, error: String(error) });
        await ctx.sleep(delayMs);
        delayMs = Math.min(VERIFY_BACKOFF.maxMs, delayMs * 2);
      }
    }
  } finally {
    clearInterval(ticker);
    context.heartbeat = heartbeat;
  }
}
