/**
 * `switchoverPlan`: a runbook plan of many switchovers, stage by stage, each step a child workflow under the
 * same per-resource workflow ID a direct start uses (so a plan and a direct run never switch one resource at the
 * same time). Deterministic code only.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  continueAsNew,
  defineQuery,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { INVALID_INPUT, SWITCHOVER_NOT_SUCCEEDED } from '../domain/failures';
import { WORKFLOW_TYPES } from '../domain/kinds';
import type { ApprovalDecision, SwitchoverOutcome } from '../domain/outcome';
import type { PlanStage, PlanStep, ResolvedPlan } from '../domain/plan';
import {
  countByStatus,
  stepSucceeded,
  type PlanProgress,
  type PlanReport,
  type PlanRunningStep,
  type PlanStatus,
  type PlanStepReport,
} from '../domain/plan-report';
import { SA_KIND, SA_PROJECT, SA_RESOURCE } from '../domain/search-attributes';
import { installApprovalGate } from './approval';

export const planProgressQuery = defineQuery<PlanProgress>('planProgress');
/** The report so far (steps finished until now), for `switchover plan report` while it runs. */
export const planReportQuery = defineQuery<PlanReport>('planReport');

/** Where a continued run picks up. */
export interface PlanCarry {
  stage: number;
  /** Next step (index within the stage) to start; every earlier one has finished. */
  nextStep: number;
  steps: PlanStepReport[];
  startedAt: string;
  runs: number;
  planApproved: boolean;
  /** Index of the stage whose approval was given (not asked again after continue-as-new). */
  stageApproved: number;
  approvals: PlanReport['approvals'];
}

export interface PlanWorkflowInput {
  /** The plan document as parsed from YAML or JSON; validated here again. */
  document: unknown;
  /** The file it came from, for messages. */
  source?: string;
  reverse?: boolean;
  dryRun?: boolean;
  requestedBy?: string;
  /** Set by the plan itself when it continues as new. */
  carry?: PlanCarry;
}

const RECENT = 20;
const MESSAGE_MAX = 400;

