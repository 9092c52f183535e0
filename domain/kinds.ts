/** The services this tool switches, and how a switchover of each is named. */
export const SWITCHOVER_KINDS = ['dcs', 'dws', 'drs'] as const;
export type SwitchoverKind = (typeof SWITCHOVER_KINDS)[number];

/** Workflow type names, as runbooks and the plain `temporal` CLI start them. */
export const WORKFLOW_TYPES = {
  dcs: 'dcsMasterStandbySwitchover',
  dws: 'dwsDisasterRecoverySwitchover',
  drs: 'drsVipSwitchover',
} as const satisfies Record<SwitchoverKind, string>;

/**
 * Deterministic workflow ID per resource: `<kind>:<project>:<resource>`. With the ID conflict policy
 * FAIL, Temporal itself refuses a second concurrent switchover of the same resource.
 */
export function switchoverWorkflowId(kind: SwitchoverKind, projectId: string, resourceId: string): string {
  return `${kind}:${projectId}:${resourceId}`;
}

export const DEFAULT_TASK_QUEUE = 'switchover';
