/**
 * Await, then verify, in one activity (PATCHES.verifyInAwait). The switch's end and its verification then reach the
 * workflow in one activity result: one round trip fewer, and every input of the outcome is in history before the
 * workflow records it (workflows/switchover.ts, `finish`). Both halves only read, so a retried attempt (a dead
 * worker) simply looks again.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { NON_RETRYABLE_CLOUD_FAILURES, type CloudError } from '../domain/failures';
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
    const awaited = await awaitSwitch(args);
    if (!args.verify) return awaited;
    const verification = needsVerification(awaited)
      ? await verifyWithRetries(() =>
          verify({ params: args.params, preflight: args.preflight, receipt: args.receipt, awaited }),
        )
      : {};
    return { ...awaited, ...verification, endedAt: Date.now() };
  };
}

async function verifyWithRetries(
  verify: () => Promise<VerifyReport>,
): Promise<Pick<AwaitReport, 'verified' | 'verifyError'>> {
  const ctx = Context.current();
  const ticker = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    let delayMs = VERIFY_BACKOFF.firstMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return { verified: await verify() };
      } catch (error) {
        if (ctx.cancellationSignal.aborted) throw error;
        if (attempt >= VERIFY_ATTEMPTS || !retryable(error)) return { verifyError: describe(error) };
        ctx.log.warn('verification attempt failed; trying again', { attempt, error: String(error) });
        await ctx.sleep(delayMs);
        delayMs = Math.min(VERIFY_BACKOFF.maxMs, delayMs * 2);
      }
    }
  } finally {
    clearInterval(ticker);
  }
}

function retryable(error: unknown): boolean {
  if (!(error instanceof ApplicationFailure)) return true;
  return (
    !error.nonRetryable && !(NON_RETRYABLE_CLOUD_FAILURES as readonly string[]).includes(error.type ?? '')
  );
}

function describe(error: unknown): { message: string; cloudError?: CloudError } {
  const detail =
    error instanceof ApplicationFailure ? (error.details?.[0] as CloudError | undefined) : undefined;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(detail && typeof detail.message === 'string' ? { cloudError: detail } : {}),
  };
}