export async function switchoverPlan(input: PlanWorkflowInput): Promise<PlanReport> {
  const info = workflowInfo();
  // Required here, not imported: the plan document's validation evaluates zod, which every other workflow in the
  // bundle would pay for (services/definition.ts, `inputSchemas`).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolvePlan, PlanValidationError } = require('../domain/plan') as typeof import('../domain/plan');
  let plan: ResolvedPlan;
  try {
    plan = resolvePlan(
      input.document,
      { reverse: input.reverse, dryRun: input.dryRun, requestedBy: input.requestedBy },
      input.source,
    );
  } catch (error) {
    if (error instanceof PlanValidationError)
      throw ApplicationFailure.nonRetryable(error.message, INVALID_INPUT);
    throw error;
  }
  const carry: PlanCarry = input.carry ?? {
    stage: 0,
    nextStep: 0,
    steps: [],
    startedAt: new Date().toISOString(),
    runs: 0,
    planApproved: false,
    stageApproved: -1,
    approvals: [],
  };
  carry.runs += 1;
  const reports = carry.steps;
  const running = new Map<number, PlanRunningStep>();
  const progress: PlanProgress = {
    plan: plan.name,
    status: 'running',
    reverse: plan.reverse,
    dryRun: plan.dryRun,
    stages: plan.stages.length,
    totalSteps: plan.totalSteps,
    done: reports.length,
    counts: countByStatus(reports),
    running: [],
    recent: reports.slice(-RECENT),
    runs: carry.runs,
    startedAt: carry.startedAt,
  };
  const refresh = () => {
    progress.done = reports.length;
    progress.counts = countByStatus(reports);
    progress.running = [...running.values()];
    progress.recent = reports.slice(-RECENT);
    showDetails(progress, info.workflowId);
  };
  setHandler(planProgressQuery, () => progress);
  setHandler(planReportQuery, () => report(progress.status === 'running' ? 'running' : progress.status));
  const gate = installApprovalGate(info.workflowId, plan.requestedBy);
  const root = CancellationScope.current();

  function report(status: PlanStatus | 'running' | 'waiting_for_approval', message = ''): PlanReport {
    const finishedAt = Date.now();
    const steps = [...reports].sort((a, b) => a.index - b.index);
    return {
      plan: plan.name,
      workflowId: info.workflowId,
      status: status as PlanStatus,
      message,
      reverse: plan.reverse,
      dryRun: plan.dryRun,
      requestedBy: plan.requestedBy,
      reason: plan.reason,
      startedAt: carry.startedAt,
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - Date.parse(carry.startedAt),
      totalSteps: plan.totalSteps,
      counts: countByStatus(steps),
      stages: plan.stages.map((stage) => ({
        name: stage.name,
        parallelism: stage.parallelism,
        onFailure: stage.onFailure,
        steps: stage.steps.length,
        counts: countByStatus(steps.filter((s) => s.stage === stage.name)),
      })),
      approvals: carry.approvals,
      runs: carry.runs,
      steps,
    };
  }

  const skip = (steps: PlanStep[], why: string) => {
    for (const step of steps) reports.push(skipped(step, plan.stages[step.stage]?.name ?? '', why));
  };
  const skipFrom = (stageIndex: number, stepIndex: number, why: string) => {
    plan.stages.forEach((stage, s) => {
      if (s < stageIndex) return;
      skip(s === stageIndex ? stage.steps.slice(stepIndex) : stage.steps, why);
    });
  };
  const finish = (status: PlanStatus, message: string): PlanReport => {
    progress.status = status;
    progress.message = message;
    refresh();
    log.info('plan finished', { status, message });
    return report(status, message);
  };

  /** Waits at an approval gate; undefined when approved, else the plan's end. */
  const approval = async (gateName: string, stageIndex: number): Promise<PlanReport | undefined> => {
    progress.status = 'waiting_for_approval';
    progress.waitingFor = gateName;
    progress.approvalUntil = new Date(Date.now() + plan.approvalTimeoutSeconds * 1000).toISOString();
    refresh();
    let decision: ApprovalDecision | undefined;
    try {
      decision = await gate.wait(plan.approvalTimeoutSeconds * 1000);
    } catch (error) {
      if (!isCancellation(error)) throw error;
      skipFrom(stageIndex, 0, 'the plan was cancelled while waiting for approval; nothing was started');
      return finish('cancelled', `cancelled while waiting for approval of ${gateName}`);
    }
    progress.status = 'running';
    progress.waitingFor = undefined;
    progress.approvalUntil = undefined;
    if (decision) carry.approvals.push({ ...decision, gate: gateName });
    if (decision?.decision === 'approved') return undefined;
    const why = decision
      ? `${gateName} was rejected by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`
      : `nobody approved ${gateName} within ${plan.approvalTimeoutSeconds}s`;
    skipFrom(stageIndex, 0, `${why}; not started`);
    return finish('rejected', `${why}; the remaining steps were not started`);
  };

  refresh();
  if (plan.requireApproval && !plan.dryRun && !carry.planApproved) {
    const end = await approval('the plan', 0);
    if (end) return end;
    carry.planApproved = true;
  }

  let startedThisRun = 0;
  let halted: string | undefined;
  for (let s = carry.stage; s < plan.stages.length; s++) {
    const stage = plan.stages[s]!;
    const from = s === carry.stage ? carry.nextStep : 0;
    progress.stage = { index: s, name: stage.name, parallelism: stage.parallelism };
    if (from === 0 && stage.requireApproval && !plan.dryRun && carry.stageApproved !== s) {
      const end = await approval(`stage '${stage.name}'`, s);
      if (end) return end;
      carry.stageApproved = s;
    }
    refresh();

    // Lanes claim the stage's steps in order; at most `parallelism` run at once.
    let next = from;
    let budgetSpent = false;
    const lane = async () => {
      while (next < stage.steps.length && !halted && !root.consideredCancelled) {
        if (startedThisRun >= plan.stepsPerRun || workflowInfo().continueAsNewSuggested) {
          budgetSpent = true;
          return;
        }
        const step = stage.steps[next++]!;
        startedThisRun += 1;
        running.set(step.index, {
          index: step.index,
          workflowId: step.workflowId,
          label: step.label,
          stage: stage.name,
          startedAt: new Date().toISOString(),
        });
        refresh();
        const result = await runStep(plan.name, stage, step, plan.stages.length, s);
        running.delete(step.index);
        reports.push(result);
        if (!plan.dryRun && !stepSucceeded(result) && stage.onFailure === 'stop' && !halted) {
          halted = `${step.path} (${step.label}) ended ${result.status} in stage '${stage.name}' (onFailure: stop)`;
        }
        refresh();
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(stage.parallelism, stage.steps.length - from)) }, lane),
    );

    if (root.consideredCancelled) {
      skipFrom(s, next, 'the plan was cancelled before this step started; nothing was sent');
      const sent = reports.filter((r) => r.status === 'cancelled_after_trigger').length;
      return finish(
        'cancelled',
        `cancelled: running steps were cancelled and report their own outcome${sent ? ` (${sent} had already sent the switch)` : ''}; later steps were not started`,
      );
    }
    if (halted) {
      skipFrom(s, next, `not started: the plan stopped after ${halted}`);
      return finish('stopped', `stopped: ${halted}; later steps were not started`);
    }
    if (
      budgetSpent ||
      (startedThisRun >= plan.stepsPerRun && (next < stage.steps.length || s + 1 < plan.stages.length))
    ) {
      const nextCarry: PlanCarry =
        next < stage.steps.length
          ? { ...carry, stage: s, nextStep: next }
          : { ...carry, stage: s + 1, nextStep: 0 };
      log.info('plan continues as new to keep its history small', {
        stage: nextCarry.stage,
        done: reports.length,
      });
      await continueAsNew<typeof switchoverPlan>({ ...input, carry: nextCarry });
    }
  }

  const all = report('running').steps;
  if (plan.dryRun) {
    const refused = all.filter((r) => !stepSucceeded(r)).length;
    return finish(
      'dry_run',
      refused
        ? `dry run: ${refused} of ${all.length} steps would be refused (see each step); nothing was sent`
        : `dry run: all ${all.length} steps would proceed; nothing was sent`,
    );
  }
  const notOk = all.filter((r) => !stepSucceeded(r)).length;
  if (notOk)
    return finish(
      'completed_with_failures',
      `${notOk} of ${all.length} steps did not succeed; all stages ran`,
    );
  return finish('succeeded', `all ${all.length} steps succeeded`);
}

