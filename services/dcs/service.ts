/** DCS (Redis) master/standby swap: what the client, the workflow and the worker know about it (workflow-safe). */
import { defineService, inputSchemas } from '../definition';
import type { DcsSwitchoverParams } from './schema';

export const dcsService = defineService({
  kind: 'dcs',
  workflowType: 'dcsMasterStandbySwitchover',
  label: 'DCS (Redis)',
  resourceLabel: 'DCS instance',
  get schema() {
    return inputSchemas().dcsSwitchoverInputSchema;
  },
  resourceOf: (params: DcsSwitchoverParams) => params.instanceId,
  phases: { preflight: 'dcsPreflight', trigger: 'dcsTrigger', await: 'dcsAwaitSwap', verify: 'dcsVerify' },
  cli: {
    flags: {
      instance: { field: 'instanceId', type: 'string', value: '<instance_id>', required: true },
      'swap-mode': { field: 'swapMode', type: 'string', value: 'sync|async' },
    },
  },
  // DCS stays on `.myhuaweicloud.com` in the European site (as the SDKs list it).
  endpoints: { huaweiEuSite: false },
});
