/** The DRS switchover's input schema (zod): read through `drsService.schema` (service.ts) or domain/inputs.ts. */
import { z } from 'zod';
import { cloudId, commonSwitchoverFields, forceNeedsReason } from '../../domain/input-fields';

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
