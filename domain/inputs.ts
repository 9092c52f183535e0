/**
 * Workflow inputs: the common fields and rules (input-fields.ts) and each service's schema, which lives in its
 * service module (services/<kind>/schema.ts) and is re-exported here. Evaluates zod: workflow code imports only its
 * types (services/definition.ts, `inputSchemas`).
 */
export * from './input-fields';
export {
  dcsSwitchoverInputSchema,
  type DcsSwitchoverInput,
  type DcsSwitchoverParams,
} from '../services/dcs/schema';
export {
  dwsSwitchoverInputSchema,
  type DwsSwitchoverInput,
  type DwsSwitchoverParams,
} from '../services/dws/schema';
export {
  drsSwitchoverInputSchema,
  type DrsSwitchoverInput,
  type DrsSwitchoverParams,
} from '../services/drs/schema';
