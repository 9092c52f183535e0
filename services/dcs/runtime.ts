/** DCS runtime: the cloud client's error codes and activities over the DCS API (Node only; see service.ts). */
import { createDcsActivities } from '../../activities/dcs/activities';
import { DCS_ERROR_CODES, dcsApi, normalizeDcsErrorCode } from '../../activities/dcs/api';
import { defineRuntime } from '../runtime-types';

export const dcsRuntime = defineRuntime({
  kind: 'dcs',
  errorCodes: DCS_ERROR_CODES,
  // DCS answers `111400017` as well as `DCS.4017`.
  normalizeErrorCode: normalizeDcsErrorCode,
  createActivities: (client, deps) => createDcsActivities({ api: dcsApi(client), ...deps }),
});
