import { SERVICES, type ServiceKind } from '../services/registry';

/** The services this tool switches (derived from services/registry.ts), and how a switchover of each is named. */
export type SwitchoverKind = ServiceKind;
export const SWITCHOVER_KINDS = SERVICES.map((service) => service.kind) as unknown as readonly [
  SwitchoverKind,
  ...SwitchoverKind[],
];

/** Workflow type names, as runbooks and the plain `temporal` CLI start them. */
export const WORKFLOW_TYPES = Object.fromEntries(
  SERVICES.map((service) => [service.kind, service.workflowType]),
) as { readonly [K in SwitchoverKind]: Extract<(typeof SERVICES)[number], { kind: K }>['workflowType'] };

/**
 * Deterministic workflow ID per resource: `<kind>:<project>:<resource>`. With the ID conflict policy
 * FAIL, Temporal itself refuses a second concurrent switchover of the same resource.
 */
export function switchoverWorkflowId(kind: SwitchoverKind, projectId: string, resourceId: string): string {
  return `${kind}:${projectId}:${resourceId}`;
}

/** Why a run under `workflowId` must not go on (the ID is the per-resource lock), or undefined when it is its own. */
export function workflowIdProblem(
  kind: SwitchoverKind,
  projectId: string,
  resourceId: string,
  workflowId: string,
): string | undefined {
  const expected = switchoverWorkflowId(kind, projectId, resourceId);
  return workflowId === expected
    ? undefined
    : `workflow ID must be '${expected}' (one switchover per resource at a time), got '${workflowId}'`;
}

export const DEFAULT_TASK_QUEUE = 'switchover';
