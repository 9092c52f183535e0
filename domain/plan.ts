/**
 * Runbook plans: many switchovers as one ordered plan of stages, each with steps and a parallelism cap.
 * Pure and deterministic (used by the client before anything starts, and again inside the plan workflow, which
 * requires this module only when it runs: it evaluates zod). The report and progress types are plan-report.ts.
 */
import { z } from 'zod';
import { SWITCHOVER_DEFINITIONS, type SwitchoverDefinition } from './catalog';
import { switchoverWorkflowId, SWITCHOVER_KINDS, type SwitchoverKind } from './kinds';

export * from './plan-report';

/** The single-resource field of each kind, and the selector that lists several resources of that kind. */
export const RESOURCE_FIELDS = {
  dcs: { one: 'instanceId', many: 'instanceIds' },
  dws: { one: 'disasterRecoveryId', many: 'disasterRecoveryIds' },
  drs: { one: 'jobId', many: 'jobIds' },
} as const satisfies Record<SwitchoverKind, { one: string; many: string }>;

/** Workflow-history budget: steps started per run of the plan workflow before it continues as new. */
export const DEFAULT_STEPS_PER_RUN = 400;

const planName = z.string({ error: 'name is required' }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, {
  message: "name must be 1-100 letters, digits, '.', '-' or '_' (it is part of the plan's workflow ID)",
});

const stepShape = z
  .object({
    kind: z.enum(SWITCHOVER_KINDS, { message: "kind must be 'dcs', 'dws' or 'drs'" }),
    /** Optional label shown in the report. */
    name: z.string({ error: 'name must be text' }).max(200).optional(),
  })
  .loose();

const stageSchema = z
  .object({
    name: z
      .string({ error: 'name is required (a stage name for the report)' })
      .min(1, { message: 'name must not be empty' })
      .max(100, { message: 'name must be at most 100 characters' }),
    parallelism: z
      .number({ error: 'parallelism must be a whole number' })
      .int({ message: 'parallelism must be a whole number' })
      .min(1, { message: 'parallelism must be at least 1' })
      .max(100, { message: 'parallelism must be at most 100' })
      .default(1),
    onFailure: z
      .enum(['stop', 'continue'], { message: "onFailure must be 'stop' or 'continue'" })
      .default('stop'),
    requireApproval: z.boolean({ error: 'requireApproval must be true or false' }).default(false),
    steps: z
      .array(stepShape, { error: 'steps must be a list of steps' })
      .min(1, { message: 'steps must list at least one step' }),
  })
  .strict();

const planSchema = z
  .object({
    name: planName,
    description: z.string({ error: 'description must be text' }).max(2000).optional(),
    reason: z.string({ error: 'reason must be text' }).max(500).optional(),
    requestedBy: z.string({ error: 'requestedBy must be text' }).max(128).optional(),
    /** Every step's preflight only; nothing is sent. */
    dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false),
    /** Wait for an approval (four eyes) before the first stage. */
    requireApproval: z.boolean({ error: 'requireApproval must be true or false' }).default(false),
    approvalTimeoutSeconds: z
      .number({ error: 'approvalTimeoutSeconds must be a number of seconds' })
      .int({ message: 'approvalTimeoutSeconds must be a whole number' })
      .min(1, { message: 'approvalTimeoutSeconds must be at least 1' })
      .max(7 * 24 * 3600, { message: 'approvalTimeoutSeconds must be at most 604800 (7 days)' })
      .default(3600),
    /** Step input fields applied to every step that does not set them (e.g. projectId, pollIntervalSeconds). */
    defaults: z
      .record(z.string(), z.unknown(), { error: 'defaults must be a mapping of input fields' })
      .optional(),
    /** History budget: steps started per workflow run before the plan continues as new. */
    stepsPerRun: z
      .number({ error: 'stepsPerRun must be a whole number' })
      .int({ message: 'stepsPerRun must be a whole number' })
      .min(1, { message: 'stepsPerRun must be at least 1' })
      .max(1000, { message: 'stepsPerRun must be at most 1000' })
      .default(DEFAULT_STEPS_PER_RUN),
    stages: z
      .array(stageSchema, { error: 'stages must be a list of stages' })
      .min(1, { message: 'stages must list at least one stage' }),
  })
  .strict();

export type PlanDocument = z.input<typeof planSchema>;

