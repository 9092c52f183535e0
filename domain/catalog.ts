/**
 * What the client, the workflows and the docs need to know about each kind of switchover: derived from the
 * service modules (services/<kind>/service.ts) through services/registry.ts.
 */
import type { z } from 'zod';
import type { ServiceDefinition } from '../services/definition';
import { SERVICES_BY_KIND } from '../services/registry';
import type { SwitchoverKind } from './kinds';

export type { ServiceDefinition, ServicePhaseNames } from '../services/definition';

export type SwitchoverDefinition<S extends z.ZodType = z.ZodType> = ServiceDefinition<SwitchoverKind, S>;

export { dcsService as dcsDefinition } from '../services/dcs/service';
export { dwsService as dwsDefinition } from '../services/dws/service';
export { drsService as drsDefinition } from '../services/drs/service';

export const SWITCHOVER_DEFINITIONS = SERVICES_BY_KIND satisfies Record<SwitchoverKind, SwitchoverDefinition>;
