/**
 * Plans from the client's side: read and validate a plan file (YAML or JSON) with errors that name the file,
 * the line and the path inside it; start the `switchoverPlan` workflow; read its progress and report; render
 * the report as Markdown.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { DEFAULT_TASK_QUEUE } from '../domain/kinds';
import {
  formatPath,
  planWorkflowId,
  PlanValidationError,
  resolvePlan,
  type PlanOptions,
  type PlanProgress,
  type PlanReport,
  type ResolvedPlan,
} from '../domain/plan';
import type { PlanWorkflowInput } from '../workflows/plan';

export { PlanValidationError } from '../domain/plan';
export type { PlanProgress, PlanReport, ResolvedPlan } from '../domain/plan';

export interface LoadedPlan {
  /** The file as given. */
  source: string;
  document: unknown;
  plan: ResolvedPlan;
  /** The options it was validated with (startPlan runs it with the same). */
  options: PlanOptions;
}

/** Reads, parses and validates a plan file; throws PlanValidationError naming the file, line, path and rule. */
export function loadPlanFile(file: string, options: PlanOptions = {}): LoadedPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PlanValidationError(
      [{ path: [], message: `cannot read the file: ${(error as Error).message}` }],
      file,
    );
  }
  return parsePlanText(text, file, options);
}

/** As loadPlanFile, for text already read (`source` names it in messages). */
export function parsePlanText(text: string, source: string, options: PlanOptions = {}): LoadedPlan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new PlanValidationError(
      doc.errors.map((error) => {
        const at = error.pos ? lines.linePos(error.pos[0]) : undefined;
        return {
          path: [],
          message: `${at ? `line ${at.line}, column ${at.col}: ` : ''}not valid YAML/JSON: ${error.message.split('\n')[0]}`,
        };
      }),
      source,
    );
  }
  const document: unknown = doc.toJS();
  try {
    return { source, document, plan: resolvePlan(document, options, source), options };
  } catch (error) {
    if (error instanceof PlanValidationError) {
      throw new PlanValidationError(error.issues, source, (p) => locate(doc, lines, p));
    }
    throw error;
  }
}

/** `stages[1].steps[3].mode (line 14)`: the line of the deepest node of the path that exists in the file. */
function locate(doc: Document, lines: LineCounter, p: Array<string | number>): string {
  for (let depth = p.length; depth >= 0; depth--) {
    const node = (depth === 0 ? doc.contents : doc.getIn(p.slice(0, depth), true)) as
      { range?: [number, number, number] } | null | undefined;
    if (node?.range) return `${formatPath(p)} (line ${lines.linePos(node.range[0]).line})`;
  }
  return formatPath(p);
}

export interface StartPlanOptions {
  taskQueue?: string;
}

export class PlanAlreadyRunningError extends Error {
  override name = 'PlanAlreadyRunningError';
  constructor(readonly workflowId: string) {
    super(
      `plan workflow ${workflowId} is already running; follow it with 'switchover plan status ${workflowId}' (a plan runs once at a time, forward or reverse)`,
    );
  }
}

