import type { z } from 'zod';
import { dcsSwitchoverInputSchema, drsSwitchoverInputSchema, dwsSwitchoverInputSchema } from './inputs';
import { WORKFLOW_TYPES, type SwitchoverKind } from './kinds';

/** What the client, the workflows and the docs need to know about each kind of switchover, in one place. */
export interface SwitchoverDefinition<S extends z.ZodType = z.ZodType> {
  kind: SwitchoverKind;
  workflowType: string;
  schema: S;
  /** Human name of the resource, e.g. `DCS instance`. */
  resourceLabel: string;
  resourceOf(params: z.output<S>): string;
}

export const dcsDefinition = {
  kind: 'dcs',
  workflowType: WORKFLOW_TYPES.dcs,
  schema: dcsSwitchoverInputSchema,
  resourceLabel: 'DCS instance',
  resourceOf: (params: z.output<typeof dcsSwitchoverInputSchema>) => params.instanceId,
} satisfies SwitchoverDefinition<typeof dcsSwitchoverInputSchema>;

export const dwsDefinition = {
  kind: 'dws',
  workflowType: WORKFLOW_TYPES.dws,
  schema: dwsSwitchoverInputSchema,
  resourceLabel: 'DWS disaster recovery',
  resourceOf: (params: z.output<typeof dwsSwitchoverInputSchema>) => params.disasterRecoveryId,
} satisfies SwitchoverDefinition<typeof dwsSwitchoverInputSchema>;

export const drsDefinition = {
  kind: 'drs',
  workflowType: WORKFLOW_TYPES.drs,
  schema: drsSwitchoverInputSchema,
  resourceLabel: 'DRS task',
  resourceOf: (params: z.output<typeof drsSwitchoverInputSchema>) => params.jobId,
} satisfies SwitchoverDefinition<typeof drsSwitchoverInputSchema>;

export const SWITCHOVER_DEFINITIONS = {
  dcs: dcsDefinition,
  dws: dwsDefinition,
  drs: drsDefinition,
} as const satisfies Record<SwitchoverKind, SwitchoverDefinition>;
