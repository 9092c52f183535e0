/** DWS runtime: the cloud client's error codes and activities over the DWS API (Node only; see service.ts). */
import { createDwsActivities } from '../../activities/dws/activities';
import { DWS_ERROR_CODES, dwsApi } from '../../activities/dws/api';
import { defineRuntime } from '../runtime-types';

export const dwsRuntime = defineRuntime({
  kind: 'dws',
  errorCodes: DWS_ERROR_CODES,
  createActivities: (client, deps) => createDwsActivities({ api: dwsApi(client), ...deps }),
});