/** Starts a validated plan as `switchoverPlan` under `plan:<name>` (one run of a plan at a time). */
export async function startPlan(
  client: Client,
  loaded: LoadedPlan,
  options: StartPlanOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const { plan } = loaded;
  const workflowId = planWorkflowId(plan.name);
  const input: PlanWorkflowInput = {
    document: loaded.document,
    source: path.basename(loaded.source),
    reverse: loaded.options.reverse,
    dryRun: loaded.options.dryRun,
    requestedBy: loaded.options.requestedBy,
  };
  try {
    return await client.workflow.start('switchoverPlan', {
      workflowId,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary:
        `Plan ${plan.name}${plan.reverse ? ' (reverse: switch back)' : ''}: ${plan.stages.length} stages, ` +
        `${plan.totalSteps} steps${plan.dryRun ? ' [DRY RUN]' : ''}${plan.requestedBy ? ` by ${plan.requestedBy}` : ''}` +
        (plan.reason ? `: ${plan.reason}` : ''),
      staticDetails: describePlan(plan),
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) throw new PlanAlreadyRunningError(workflowId);
    throw error;
  }
}

export async function planProgress(handle: WorkflowHandle): Promise<PlanProgress> {
  return handle.query<PlanProgress>('planProgress');
}

/** The final report (follows the plan across continue-as-new). */
export async function planResult(handle: WorkflowHandle): Promise<PlanReport> {
  return (await handle.result()) as PlanReport;
}

/** The report so far, while it runs. */
export async function planReportSoFar(handle: WorkflowHandle): Promise<PlanReport> {
  return handle.query<PlanReport>('planReport');
}

/** The plan, stage by stage, for `plan validate` and the UI's details. */
export function describePlan(plan: ResolvedPlan): string {
  const lines = [
    `Plan ${plan.name}${plan.reverse ? ' (reverse: switch back)' : ''}${plan.dryRun ? ' [DRY RUN]' : ''}: ${plan.stages.length} stages, ${plan.totalSteps} steps`,
    plan.requireApproval ? '  approval before the plan' : '',
    ...plan.stages.flatMap((stage, s) => [
      `  stage ${s + 1} '${stage.name}': ${stage.steps.length} steps, parallelism ${stage.parallelism}, onFailure ${stage.onFailure}${stage.requireApproval ? ', approval first' : ''}`,
      ...stage.steps
        .slice(0, 20)
        .map(
          (step) =>
            `    ${step.kind} ${step.label}${step.input.mode ? ` mode ${String(step.input.mode)}` : ''}  (${step.workflowId}, ${step.path})`,
        ),
      stage.steps.length > 20 ? `    ... and ${stage.steps.length - 20} more` : '',
    ]),
  ];
  return lines.filter(Boolean).join('\n');
}

function uiLink(uiBase: string, namespace: string, workflowId: string, runId?: string): string {
  return `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}${runId ? `/${encodeURIComponent(runId)}/history` : ''}`;
}

/** The plan report as Markdown: summary, stages, and one row per step with outcome, duration, cloud error, link. */
export function planReportMarkdown(report: PlanReport, ui: { base: string; namespace: string }): string {
  const esc = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const counts = (c: PlanReport['counts']) =>
    Object.entries(c)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ') || '-';
  return [
    `# Plan ${report.plan}${report.reverse ? ' (reverse)' : ''}: ${report.status}`,
    '',
    report.message,
    '',
    `- workflow: [${report.workflowId}](${uiLink(ui.base, ui.namespace, report.workflowId)})`,
    `- started ${report.startedAt}, finished ${report.finishedAt} (${(report.durationMs / 1000).toFixed(1)} s, ${report.runs} workflow run${report.runs === 1 ? '' : 's'})`,
    report.requestedBy ? `- requested by ${report.requestedBy}` : null,
    report.reason ? `- reason: ${report.reason}` : null,
    `- steps: ${report.totalSteps} (${counts(report.counts)})`,
    ...report.approvals.map(
      (a) =>
        `- approval of ${a.gate}: ${a.decision} by ${a.by}${a.comment ? ` (${a.comment})` : ''} at ${a.at}`,
    ),
    '',
    '| stage | steps | parallelism | on failure | outcomes |',
    '| --- | --- | --- | --- | --- |',
    ...report.stages.map(
      (s) => `| ${esc(s.name)} | ${s.steps} | ${s.parallelism} | ${s.onFailure} | ${counts(s.counts)} |`,
    ),
    '',
    '| # | stage | step | outcome | duration | triggered | message | cloud error | link |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.steps.map(
      (s) =>
        `| ${s.index + 1} | ${esc(s.stage)} | ${s.kind} ${esc(s.resourceId)} | ${s.status}${s.status === 'dry_run' ? (s.wouldProceed ? ' (would proceed)' : ' (would be refused)') : ''} | ` +
        `${s.durationMs === undefined ? '-' : `${(s.durationMs / 1000).toFixed(1)} s`} | ${s.triggered ? 'yes' : 'no'} | ${esc(s.message)} | ` +
        `${s.cloudError ? esc(`${s.cloudError.code ?? ''} ${s.cloudError.message}`.trim()) : ''} | ` +
        `${s.runId ? `[UI](${uiLink(ui.base, ui.namespace, s.workflowId, s.runId)})` : ''} |`,
    ),
    '',
  ]
    .filter((line): line is string => line !== null)
    .join('\n');
}
