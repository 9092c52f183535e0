import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { INVALID_OUTCOME } from '../../domain/failures';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { InvalidOutcomeError, type AuditAppendResult, type AuditStore } from './store';

export interface RecordDeps {
  audit: AuditStore;
  /** Told of every append (metrics); `written` at most once per workflow run, whatever the retries. */
  onRecorded?: (outcome: SwitchoverOutcome, result: AuditAppendResult) => void;
  /** Told of every failed append (metrics: alert on an audit store that does not take outcomes). */
  onFailed?: (outcome: SwitchoverOutcome, error: unknown) => void;
}

export { INVALID_OUTCOME };

/** The record phase: the outcome goes to the audit store exactly once per workflow run, even when retried. */
export function createRecordActivities({ audit, onRecorded, onFailed }: RecordDeps) {
  async function recordOutcome(outcome: SwitchoverOutcome): Promise<AuditAppendResult> {
    const { log, info } = Context.current();
    let result: AuditAppendResult;
    try {
      result = await audit.append(outcome);
    } catch (error) {
      if (error instanceof InvalidOutcomeError) {
        throw ApplicationFailure.nonRetryable(error.message, INVALID_OUTCOME);
      }
      onFailed?.(outcome, error);
      // An alert, every attempt: the outcome is not in the audit store yet (the activity is retried for days).
      log.error('audit store did not take the switchover outcome; retrying', {
        workflowId: outcome.workflowId,
        runId: outcome.runId,
        status: outcome.status,
        attempt: info.attempt,
        audit: audit.describe(),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    onRecorded?.(outcome, result);
    if (result === 'already-recorded') {
      log.info('outcome already recorded', { workflowId: outcome.workflowId, runId: outcome.runId });
    } else {
      log.info('switchover outcome recorded', {
        workflowId: outcome.workflowId,
        status: outcome.status,
        message: outcome.message,
        audit: audit.backend,
      });
    }
    return result;
  }

  return { recordOutcome };
}
