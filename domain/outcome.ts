import type { CloudError } from './failures';
import type { SwitchoverKind } from './kinds';
import type { Phase } from './phases';

/** An approver's answer at the approval gate. */
export interface ApprovalDecision {
  decision: 'approved' | 'rejected';
  by: string;
  comment?: string;
  at: string;
}

export const OUTCOME_STATUSES = [
  /** The switch happened and was verified. */
  'succeeded',
  /** The cloud says this switch failed, and nothing was seen to move. */
  'failed',
  /** Refused before anything was sent: preflight, cooldown, an approver's reject, or a trigger refused. */
  'rejected',
  /** The deadline passed (or the trigger's fate could not be established): the switch may still happen. */
  'unknown',
  /** Cancelled before anything was sent: nothing was switched. */
  'cancelled',
  /** Cancelled after the switch was sent: it may complete; the last known cloud status is reported. */
  'cancelled_after_trigger',
  /** Nobody approved or rejected in time: nothing was sent. */
  'approval_timed_out',
  /** A dry run: preflight only, nothing was sent. */
  'dry_run',
] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/**
 * The one record of how a switchover ended: returned by the workflow (or attached to its failure),
 * upserted as search attributes, written to the audit store and shown in the UI.
 */
export interface SwitchoverOutcome {
  kind: SwitchoverKind;
  workflowId: string;
  runId: string;
  projectId: string;
  resourceId: string;
  status: OutcomeStatus;
  /** One sentence for humans: what happened and why. */
  message: string;
  /** The phase the switchover was in when it ended. */
  phase: Phase;
  /** Whether the switch was sent to the cloud (true means: it may have happened). */
  triggered: boolean;
  /** The cloud's job / task id of the switch, when known. */
  jobId?: string;
  /** The last status the cloud reported for the switch (job status, DR status, VIP status). */
  lastCloudStatus?: string;
  cloudError?: CloudError;
  polls: number;
  startedAt: string;
  triggeredAt?: string;
  finishedAt: string;
  durationMs: number;
  reason?: string;
  requestedBy?: string;
  /** Who approved or rejected, and why (approval gate). */
  approval?: ApprovalDecision;
  /** Service-specific facts (e.g. master before/after, data-loss window). */
  details: Record<string, string | number | boolean | null>;
  /**
   * Set only on the outcome the workflow returns when the audit store did not take it in time: why, and the
   * workflow (`record:<workflowId>:<runId>`) that keeps retrying until it does. The record itself never carries it.
   */
  notRecorded?: { reason: string; recordWorkflowId: string };
}
