/**
 * Every service this tool switches: the one list the catalog, the kinds, the CLI, the region table and the
 * cloud clients are derived from. Workflow-safe (definitions only); the runtime half is services/runtime.ts.
 * Adding a service: one line here (and its runtime line in services/runtime.ts, which the compiler asks for).
 */
import { dcsService } from './dcs/service';
import { drsService } from './drs/service';
import { dwsService } from './dws/service';

export const SERVICES = [dcsService, dwsService, drsService] as const;

export type Service = (typeof SERVICES)[number];
export type ServiceKind = Service['kind'];
/** The definition of one kind, with its own schema and phase names. */
export type ServiceOf<K extends ServiceKind> = Extract<Service, { kind: K }>;

export const SERVICES_BY_KIND = Object.fromEntries(SERVICES.map((service) => [service.kind, service])) as {
  [K in ServiceKind]: ServiceOf<K>;
};
