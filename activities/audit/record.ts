import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { InvalidOutcomeError, type AuditAppendResult, type AuditStore } from './store';

export interface RecordDeps {
  audit: AuditStore;
  /** Told of every append (metrics); `written` at most once per workflow run, whatever the retries. */
  onRecorded?: (outcome: SwitchoverOutcome, result: AuditAppendResult) => void;
}

/** Failure type of an outcome that cannot be recorded (missing identity): retrying cannot help. */
export const INVALID_OUTCOME = 'InvalidOutcomeError';

/** The record phase: the outcome goes to the audit store exactly once per workflow run, even when retried. */
export function createRecordActivities({ audit, onRecorded }: RecordDeps) {
  return {
    async recordOutcome(outcome: SwitchoverOutcome): Promise<AuditAppendResult> {
      const log = Context.current().log;
      let result: AuditAppendResult;
      try {
        result = await audit.append(outcome);
      } catch (error) {
        if (error instanceof InvalidOutcomeError) {
          throw ApplicationFailure.nonRetryable(error.message, INVALID_OUTCOME);
        }
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
    },
  };
}
