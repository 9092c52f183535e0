/** DRS dual-virtual-IP switchover: what the client, the workflow and the worker know about it (workflow-safe). */
import { z } from 'zod';
import { cloudId, commonSwitchoverFields, forceNeedsReason } from '../../domain/input-fields';
import { defineService } from '../definition';

export const drsSwitchoverInputSchema = z
  .object({
    ...commonSwitchoverFields,
    /** The DRS task (for a cross-AZ task, the parent task). */
    jobId: cloudId('jobId'),
    /** Which side's virtual IP becomes the primary. */
    mode: z.enum(['source', 'target'], { message: "mode must be 'source' or 'target'" }),
  })
  .strict()
  .refine(forceNeedsReason.check, forceNeedsReason.error);

export type DrsSwitchoverInput = z.input<typeof drsSwitchoverInputSchema>;
export type DrsSwitchoverParams = z.output<typeof drsSwitchoverInputSchema>;

export const drsService = defineService({
  kind: 'drs',
  workflowType: 'drsVipSwitchover',
  label: 'DRS',
  resourceLabel: 'DRS task',
  schema: drsSwitchoverInputSchema,
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