export interface PlanStep {
  /** Position in the plan file, e.g. `stages[1].steps[3]` or `stages[1].steps[3].instanceIds[2]`. */
  path: string;
  /** Index over all steps in run order (0-based). */
  index: number;
  stage: number;
  kind: SwitchoverKind;
  name?: string;
  projectId: string;
  resourceId: string;
  /** The per-resource lock: the same ID a direct start uses. */
  workflowId: string;
  /** `DCS instance X`. */
  label: string;
  /** The child workflow's input (validated with the kind's own schema). */
  input: Record<string, unknown>;
}

export interface PlanStage {
  name: string;
  parallelism: number;
  onFailure: 'stop' | 'continue';
  requireApproval: boolean;
  steps: PlanStep[];
}

export interface ResolvedPlan {
  name: string;
  description?: string;
  reason?: string;
  requestedBy?: string;
  dryRun: boolean;
  reverse: boolean;
  requireApproval: boolean;
  approvalTimeoutSeconds: number;
  stepsPerRun: number;
  stages: PlanStage[];
  totalSteps: number;
}

export interface PlanOptions {
  /** Run the stages in reverse order, each step's inverse (the switch back). */
  reverse?: boolean;
  /** Force a dry run whatever the file says. */
  dryRun?: boolean;
  /** Who runs it (the CLI's user) when the file does not say. */
  requestedBy?: string;
}

export interface PlanIssue {
  /** e.g. `stages[1].steps[3].mode` (0-based indexes); empty for the document itself. */
  path: Array<string | number>;
  message: string;
}

