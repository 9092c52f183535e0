/** The DWS switchover's input schema (zod): read through `dwsService.schema` (service.ts) or domain/inputs.ts. */
import { z } from 'zod';
import { cloudId, commonSwitchoverFields, forceNeedsReason } from '../../domain/input-fields';

export const dwsSwitchoverInputSchema = z
  .object({
    ...commonSwitchoverFields,
    disasterRecoveryId: cloudId('disasterRecoveryId'),
    /**
     * `switchover`: planned, no data loss, needs DR status `running`.
     * `failover`: the exception switchover for a faulty production cluster; unsynchronized data is lost.
     */
    mode: z.enum(['switchover', 'failover'], { message: "mode must be 'switchover' or 'failover'" }),
    /** Allowed window between now and the standby's last successful synchronization (failover data-loss gate). */
    maxDataLossSeconds: z
      .number({ error: 'maxDataLossSeconds must be a number of seconds' })
      .int({ message: 'maxDataLossSeconds must be a whole number' })
      .min(0, { message: 'maxDataLossSeconds must be at least 0' })
      .max(7 * 24 * 3600, { message: 'maxDataLossSeconds must be at most 604800' })
      .default(300),
  })
  .strict()
  .refine(forceNeedsReason.check, forceNeedsReason.error);

export type DwsSwitchoverInput = z.input<typeof dwsSwitchoverInputSchema>;
export type DwsSwitchoverParams = z.output<typeof dwsSwitchoverInputSchema>;