async function runStep(
  planName: string,
  stage: PlanStage,
  step: PlanStep,
  stages: number,
  stageIndex: number,
): Promise<PlanStepReport> {
  const startedAt = Date.now();
  const base = {
    index: step.index,
    path: step.path,
    stage: stage.name,
    kind: step.kind,
    name: step.name,
    resourceId: step.resourceId,
    projectId: step.projectId,
    workflowId: step.workflowId,
    startedAt: new Date(startedAt).toISOString(),
  };
  const ended = (
    fields: Omit<PlanStepReport, keyof typeof base | 'finishedAt' | 'durationMs'>,
  ): PlanStepReport => {
    const finishedAt = Date.now();
    return {
      ...base,
      ...fields,
      message: fields.message.slice(0, MESSAGE_MAX),
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - startedAt,
    };
  };
  try {
    const outcome = await executeChild<(input: unknown) => Promise<SwitchoverOutcome>>(
      WORKFLOW_TYPES[step.kind],
      {
        workflowId: step.workflowId,
        args: [step.input],
        // A cancelled plan asks each running step to cancel and waits for its honest outcome.
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        // Even a terminated plan never leaves a switch half-watched: the step is asked to cancel, not killed.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `Plan ${planName}, stage ${stageIndex + 1}/${stages} '${stage.name}': ${step.kind} switchover of ${step.label}${step.input.dryRun ? ' [DRY RUN]' : ''}`,
        typedSearchAttributes: [
          { key: SA_KIND, value: step.kind },
          { key: SA_PROJECT, value: step.projectId },
          { key: SA_RESOURCE, value: step.resourceId },
        ],
      },
    );
    return ended(fromOutcome(outcome));
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return ended({
        status: 'rejected',
        triggered: false,
        message: `resource busy: switchover workflow ${step.workflowId} is already running (the per-resource lock); this step sent nothing`,
      });
    }
    if (error instanceof ChildWorkflowFailure) {
      const cause = error.cause;
      if (
        cause instanceof ApplicationFailure &&
        cause.type === SWITCHOVER_NOT_SUCCEEDED &&
        cause.details?.[0]
      ) {
        return ended(fromOutcome(cause.details[0] as SwitchoverOutcome, error.execution?.runId ?? undefined));
      }
      const runId = error.execution?.runId ?? undefined;
      if (cause instanceof CancelledFailure) {
        return ended({
          runId,
          status: 'cancelled',
          triggered: false,
          message: 'the step workflow was cancelled',
        });
      }
      if (cause instanceof TerminatedFailure || cause instanceof TimeoutFailure) {
        return ended({
          runId,
          status: 'unknown',
          triggered: true,
          message: `the step workflow was ${cause instanceof TerminatedFailure ? 'terminated' : 'timed out'}: the switch may have been sent; check ${step.label}`,
        });
      }
      return ended({
        runId,
        status: 'failed',
        triggered: false,
        message: `the step workflow failed: ${cause?.message ?? error.message}`,
      });
    }
    if (isCancellation(error)) {
      return ended({
        status: 'cancelled',
        triggered: false,
        message: `the plan was cancelled as this step was starting; if workflow ${step.workflowId} started it was asked to cancel (check it)`,
      });
    }
    if (error instanceof TemporalFailure) {
      // The server refused to start the step (a limit, a namespace problem): the step did not run.
      return ended({
        status: 'failed',
        triggered: false,
        message: `the step could not be started: ${error.message}`,
      });
    }
    throw error;
  }
}

