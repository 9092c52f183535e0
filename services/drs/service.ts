/** DRS dual-virtual-IP switchover: what the client, the workflow and the worker know about it (workflow-safe). */
import { defineService, inputSchemas } from '../definition';
import type { DrsSwitchoverParams } from './schema';

export const drsService = defineService({
  kind: 'drs',
  workflowType: 'drsVipSwitchover',
  label: 'DRS',
  resourceLabel: 'DRS task',
  get schema() {
    return inputSchemas().drsSwitchoverInputSchema;
  },
  resourceOf: (params: DrsSwitchoverParams) => params.jobId,
  phases: { preflight: 'drsPreflight', trigger: 'drsTrigger', await: 'drsAwaitVip', verify: 'drsVerify' },
  cli: {
    flags: {
      job: { field: 'jobId', type: 'string', value: '<drs_task_id>', required: true },
      mode: { field: 'mode', type: 'string', value: 'source|target', required: true },
    },
  },
  endpoints: { huaweiEuSite: true },
});
