/**
 * Typed client for runbooks: start a switchover (validated before anything reaches Temporal or the cloud),
 * read its progress, await its outcome.
 */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { SWITCHOVER_DEFINITIONS, type SwitchoverDefinition } from '../domain/catalog';
import { SWITCHOVER_NOT_SUCCEEDED } from '../domain/failures';
import { parseInput, type DcsSwitchoverInput } from '../domain/inputs';
import { DEFAULT_TASK_QUEUE, switchoverWorkflowId } from '../domain/kinds';
import type { SwitchoverOutcome } from '../domain/outcome';
import { SA_KIND, SA_PROJECT, SA_RESOURCE } from '../domain/search-attributes';
import type { SwitchoverProgress } from '../workflows/switchover';
import { approveUpdate, rejectUpdate, type ApprovalAnswer } from '../workflows/approval';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../shared/temporal-connection';
import { explainStartFailure } from '../shared/search-attributes-check';

export { SearchAttributesMissingError } from '../shared/search-attributes-check';

export { InputValidationError } from '../domain/inputs';
export type { SwitchoverOutcome } from '../domain/outcome';
export type { SwitchoverProgress } from '../workflows/switchover';

export interface ClientConfig {
  /** Address, TLS / mTLS and API key, from the same variables as the worker's. */
  connection: TemporalConnectionOptions;
  namespace: string;
  taskQueue: string;
}

export function clientConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  return {
    connection: temporalConnectionOptions(env),
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
  };
}

export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
}

export async function connectClient(config: ClientConfig): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...config.connection, connectTimeout: '5s' });
    return new Client({ connection, namespace: config.namespace });
  } catch (error) {
    throw new TemporalUnreachableError(
      `cannot reach Temporal at ${config.connection.address}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A switchover of the same resource is already running: the per-resource lock refused this one. */
export class SwitchoverAlreadyRunningError extends Error {
  override name = 'SwitchoverAlreadyRunningError';
  constructor(
    readonly workflowId: string,
    readonly runId?: string,
  ) {
    super(
      `a switchover of this resource is already running: workflow ${workflowId}${runId ? ` (run ${runId})` : ''}; ` +
        `inspect it with 'switchover status ${workflowId}' or wait for it to finish`,
    );
  }
}

export interface StartOptions {
  taskQueue?: string;
}

/** A switchover input validated once for its kind: what startPreparedSwitchover starts. */
export interface PreparedSwitchover {
  kind: keyof typeof SWITCHOVER_DEFINITIONS;
  /** The input as given (the workflow validates it again and applies the defaults itself). */
  input: unknown;
  /** The parsed input, defaults applied. */
  params: { projectId: string; reason?: string; requestedBy?: string } & Record<string, unknown>;
  resourceId: string;
  workflowId: string;
}

/** Checks input for `kind` without contacting anything; throws InputValidationError naming each bad field. */
export function prepareSwitchover(
  kind: keyof typeof SWITCHOVER_DEFINITIONS,
  input: unknown,
): PreparedSwitchover {
  const definition: SwitchoverDefinition = SWITCHOVER_DEFINITIONS[kind];
  const params = parseInput(
    definition.workflowType,
    definition.schema,
    input,
  ) as PreparedSwitchover['params'];
  const resourceId = definition.resourceOf(params);
  return {
    kind,
    input,
    params,
    resourceId,
    workflowId: switchoverWorkflowId(kind, params.projectId, resourceId),
  };
}

/** Checks input for `kind` without contacting anything; throws InputValidationError naming each bad field. */
export function validateSwitchoverInput(kind: keyof typeof SWITCHOVER_DEFINITIONS, input: unknown): void {
  prepareSwitchover(kind, input);
}

/** Validates, then starts `kind`'s workflow under its per-resource ID. Throws InputValidationError on bad input. */
export async function startSwitchover(
  client: Client,
  kind: keyof typeof SWITCHOVER_DEFINITIONS,
  input: unknown,
  options: StartOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return startPreparedSwitchover(client, prepareSwitchover(kind, input), options);
}

/** Starts a switchover whose input prepareSwitchover already validated (the CLI validates before connecting). */
export async function startPreparedSwitchover(
  client: Client,
  prepared: PreparedSwitchover,
  options: StartOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const { kind, input, params, resourceId, workflowId } = prepared;
  const definition: SwitchoverDefinition = SWITCHOVER_DEFINITIONS[kind];
  try {
    return await client.workflow.start(definition.workflowType, {
      workflowId,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: staticSummary(definition, params, resourceId),
      staticDetails: staticDetails(definition, params, resourceId),
      typedSearchAttributes: [
        { key: SA_KIND, value: kind },
        { key: SA_PROJECT, value: params.projectId },
        { key: SA_RESOURCE, value: resourceId },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      throw new SwitchoverAlreadyRunningError(workflowId, running?.runId);
    }
    throw (
      (await explainStartFailure(error, client.connection.operatorService, client.options.namespace)) ?? error
    );
  }
}

/** One line for the UI's list: kind, resource, the reason, and how it will run. */
function staticSummary(
  definition: SwitchoverDefinition,
  params: Record<string, unknown>,
  resourceId: string,
): string {
  const flags = [
    params.dryRun ? 'DRY RUN' : '',
    params.requireApproval ? 'needs approval' : '',
    params.notBefore ? `scheduled ${String(params.notBefore)}` : '',
    params.force ? 'FORCED' : '',
  ].filter(Boolean);
  return (
    `Switchover of ${definition.resourceLabel} ${resourceId}` +
    (params.requestedBy ? ` by ${String(params.requestedBy)}` : '') +
    (flags.length ? ` [${flags.join(', ')}]` : '') +
    (params.reason ? `: ${String(params.reason)}` : '')
  );
}

function staticDetails(
  definition: SwitchoverDefinition,
  params: Record<string, unknown>,
  resourceId: string,
): string {
  const rows = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `| ${key} | ${String(value).replace(/\|/g, '\\|')} |`);
  return [
    `### ${definition.workflowType}`,
    `${definition.resourceLabel} **${resourceId}** in project **${String(params.projectId)}**`,
    params.requestedBy ? `Requested by **${String(params.requestedBy)}**` : '',
    params.reason ? `Reason: ${String(params.reason)}` : '',
    '',
    '| input | value |',
    '| --- | --- |',
    ...rows,
  ]
    .filter((line, index) => line !== '' || index > 3)
    .join('\n');
}

