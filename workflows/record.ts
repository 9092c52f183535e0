/**
 * The record that outlives an audit-store outage. The switchover waits for its record a bounded time
 * (SWITCHOVER_RECORD_WAIT_SECONDS); should the store still refuse, it hands the outcome to this workflow, which it
 * abandons (ParentClosePolicy.ABANDON): recording then goes on for up to 30 days, every failed attempt alerting
 * in the worker's logs (error) and metrics (switchover_audit_appends_total{result="failed"}), and the store keeps
 * it once (keyed by workflow and run).
 */
import {
  ActivityCancellationType,
  CancellationScope,
  ParentClosePolicy,
  log,
  startChild,
  type ActivityOptions,
} from '@temporalio/workflow';
import { INVALID_OUTCOME } from '../domain/failures';
import type { SwitchoverOutcome } from '../domain/outcome';
import { activities } from './activity-calls';

/** One record attempt: a stuck statement or lock fails it in 30 s; retried with backoff up to 30 s apart. */
export const RECORD_ATTEMPT: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: [INVALID_OUTCOME] },
};

/** How long the record workflow keeps trying: longer than any store outage anyone would wait out. */
const RECORD_UNTIL_STORED: ActivityOptions = {
  ...RECORD_ATTEMPT,
  scheduleToCloseTimeout: '30 days',
  // Should the record workflow be cancelled, the attempt in flight still completes and is reported.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/** The ID of the record workflow of one run: one per run, so a repeated hand-off cannot start a second one. */
export function recordWorkflowId(outcome: Pick<SwitchoverOutcome, 'workflowId' | 'runId'>): string {
  return `record:${outcome.workflowId}:${outcome.runId}`;
}

/** Records one outcome, retrying until the audit store takes it. A cancellation request does not stop it. */
export async function recordSwitchoverOutcome(outcome: SwitchoverOutcome): Promise<string> {
  return CancellationScope.nonCancellable(() =>
    activities({
      ...RECORD_UNTIL_STORED,
      summary: `record outcome of ${outcome.workflowId}: ${outcome.status}`,
    }).recordOutcome(outcome),
  );
}

/** Starts the record workflow and returns its ID; a failure to start it is logged (the outcome is returned anyway). */
export async function handOffRecording(outcome: SwitchoverOutcome, reason: string): Promise<string> {
  const workflowId = recordWorkflowId(outcome);
  try {
    await startChild(recordSwitchoverOutcome, {
      workflowId,
      args: [outcome],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary:
        `record outcome of ${outcome.workflowId}: ${outcome.status} (store unavailable: ${reason})`.slice(
          0,
          400,
        ),
    });
  } catch (error) {
    log.error('could not start the record workflow; the outcome is only in this run', {
      workflowId,
      error: String(error),
    });
  }
  return workflowId;
}