export class PlanValidationError extends Error {
  override name = 'PlanValidationError';
  constructor(
    readonly issues: PlanIssue[],
    readonly source = 'plan',
    /** Renders a path with its position in the file (e.g. line numbers), when known. */
    locate: (path: Array<string | number>) => string = formatPath,
  ) {
    super(
      `invalid plan ${source}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((issue) => `  ${locate(issue.path)}: ${issue.message}`).join('\n'),
    );
  }
}

/** `['stages', 1, 'steps', 3, 'mode']` → `stages[1].steps[3].mode`. */
export function formatPath(path: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(plan)';
}

function zodIssues(error: z.ZodError, prefix: Array<string | number> = []): PlanIssue[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...(issue.path as Array<string | number>)];
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `unknown field(s) ${issue.keys.join(', ')}` };
    }
    return { path, message: issue.message };
  });
}

/** Plan name → the plan's workflow ID (one run of a plan at a time, forward or reverse). */
export function planWorkflowId(name: string): string {
  return `plan:${name}`;
}

/**
 * Validates a plan document (parsed YAML or JSON) and expands it into concrete steps, reversed if asked.
 * Throws PlanValidationError listing every problem with its path and rule; nothing is contacted.
 */
export function resolvePlan(document: unknown, options: PlanOptions = {}, source?: string): ResolvedPlan {
  const parsed = planSchema.safeParse(document);
  if (!parsed.success) throw new PlanValidationError(zodIssues(parsed.error), source);
  const doc = parsed.data;
  const issues: PlanIssue[] = [];
  const reverse = options.reverse === true;
  const dryRun = options.dryRun === true || doc.dryRun;
  const requestedBy = doc.requestedBy ?? options.requestedBy;
  const defaults = doc.defaults ?? {};
  for (const key of ['kind', 'name', 'dryRun']) {
    if (key in defaults)
      issues.push({
        path: ['defaults', key],
        message: `${key} cannot be a default (set it per step or plan)`,
      });
  }

  let index = 0;
  const stages: PlanStage[] = doc.stages.map((stage, s) => {
    const steps: PlanStep[] = [];
    const seen = new Map<string, string>();
    stage.steps.forEach((raw, k) => {
      const stepPath: Array<string | number> = ['stages', s, 'steps', k];
      const kind = raw.kind;
      const definition: SwitchoverDefinition = SWITCHOVER_DEFINITIONS[kind];
      const fields = RESOURCE_FIELDS[kind];
      const { kind: _kind, name, [fields.many]: many, ...rest } = raw as Record<string, unknown>;
      void _kind;
      let targets: Array<{ id: unknown; path: Array<string | number> }>;
      if (many !== undefined) {
        if (rest[fields.one] !== undefined) {
          issues.push({
            path: [...stepPath, fields.many],
            message: `set either ${fields.one} or ${fields.many}, not both`,
          });
          return;
        }
        if (!Array.isArray(many) || many.length === 0) {
          issues.push({
            path: [...stepPath, fields.many],
            message: `${fields.many} must be a non-empty list of ${definition.resourceLabel} IDs`,
          });
          return;
        }
        targets = many.map((id, j) => ({ id, path: [...stepPath, fields.many, j] }));
      } else {
        targets = [{ id: rest[fields.one], path: stepPath }];
      }
      for (const target of targets) {
        const input: Record<string, unknown> = { ...defaults, ...rest, [fields.one]: target.id };
        if (input.reason === undefined && doc.reason !== undefined) input.reason = doc.reason;
        if (input.requestedBy === undefined && requestedBy !== undefined) input.requestedBy = requestedBy;
        if (dryRun) input.dryRun = true;
        const result = definition.schema.safeParse(input);
        if (!result.success) {
          for (const issue of result.error.issues) {
            const field = issue.path[0];
            const fromDefaults =
              typeof field === 'string' && field in defaults && !(field in rest) && field !== fields.one;
            const where: Array<string | number> = fromDefaults
              ? ['defaults', ...(issue.path as Array<string | number>)]
              : field === fields.one && many !== undefined
                ? target.path
                : [...target.path, ...(issue.path as Array<string | number>)];
            const message =
              issue.code === 'unrecognized_keys'
                ? `unknown field(s) ${issue.keys.join(', ')} for a ${kind} step`
                : issue.message;
            if (!issues.some((i) => formatPath(i.path) === formatPath(where) && i.message === message))
              issues.push({ path: where, message });
          }
          continue;
        }
        const params = result.data as Record<string, unknown> & { projectId: string };
        const resourceId = definition.resourceOf(params as never);
        const workflowId = switchoverWorkflowId(kind, params.projectId, resourceId);
        const here = formatPath(target.path);
        const earlier = seen.get(workflowId);
        if (earlier) {
          issues.push({
            path: target.path,
            message: `${definition.resourceLabel} ${resourceId} is already a step of this stage (${earlier}); one switchover per resource at a time`,
          });
          continue;
        }
        seen.set(workflowId, here);
        if (reverse && kind === 'dws' && params.mode === 'failover') {
          issues.push({
            path: [...stepPath, 'mode'],
            message:
              'a DWS failover has no safe inverse: after an exception switchover the old production cluster is ' +
              'faulty or out of sync, so switching back needs the disaster recovery re-established and a planned ' +
              'switchover; refusing --reverse',
          });
          continue;
        }
        steps.push({
          path: here,
          index: 0,
          stage: s,
          kind,
          name: name as string | undefined,
          projectId: params.projectId,
          resourceId,
          workflowId,
          label: `${definition.resourceLabel} ${resourceId}`,
          input: reverse ? inverseInput(kind, input) : input,
        });
      }
    });
    return {
      name: stage.name,
      parallelism: stage.parallelism,
      onFailure: stage.onFailure,
      requireApproval: stage.requireApproval,
      steps,
    };
  });
  if (issues.length) throw new PlanValidationError(issues, source);

  const ordered = reverse
    ? stages.reverse().map((stage) => ({ ...stage, steps: stage.steps.reverse() }))
    : stages;
  for (const stage of ordered) for (const step of stage.steps) step.index = index++;
  return {
    name: doc.name,
    description: doc.description,
    reason: reverse ? `switch back${doc.reason ? `: ${doc.reason}` : ''}` : doc.reason,
    requestedBy,
    dryRun,
    reverse,
    requireApproval: doc.requireApproval,
    approvalTimeoutSeconds: doc.approvalTimeoutSeconds,
    stepsPerRun: doc.stepsPerRun,
    stages: ordered,
    totalSteps: index,
  };
}

/**
 * A step's inverse (the switch back):
 * - DCS: another master/standby swap of the same instance puts the original master back.
 * - DWS planned switchover: another planned switchover of the same disaster recovery swaps the roles back (same
 *   input: the DR's current primary becomes standby again). A failover has none: refused in validation.
 * - DRS: `mode` names the side whose virtual IP moves to the other node of that side; switching the same side
 *   again moves it back. (Switching the other side would move the other side's VIP, not restore this one.)
 */
function inverseInput(kind: SwitchoverKind, input: Record<string, unknown>): Record<string, unknown> {
  const reason = typeof input.reason === 'string' ? `switch back: ${input.reason}` : 'switch back';
  switch (kind) {
    case 'dcs':
    case 'dws':
    case 'drs':
      return { ...input, reason: reason.slice(0, 500) };
  }
}
