/**
 * The plan report and progress (what the plan workflow returns and its queries answer): types and pure functions,
 * zod-free, so the workflow bundle imports it without evaluating zod; the plan document and its validation are
 * domain/plan.ts (which re-exports this).
 */
import type { CloudError } from './failures';
import type { SwitchoverKind } from './kinds';
import type { ApprovalDecision, OutcomeStatus } from './outcome';

/** How a step ended: its switchover's outcome, or `skipped` when the plan never started it. */
export type PlanStepStatus = OutcomeStatus | 'skipped';

export const PLAN_STATUSES = [
  /** Every step succeeded (or, in a dry run, would proceed). */
  'succeeded',
  /** Every stage ran; some steps did not succeed (stages with onFailure: continue). */
  'completed_with_failures',
  /** A step failed in a stage with onFailure: stop; later steps were skipped. */
  'stopped',
  /** The plan's or a stage's approval was rejected or timed out. */
  'rejected',
  /** The plan was cancelled; running steps were cancelled and report their own outcome. */
  'cancelled',
  /** A dry run: nothing was sent; see each step for what would be refused. */
  'dry_run',
] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export interface PlanStepReport {
  index: number;
  path: string;
  stage: string;
  kind: SwitchoverKind;
  name?: string;
  resourceId: string;
  projectId: string;
  workflowId: string;
  /** The step's workflow run, when it started. */
  runId?: string;
  status: PlanStepStatus;
  message: string;
  /** Whether the switch may have reached the cloud. */
  triggered: boolean;
  /** Dry run: whether it would proceed. */
  wouldProceed?: boolean;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  lastCloudStatus?: string;
  cloudError?: CloudError;
}

export interface PlanStageSummary {
  name: string;
  parallelism: number;
  onFailure: 'stop' | 'continue';
  steps: number;
  counts: Partial<Record<PlanStepStatus, number>>;
}

export interface PlanReport {
  plan: string;
  workflowId: string;
  status: PlanStatus;
  message: string;
  reverse: boolean;
  dryRun: boolean;
  requestedBy?: string;
  reason?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  totalSteps: number;
  counts: Partial<Record<PlanStepStatus, number>>;
  stages: PlanStageSummary[];
  approvals: Array<ApprovalDecision & { gate: string }>;
  /** Workflow runs the plan took (it continues as new to keep each history small). */
  runs: number;
  steps: PlanStepReport[];
}

export interface PlanRunningStep {
  index: number;
  workflowId: string;
  label: string;
  stage: string;
  startedAt: string;
}

/** What the `planProgress` query returns. */
export interface PlanProgress {
  plan: string;
  status: 'running' | 'waiting_for_approval' | PlanStatus;
  reverse: boolean;
  dryRun: boolean;
  stage?: { index: number; name: string; parallelism: number };
  stages: number;
  totalSteps: number;
  done: number;
  counts: Partial<Record<PlanStepStatus, number>>;
  running: PlanRunningStep[];
  /** The last finished steps, newest last (at most 20). */
  recent: PlanStepReport[];
  approvalUntil?: string;
  waitingFor?: string;
  runs: number;
  startedAt: string;
  message?: string;
}

export function countByStatus(steps: ReadonlyArray<{ status: PlanStepStatus }>) {
  const counts: Partial<Record<PlanStepStatus, number>> = {};
  for (const step of steps) counts[step.status] = (counts[step.status] ?? 0) + 1;
  return counts;
}

/** A step that did what was asked: succeeded, or (dry run) would proceed. */
export function stepSucceeded(step: PlanStepReport): boolean {
  return step.status === 'succeeded' || (step.status === 'dry_run' && step.wouldProceed !== false);
}
