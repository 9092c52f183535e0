import type { z } from 'zod';
import { dcsSwitchoverInputSchema } from './inputs';
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

export const SWITCHOVER_DEFINITIONS = {
  dcs: dcsDefinition,
} as const;