function fromOutcome(outcome: SwitchoverOutcome, runId?: string) {
  return {
    runId: outcome.runId ?? runId,
    status: outcome.status,
    message: outcome.message,
    triggered: outcome.triggered,
    wouldProceed: outcome.status === 'dry_run' ? outcome.details.wouldProceed === true : undefined,
    lastCloudStatus: outcome.lastCloudStatus,
    cloudError: outcome.cloudError,
  };
}

function skipped(step: PlanStep, stage: string, message: string): PlanStepReport {
  return {
    index: step.index,
    path: step.path,
    stage,
    kind: step.kind,
    name: step.name,
    resourceId: step.resourceId,
    projectId: step.projectId,
    workflowId: step.workflowId,
    status: 'skipped',
    triggered: false,
    message,
  };
}

function showDetails(progress: PlanProgress, workflowId: string): void {
  const counts = Object.entries(progress.counts)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  const lines = [
    progress.status === 'waiting_for_approval'
      ? `### ⏸ Waiting for approval of ${progress.waitingFor} until ${progress.approvalUntil}\n\n` +
        `Approve: \`switchover approve ${workflowId} --comment "..."\`\n\nReject: \`switchover reject ${workflowId} --comment "..."\``
      : '',
    `**Plan:** ${progress.plan}${progress.reverse ? ' (reverse: switch back)' : ''}${progress.dryRun ? ' [DRY RUN]' : ''}`,
    `**Status:** ${progress.status}`,
    progress.stage
      ? `**Stage:** ${progress.stage.index + 1}/${progress.stages} '${progress.stage.name}' (parallelism ${progress.stage.parallelism})`
      : '',
    `**Steps:** ${progress.done}/${progress.totalSteps} done${counts ? ` (${counts})` : ''}`,
    progress.running.length
      ? `**Running (${progress.running.length}):** ${progress.running
          .slice(0, 10)
          .map((r) => `\`${r.workflowId}\``)
          .join(', ')}${progress.running.length > 10 ? ', ...' : ''}`
      : '',
    progress.message ? `**Result:** ${progress.message}` : '',
  ].filter(Boolean);
  setCurrentDetails(lines.join('\n\n'));
}
