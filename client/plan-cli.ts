/**
 * `switchover plan validate|run|status|report <file|id> [--dry-run] [--reverse] [--wait] [--json] [--out <dir>]`.
 * Exit codes as the rest of the CLI: 0 succeeded / valid / started, 1 not succeeded (or refused), 2 bad input,
 * 3 cannot reach Temporal.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { planWorkflowId, stepSucceeded, type PlanProgress, type PlanReport } from '../domain/plan';
import type { SwitchoverProgress } from '../workflows/switchover';
import { TemporalConfigError } from '../shared/temporal-connection';
import { clientConfigFromEnv, connectClient, TemporalUnreachableError } from './index';
import {
  describePlan,
  loadPlanFile,
  PlanAlreadyRunningError,
  planProgress,
  planReportMarkdown,
  planReportSoFar,
  planResult,
  PlanValidationError,
  startPlan,
} from './plans';
import { createPlanDisplay, liveSwitchoverProgress, stepLine } from './progress-display';

const EXIT = { ok: 0, notSucceeded: 1, badInput: 2, temporalUnreachable: 3 } as const;

export const PLAN_USAGE = `  switchover plan validate <file> [--reverse] [--dry-run] [--json]
  switchover plan run <file> [--dry-run] [--reverse] [--requested-by <name>] [--wait] [--json] [--out <dir>]
  switchover plan status <plan-id|file> [--json]
  switchover plan report <plan-id|file> [--wait] [--json] [--out <dir>]
     a plan's workflow ID is plan:<name>; reports are written to --out (default .data/plan-reports) as .md and .json`;

class PlanUsageError extends Error {}

const FLAGS = {
  'dry-run': { type: 'boolean' },
  reverse: { type: 'boolean' },
  wait: { type: 'boolean' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  'requested-by': { type: 'string' },
} as const;

const ALLOWED: Record<string, ReadonlyArray<keyof typeof FLAGS>> = {
  validate: ['reverse', 'dry-run', 'json'],
  run: ['dry-run', 'reverse', 'requested-by', 'wait', 'json', 'out'],
  status: ['json'],
  report: ['wait', 'json', 'out'],
};

export async function runPlanCli(argv: string[], out: NodeJS.WriteStream = process.stdout): Promise<number> {
  try {
    return await main(argv, out);
  } catch (error) {
    if (error instanceof PlanValidationError || error instanceof PlanUsageError || isParseArgsError(error)) {
      console.error(`switchover plan: ${(error as Error).message}`);
      if (!(error instanceof PlanValidationError)) console.error(`\nusage:\n${PLAN_USAGE}`);
      return EXIT.badInput;
    }
    if (error instanceof TemporalConfigError) {
      console.error(`switchover plan: ${error.message}`);
      return EXIT.badInput;
    }
    if (error instanceof TemporalUnreachableError) {
      console.error(`switchover plan: ${error.message}`);
      return EXIT.temporalUnreachable;
    }
    if (error instanceof PlanAlreadyRunningError) {
      console.error(`switchover plan: refused: ${error.message}`);
      return EXIT.notSucceeded;
    }
    if (error instanceof WorkflowNotFoundError) {
      console.error(`switchover plan: no such plan workflow: ${error.message}`);
      return EXIT.badInput;
    }
    console.error(`switchover plan: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.notSucceeded;
  }
}

async function main(argv: string[], out: NodeJS.WriteStream): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || !(sub in ALLOWED)) {
    throw new PlanUsageError(sub ? `unknown plan command '${sub}'` : 'plan needs a command');
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: FLAGS,
    allowPositionals: true,
    strict: true,
  });
  for (const flag of Object.keys(values)) {
    if (!ALLOWED[sub]!.includes(flag as keyof typeof FLAGS))
      throw new PlanUsageError(`--${flag} does not apply to 'plan ${sub}'`);
  }
  if (positionals.length !== 1) {
    throw new PlanUsageError(
      `plan ${sub} takes exactly one ${sub === 'validate' || sub === 'run' ? 'file' : 'plan ID or file'}`,
    );
  }
  const target = positionals[0]!;
  const json = values.json === true;
  const print = (value: unknown, human: string) =>
    out.write(`${json ? JSON.stringify(value, null, 2) : human}\n`);
  const requestedBy = values['requested-by'] ?? process.env.USER;

  if (sub === 'validate') {
    const loaded = loadPlanFile(target, { reverse: values.reverse, dryRun: values['dry-run'], requestedBy });
    print(
      { valid: true, workflowId: planWorkflowId(loaded.plan.name), plan: loaded.plan },
      `${target}: valid\n${describePlan(loaded.plan)}\n  workflow ID: ${planWorkflowId(loaded.plan.name)}`,
    );
    return EXIT.ok;
  }

  const config = clientConfigFromEnv();
  const ui = {
    base: process.env.TEMPORAL_UI_URL || 'http://localhost:8233',
    namespace: config.namespace,
  };
  const outDir = values.out ?? path.join('.data', 'plan-reports');

  if (sub === 'run') {
    const loaded = loadPlanFile(target, { reverse: values.reverse, dryRun: values['dry-run'], requestedBy });
    const client = await connectClient(config);
    const handle = await startPlan(client, loaded, { taskQueue: config.taskQueue });
    const link = `${ui.base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(handle.workflowId)}`;
    if (!values.wait) {
      print(
        { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, ui: link },
        `started ${handle.workflowId}: ${loaded.plan.totalSteps} steps in ${loaded.plan.stages.length} stages\n` +
          `  follow: switchover plan status ${handle.workflowId}\n  report: switchover plan report ${handle.workflowId} --wait\n  web UI: ${link}`,
      );
      return EXIT.ok;
    }
    if (!json) out.write(`started ${handle.workflowId} (web UI: ${link})\n`);
    return finishWithReport(client, client.workflow.getHandle(handle.workflowId), {
      json,
      outDir,
      ui,
      out,
      live: !json,
    });
  }

  const workflowId = existsSync(target) ? planWorkflowId(loadPlanFile(target).plan.name) : target;
  const client = await connectClient(config);
  const handle = client.workflow.getHandle(workflowId);

  if (sub === 'status') {
    const description = await handle.describe();
    const progress = await planProgress(handle);
    const lines = [
      `${workflowId}: ${description.status.name} (run ${description.runId})`,
      `  ${progress.status}${progress.stage ? `, stage ${progress.stage.index + 1}/${progress.stages} '${progress.stage.name}'` : ''}`,
      `  steps ${progress.done}/${progress.totalSteps} done: ${
        Object.entries(progress.counts)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ') || 'none yet'
      }`,
      ...progress.running.map((r) => `  running ${r.label} (${r.workflowId}) since ${r.startedAt}`),
      progress.status === 'waiting_for_approval'
        ? `  waiting for approval of ${progress.waitingFor}: switchover approve ${workflowId} --comment "..."`
        : '',
      progress.message ? `  ${progress.message}` : '',
    ];
    print({ workflowId, status: description.status.name, progress }, lines.filter(Boolean).join('\n'));
    return EXIT.ok;
  }

  // report
  const description = await handle.describe();
  if (description.status.name === 'RUNNING' && !values.wait) {
    const report = await planReportSoFar(handle);
    print(
      report,
      `${planReportMarkdown(report, ui)}\n(the plan is still running: this is the report so far; --wait for the end)`,
    );
    return EXIT.ok;
  }
  return finishWithReport(client, handle, { json, outDir, ui, out, live: values.wait === true && !json });
}

interface FinishOptions {
  json: boolean;
  outDir: string;
  ui: { base: string; namespace: string };
  out: NodeJS.WriteStream;
  live: boolean;
}

/** Follows the plan (live display when asked), then prints and writes its report. */
async function finishWithReport(
  client: Client,
  handle: WorkflowHandle,
  options: FinishOptions,
): Promise<number> {
  const resultPromise = planResult(handle);
  let finished = false;
  resultPromise.then(
    () => (finished = true),
    () => (finished = true),
  );
  if (options.live) {
    const display = createPlanDisplay(options.out);
    const interval = options.out.isTTY ? 500 : 1000;
    while (!finished) {
      const progress = await planProgress(handle).catch(() => undefined);
      if (progress)
        display.update(progress, options.out.isTTY ? await childProgress(client, progress) : undefined);
      await Promise.race([resultPromise.catch(() => undefined), new Promise((r) => setTimeout(r, interval))]);
    }
    const last = await planProgress(handle).catch(() => undefined);
    if (last) display.update(last);
    display.close();
  }
  const report = await resultPromise;
  const files = writeReport(report, options.outDir, options.ui);
  if (options.json) {
    options.out.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const failed = report.steps.filter((s) => !stepSucceeded(s));
    options.out.write(
      [
        `PLAN ${report.status.toUpperCase()}: ${report.message}`,
        `  ${report.totalSteps} steps: ${Object.entries(report.counts)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')} in ${(report.durationMs / 1000).toFixed(1)} s`,
        ...failed.slice(0, 20).map((s) => `  ${stepLine(s)}`),
        failed.length > 20 ? `  ... and ${failed.length - 20} more (see the report)` : '',
        `  report: ${files.markdown}`,
        `          ${files.json}`,
        '',
      ]
        .filter(Boolean)
        .join('\n') + '\n',
    );
  }
  const ok =
    report.status === 'succeeded' ||
    (report.status === 'dry_run' && report.steps.every((s) => stepSucceeded(s)));
  return ok ? EXIT.ok : EXIT.notSucceeded;
}

/** The switchover progress of the first few running steps (phase, last cloud status), for the TTY display. */
async function childProgress(
  client: Client,
  progress: PlanProgress,
): Promise<Map<string, SwitchoverProgress>> {
  const map = new Map<string, SwitchoverProgress>();
  await Promise.all(
    progress.running.slice(0, 8).map(async (r) => {
      const handle = client.workflow.getHandle(r.workflowId);
      const p = await liveSwitchoverProgress(handle, () =>
        handle.query<SwitchoverProgress>('progress'),
      ).catch(() => undefined);
      if (p) map.set(r.workflowId, p);
    }),
  );
  return map;
}

export function writeReport(
  report: PlanReport,
  dir: string,
  ui: { base: string; namespace: string },
): { markdown: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const base = path.join(dir, `${report.plan}${report.reverse ? '-reverse' : ''}-${stamp}`);
  writeFileSync(`${base}.md`, planReportMarkdown(report, ui));
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown: `${base}.md`, json: `${base}.json` };
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
