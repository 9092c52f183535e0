/**
 * The `switchover` CLI for runbooks and on-call engineers.
 * Exit codes: 0 succeeded (or started, without --wait), 1 switchover not succeeded (or refused because one is
 * already running), 2 bad input, 3 cannot reach Temporal.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { formatHistory, HistoryError, historyOptionsFromEnv, parseSince, readHistory } from './history';
import { PLAN_USAGE, runPlanCli } from './plan-cli';
import { followSwitchover, liveSwitchoverProgress } from './progress-display';
import { parseArgs } from 'node:util';
import { SWITCHOVER_DEFINITIONS } from '../domain/catalog';
import { SWITCHOVER_KINDS, type SwitchoverKind } from '../domain/kinds';
import type { CliFlag } from '../services/definition';
import { TemporalConfigError } from '../shared/temporal-connection';
import {
  ApprovalRefusedError,
  awaitOutcome,
  cancelSwitchover,
  clientConfigFromEnv,
  decideApproval,
  connectClient,
  InputValidationError,
  prepareSwitchover,
  startPreparedSwitchover,
  SwitchoverAlreadyRunningError,
  switchoverProgress,
  TemporalUnreachableError,
  type SwitchoverOutcome,
} from './index';

export const EXIT = { succeeded: 0, notSucceeded: 1, badInput: 2, temporalUnreachable: 3 } as const;

class UsageError extends Error {}

/**
 * Flags every start command takes, and the input field each fills (numbers of seconds accept `300` or `300s`).
 * Each service's own flags come from its module (services/<kind>/service.ts, `cli.flags`).
 */
const COMMON_START_FLAGS: Readonly<Record<string, CliFlag & { note?: string }>> = {
  project: { field: 'projectId', type: 'string', value: '<project_id>', required: true },
  reason: { field: 'reason', type: 'string', value: '<text>' },
  'requested-by': { field: 'requestedBy', type: 'string', value: '<name>' },
  'dry-run': { field: 'dryRun', type: 'boolean' },
  'require-approval': { field: 'requireApproval', type: 'boolean' },
  'approval-timeout': { field: 'approvalTimeoutSeconds', type: 'string', seconds: true, value: '<s>' },
  at: { field: 'notBefore', type: 'string', value: '<ISO time>' },
  force: { field: 'force', type: 'boolean', note: '(needs --reason)' },
  'poll-interval': { field: 'pollIntervalSeconds', type: 'string', seconds: true, value: '<s>' },
  'max-poll-interval': { field: 'maxPollIntervalSeconds', type: 'string', seconds: true, value: '<s>' },
  timeout: { field: 'timeoutSeconds', type: 'string', seconds: true, value: '<s>' },
};
/** How the start command reports, not what it starts. */
const OUTPUT_FLAGS = {
  wait: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

function flagUsage(name: string, flag: CliFlag & { note?: string }): string {
  const text = [`--${name}`, flag.type === 'string' ? flag.value : undefined, flag.note]
    .filter(Boolean)
    .join(' ');
  return flag.required ? text : `[${text}]`;
}

function startUsage(kind: SwitchoverKind): string {
  const flags = { project: COMMON_START_FLAGS.project!, ...SWITCHOVER_DEFINITIONS[kind].cli.flags };
  return `  switchover ${kind} ${Object.entries(flags)
    .map(([name, flag]) => flagUsage(name, flag))
    .join(' ')} [start flags]`;
}

/** Words joined into lines of at most `width` characters, the first after `first`, the rest after `indent`. */
function wrap(words: string[], first: string, indent: string, width = 110): string {
  const lines = [first];
  for (const word of words) {
    const line = lines[lines.length - 1]!;
    if (line.length + word.length + 1 > width && line.trim() !== first.trim()) lines.push(`${indent}${word}`);
    else lines[lines.length - 1] = line.endsWith(' ') ? `${line}${word}` : `${line} ${word}`;
  }
  return lines.join('\n');
}

const USAGE = [
  'usage:',
  ...SWITCHOVER_KINDS.map(startUsage),
  wrap(
    [
      ...Object.entries(COMMON_START_FLAGS)
        .filter(([name]) => name !== 'project')
        .map(([name, flag]) => flagUsage(name, flag)),
      '[--wait]',
      '[--json]',
    ],
    '     start flags:',
    '                  ',
  ),
  '  switchover status <workflowId> [--json]',
  '  switchover result <workflowId> [--json]',
  '  switchover approve <workflowId> [--comment <text>] [--by <name>] [--json]',
  '  switchover reject <workflowId> [--comment <text>] [--by <name>] [--json]',
  '  switchover cancel <workflowId>',
  `  switchover history [--resource <id>] [--kind ${SWITCHOVER_KINDS.join('|')}] [--since <24h|7d|ISO time>] [--limit <n>] [--json]`,
  PLAN_USAGE,
  '',
  'environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (switchover),',
  '             TEMPORAL_UI_URL (http://localhost:8233), TEMPORAL_TLS*/TEMPORAL_API_KEY (as the worker),',
  '             SWITCHOVER_AUDIT_BACKEND/_FILE/_DATABASE_URL (history: as the worker)',
  'exit codes: 0 succeeded/started/done, 1 not succeeded or refused, 2 bad input, 3 cannot reach Temporal',
].join('\n');

/** The usage text (derived from the service modules). */
export function usage(): string {
  return USAGE;
}

interface Output {
  json: boolean;
  print(value: unknown, human: string): void;
}

function output(json: boolean): Output {
  return { json, print: (value, human) => console.log(json ? JSON.stringify(value, null, 2) : human) };
}

/** Numeric flags: absent stays absent (the schema default applies); non-numbers are passed through so the schema names them. */
function numberFlag(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/s$/, ''));
  return Number.isFinite(n) && value.trim() !== '' ? n : value;
}

