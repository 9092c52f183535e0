/** The approval gate: after preflight, before the trigger, a human says yes or no through a Temporal Update. */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';
import type { ApprovalDecision } from '../domain/outcome';

export interface ApprovalRequest {
  /** Who decides (required; recorded in the outcome and the audit store). */
  by: string;
  comment?: string;
}

export interface ApprovalAnswer {
  workflowId: string;
  decision: ApprovalDecision['decision'];
}

export const approveUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('approve');
export const rejectUpdate = defineUpdate<ApprovalAnswer, [ApprovalRequest]>('reject');

export interface ApprovalGate {
  /** Opens the gate for decisions and waits; `undefined` when the timeout passed without one. */
  wait(timeoutMs: number): Promise<ApprovalDecision | undefined>;
}

/**
 * Registers the updates (so a decision sent too early or too late gets a clear refusal, not silence).
 * Four eyes: the requester cannot approve their own switchover.
 */
export function installApprovalGate(workflowId: string, requestedBy: string | undefined): ApprovalGate {
  let open = false;
  let decision: ApprovalDecision | undefined;

  const validate = (kind: ApprovalDecision['decision']) => (request: ApprovalRequest) => {
    if (!request || typeof request.by !== 'string' || !request.by.trim()) {
      throw new Error('by is required: who approves or rejects');
    }
    if (request.comment !== undefined && typeof request.comment !== 'string')
      throw new Error('comment must be text');
    if (!open) throw new Error(`${workflowId} is not waiting for approval`);
    if (decision) throw new Error(`${workflowId} was already ${decision.decision} by ${decision.by}`);
    if (kind === 'approved' && requestedBy && request.by.trim() === requestedBy) {
      throw new Error(`four-eyes rule: ${requestedBy} requested this switchover and cannot approve it`);
    }
  };
  const decide = (kind: ApprovalDecision['decision']) => (request: ApprovalRequest) => {
    decision = {
      decision: kind,
      by: request.by.trim(),
      comment: request.comment,
      at: new Date().toISOString(),
    };
    return { workflowId, decision: kind };
  };
  setHandler(approveUpdate, decide('approved'), { validator: validate('approved') });
  setHandler(rejectUpdate, decide('rejected'), { validator: validate('rejected') });

  return {
    async wait(timeoutMs) {
      // A plan asks at several gates (the plan, then stages): each wait takes a fresh decision.
      decision = undefined;
      open = true;
      try {
        await condition(() => decision !== undefined, timeoutMs);
        return decision;
      } finally {
        open = false;
      }
    },
  };
}
