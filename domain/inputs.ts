/**
 * Workflow inputs: the common fields and rules (input-fields.ts) and each service's schema, which lives in its
 * service module (services/<kind>/service.ts) and is re-exported here.
 */
export * from './input-fields';
export {
  dcsSwitchoverInputSchema,
  type DcsSwitchoverInput,
  type DcsSwitchoverParams,
} from '../services/dcs/service';
export {
  dwsSwitchoverInputSchema,
  type DwsSwitchoverInput,
  type DwsSwitchoverParams,
} from '../services/dws/service';
export {
  drsSwitchoverInputSchema,
  type DrsSwitchoverInput,
  type DrsSwitchoverParams,
} from '../services/drs/service';
