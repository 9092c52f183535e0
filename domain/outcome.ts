import type { CloudError } from './failures';
import type { SwitchoverKind } from './kinds';
import type { Phase } from './phases';

export const OUTCOME_STATUSES = ['succeeded', 'failed', 'rejected', 'unknown', 'cancelled'] as const;
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
  /** Service-specific facts (e.g. master before/after, data-loss window). */
  details: Record<string, string | number | boolean | null>;
}
