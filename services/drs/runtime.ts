/** DRS runtime: error codes, headers and activities over the DRS API (Node only; see service.ts). */
import { createDrsActivities } from '../../activities/drs/activities';
import { DRS_ERROR_CODES, drsApi } from '../../activities/drs/api';
import { defineRuntime } from '../runtime-types';

export const drsRuntime = defineRuntime({
  kind: 'drs',
  errorCodes: DRS_ERROR_CODES,
  // DRS answers in the language asked for; English keeps error messages readable in outcomes and logs.
  headers: { 'X-Language': 'en-us' },
  createActivities: (client, deps) => createDrsActivities({ api: drsApi(client), ...deps }),
});
