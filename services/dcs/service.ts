/** DCS (Redis) master/standby swap: what the client, the workflow and the worker know about it (workflow-safe). */
import { z } from 'zod';
import { cloudId, commonSwitchoverFields, forceNeedsReason } from '../../domain/input-fields';
import { defineService } from '../definition';

export const dcsSwitchoverInputSchema = z
  .object({
    ...commonSwitchoverFields,
    instanceId: cloudId('instanceId'),
    /**
     * `sync`: the documented `POST .../swap` (204, both clouds), then the job is found in the instance's
     * tasks or the switch is verified through instance state and `/groups`.
     * `async`: `PUT .../async-swap` (Huawei Cloud only), which returns the job id.
     */
    swapMode: z.enum(['sync', 'async'], { message: "swapMode must be 'sync' or 'async'" }).default('sync'),
  })
  .strict()
  .refine(forceNeedsReason.check, forceNeedsReason.error);

export type DcsSwitchoverInput = z.input<typeof dcsSwitchoverInputSchema>;
export type DcsSwitchoverParams = z.output<typeof dcsSwitchoverInputSchema>;

export const dcsService = defineService({
  kind: 'dcs',
  workflowType: 'dcsMasterStandbySwitchover',
  label: 'DCS (Redis)',
  resourceLabel: 'DCS instance',
  schema: dcsSwitchoverInputSchema,
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
