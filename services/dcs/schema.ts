/** The DCS switchover's input schema (zod): read through `dcsService.schema` (service.ts) or domain/inputs.ts. */
import { z } from 'zod';
import { cloudId, commonSwitchoverFields, forceNeedsReason } from '../../domain/input-fields';

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