function uiLink(workflowId: string, namespace: string): string {
  const base = (process.env.TEMPORAL_UI_URL || 'http://localhost:8233').replace(/\/$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** 0 for a success, and for a dry run that would proceed; 1 for everything else. */
function exitCodeOf(outcome: SwitchoverOutcome): number {
  if (outcome.status === 'succeeded') return EXIT.succeeded;
  if (outcome.status === 'dry_run')
    return outcome.details.wouldProceed === true ? EXIT.succeeded : EXIT.notSucceeded;
  return EXIT.notSucceeded;
}

export function describeOutcome(outcome: SwitchoverOutcome): string {
  const lines = [
    `${outcome.status.toUpperCase()}: ${outcome.message}`,
    `  workflow   ${outcome.workflowId} (run ${outcome.runId})`,
    `  resource   ${outcome.kind} ${outcome.resourceId} in project ${outcome.projectId}`,
    `  triggered  ${outcome.triggered ? 'yes' : 'no'}${outcome.jobId ? `, job ${outcome.jobId}` : ''}`,
    outcome.lastCloudStatus
      ? `  last cloud status ${outcome.lastCloudStatus} after ${outcome.polls} polls`
      : '',
    outcome.approval
      ? `  approval   ${outcome.approval.decision} by ${outcome.approval.by}${outcome.approval.comment ? `: ${outcome.approval.comment}` : ''}`
      : '',
    outcome.cloudError
      ? `  cloud error ${outcome.cloudError.code ?? ''} ${outcome.cloudError.message}`.replace(/ +/g, ' ')
      : '',
    `  duration   ${(outcome.durationMs / 1000).toFixed(1)} s (${outcome.startedAt} → ${outcome.finishedAt})`,
    typeof outcome.details.warning === 'string' ? `  WARNING    ${outcome.details.warning}` : '',
    outcome.notRecorded
      ? `  NOT RECORDED in the audit store yet (${outcome.notRecorded.reason}); workflow ${outcome.notRecorded.recordWorkflowId} keeps retrying`
      : '',
  ];
  return lines.filter(Boolean).join('\n');
}

function isStartCommand(command: string): command is SwitchoverKind {
  return (SWITCHOVER_KINDS as readonly string[]).includes(command);
}

/**
 * A start command's flags → the workflow input (absent flags stay absent: the schema's defaults apply) and how to
 * report. Numbers that are not numbers are passed through, so the schema names the field and its rule.
 */
export function parseStartCommand(
  kind: SwitchoverKind,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { input: Record<string, unknown>; wait: boolean; json: boolean } {
  const inputFlags = { ...COMMON_START_FLAGS, ...SWITCHOVER_DEFINITIONS[kind].cli.flags };
  const { values } = parseArgs({
    args,
    options: {
      ...Object.fromEntries(Object.entries(inputFlags).map(([name, flag]) => [name, { type: flag.type }])),
      ...OUTPUT_FLAGS,
    },
    strict: true,
  });
  const flags = values as Record<string, string | boolean | undefined>;
  const input: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(inputFlags)) {
    const value = flags[name];
    input[flag.field] = flag.seconds ? numberFlag(value as string | undefined) : value;
  }
  input.requestedBy ??= env.USER;
  const cleaned = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return { input: cleaned, wait: flags.wait === true, json: flags.json === true };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? EXIT.succeeded : EXIT.badInput;
  }
  // Runbook plans: their own module (client/plan-cli.ts) with its own flags and error handling.
  if (command === 'plan') return runPlanCli(rest);
  const config = clientConfigFromEnv();

  if (isStartCommand(command)) {
    const { input, wait, json } = parseStartCommand(command, rest);
    const out = output(json);
    // Validated here, once, before connecting: bad input is exit 2 even when Temporal is unreachable.
    const prepared = prepareSwitchover(command, input);
    const client = await connectClient(config);
    const handle = await startPreparedSwitchover(client, prepared, { taskQueue: config.taskQueue });
    const ui = uiLink(handle.workflowId, config.namespace);
    if (!wait) {
      out.print(
        { workflowId: handle.workflowId, runId: handle.firstExecutionRunId, ui },
        `started ${handle.workflowId} (run ${handle.firstExecutionRunId})\n  follow: switchover status ${handle.workflowId}\n  web UI: ${ui}`,
      );
      return EXIT.succeeded;
    }
    if (!out.json) console.log(`started ${handle.workflowId}; waiting for the outcome (web UI: ${ui})`);
    const result = awaitOutcome(handle);
    if (!out.json) {
      const live = () => liveSwitchoverProgress(handle, () => switchoverProgress(handle));
      await followSwitchover(handle.workflowId, live, result);
    }
    const outcome = await result;
    out.print(outcome, describeOutcome(outcome));
    return exitCodeOf(outcome);
  }

  if (command === 'approve' || command === 'reject') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        comment: { type: 'string' },
        by: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one workflow ID`);
    const by = values.by ?? process.env.USER;
    if (!by) throw new UsageError(`${command} needs --by <name> (or USER set)`);
    const client = await connectClient(config);
    const answer = await decideApproval(client, positionals[0]!, command, { by, comment: values.comment });
    output(values.json).print(answer, `${answer.workflowId}: ${answer.decision} by ${by}`);
    return EXIT.succeeded;
  }

  if (command === 'cancel') {
    const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new UsageError('cancel takes exactly one workflow ID');
    const client = await connectClient(config);
    await cancelSwitchover(client, positionals[0]!);
    console.log(
      `cancellation requested for ${positionals[0]}; see the outcome with: switchover result ${positionals[0]}`,
    );
    return EXIT.succeeded;
  }

  if (command === 'history') {
    const { values } = parseArgs({
      args: rest,
      options: {
        resource: { type: 'string' },
        kind: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (values.kind !== undefined && !isStartCommand(values.kind)) {
      throw new UsageError(`--kind must be one of ${SWITCHOVER_KINDS.join(', ')}`);
    }
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new UsageError('--limit must be a positive whole number');
    const outcomes = await readHistory({
      ...historyOptionsFromEnv(),
      resource: values.resource,
      kind: values.kind,
      since: values.since === undefined ? undefined : parseSince(values.since),
      limit,
    });
    console.log(formatHistory(outcomes, { json: values.json }));
    return EXIT.succeeded;
  }

  if (command === 'status' || command === 'result') {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError(`${command} takes exactly one workflow ID`);
    const out = output(values.json);
    const client = await connectClient(config);
    const handle = client.workflow.getHandle(positionals[0]);
    if (command === 'result') {
      const outcome = await awaitOutcome(handle);
      out.print(outcome, describeOutcome(outcome));
      return exitCodeOf(outcome);
    }
    const description = await handle.describe();
    const progress = await switchoverProgress(handle).catch(() => undefined);
    const status = {
      workflowId: description.workflowId,
      runId: description.runId,
      type: description.type,
      status: description.status.name,
      startTime: description.startTime.toISOString(),
      closeTime: description.closeTime?.toISOString(),
      progress,
      ui: uiLink(description.workflowId, config.namespace),
    };
    const human = [
      `${status.workflowId}: ${status.status} (${status.type}, run ${status.runId})`,
      progress ? `  phase ${progress.phase}${progress.outcome ? `, outcome ${progress.outcome}` : ''}` : '',
      progress?.lastCloudStatus
        ? `  last cloud status ${progress.lastCloudStatus} (${progress.polls} polls)`
        : '',
      progress?.deadline ? `  deadline ${progress.deadline}` : '',
      `  web UI: ${status.ui}`,
    ];
    out.print(status, human.filter(Boolean).join('\n'));
    return EXIT.succeeded;
  }

  throw new UsageError(`unknown command '${command}'`);
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof InputValidationError || error instanceof UsageError || isParseArgsError(error)) {
      console.error(`switchover: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT.badInput;
    }
    if (error instanceof TemporalConfigError) {
      console.error(`switchover: ${error.message}`);
      return EXIT.badInput;
    }
    if (error instanceof TemporalUnreachableError) {
      console.error(`switchover: ${error.message}`);
      return EXIT.temporalUnreachable;
    }
    if (error instanceof SwitchoverAlreadyRunningError) {
      console.error(`switchover: refused: ${error.message}`);
      return EXIT.notSucceeded;
    }
    if (error instanceof HistoryError) {
      console.error(`switchover: ${error.message}`);
      return EXIT.badInput;
    }
    if (error instanceof ApprovalRefusedError) {
      console.error(`switchover: refused: ${error.message}`);
      return EXIT.notSucceeded;
    }
    if (error instanceof WorkflowUpdateFailedError) {
      console.error(`switchover: refused: ${error.cause?.message ?? error.message}`);
      return EXIT.notSucceeded;
    }
    if (error instanceof WorkflowNotFoundError) {
      console.error(`switchover: no such workflow: ${error.message}`);
      return EXIT.badInput;
    }
    console.error(`switchover: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.notSucceeded;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
