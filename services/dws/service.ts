/** DWS disaster-recovery switchover / failover: what the client, the workflow and the worker know (workflow-safe). */
import { z } from 'zod';
import { cloudId, commonSwitchoverFields, forceNeedsReason } from '../../domain/input-fields';
import { defineService } from '../definition';

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

export const dwsService = defineService({
  kind: 'dws',
  workflowType: 'dwsDisasterRecoverySwitchover',
  label: 'DWS disaster recovery',
  resourceLabel: 'DWS disaster recovery',
  schema: dwsSwitchoverInputSchema,
  resourceOf: (params: DwsSwitchoverParams) => params.disasterRecoveryId,
  phases: { preflight: 'dwsPreflight', trigger: 'dwsTrigger', await: 'dwsAwaitSwitch', verify: 'dwsVerify' },
  cli: {
    flags: {
      dr: { field: 'disasterRecoveryId', type: 'string', value: '<disaster_recovery_id>', required: true },
      mode: { field: 'mode', type: 'string', value: 'switchover|failover', required: true },
      'max-data-loss': { field: 'maxDataLossSeconds', type: 'string', seconds: true, value: '<s>' },
    },
  },
  endpoints: {
    // Open Telekom Cloud offers DWS only in eu-de, and its DR API is not in the OTC API reference.
    otcRegions: ['eu-de'],
    otcOptIn: true,
    huaweiEuSite: true,
    // huaweicloud-sdk-go-v3 services/dws/v2/region/region.go
    huaweiDomains: { 'tr-west-1': 'myhuaweicloud.cn', 'ap-southeast-4': 'myhuaweicloud.cn' },
  },
});
