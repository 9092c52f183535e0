/** DWS disaster-recovery switchover / failover: what the client, the workflow and the worker know (workflow-safe). */
import { defineService, inputSchemas } from '../definition';
import type { DwsSwitchoverParams } from './schema';

export const dwsService = defineService({
  kind: 'dws',
  workflowType: 'dwsDisasterRecoverySwitchover',
  label: 'DWS disaster recovery',
  resourceLabel: 'DWS disaster recovery',
  get schema() {
    return inputSchemas().dwsSwitchoverInputSchema;
  },
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