export async function startDcsSwitchover(
  client: Client,
  input: DcsSwitchoverInput,
  options?: StartOptions,
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return startSwitchover(client, 'dcs', input, options);
}

/** The outcome of a finished switchover, whether it succeeded or not (the failure carries the outcome). */
export async function awaitOutcome(handle: WorkflowHandle): Promise<SwitchoverOutcome> {
  try {
    return (await handle.result()) as SwitchoverOutcome;
  } catch (error) {
    const outcome = outcomeOfFailure(error);
    if (outcome) return outcome;
    throw error;
  }
}

export function outcomeOfFailure(error: unknown): SwitchoverOutcome | undefined {
  if (!(error instanceof WorkflowFailedError)) return undefined;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type === SWITCHOVER_NOT_SUCCEEDED) {
    return cause.details?.[0] as SwitchoverOutcome;
  }
  return undefined;
}

export async function switchoverProgress(handle: WorkflowHandle): Promise<SwitchoverProgress> {
  return handle.query<SwitchoverProgress>('progress');
}

/** The switchover cannot take this decision (not waiting, already decided, four eyes). */
export class ApprovalRefusedError extends Error {
  override name = 'ApprovalRefusedError';
}

export interface ApprovalInput {
  by: string;
  comment?: string;
}

/** Answers a switchover waiting at its approval gate. The workflow refuses (with the reason) when it is not waiting. */
export async function decideApproval(
  client: Client,
  workflowId: string,
  decision: 'approve' | 'reject',
  input: ApprovalInput,
): Promise<ApprovalAnswer> {
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  if (status.name !== 'RUNNING') {
    throw new ApprovalRefusedError(
      `${workflowId} is not waiting for approval: it has ended (${status.name})`,
    );
  }
  return handle.executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, { args: [input] });
}

/** Requests cancellation: before the trigger nothing is switched; after it, the outcome says so honestly. */
export async function cancelSwitchover(client: Client, workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).cancel();
}
