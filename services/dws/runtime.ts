/** DWS runtime: error codes and activities over the DWS API (Node only; the workflow-safe half is service.ts). */
import { CloudFailure } from '../../domain/failures';
import { createDwsActivities } from '../../activities/dws/activities';
import { dwsApi } from '../../activities/dws/api';
import type { ErrorCodeTable } from '../../activities/http/cloud-client';
import { defineRuntime } from '../runtime-types';

/** DWS error codes (cloud-apis.md), classified once. Unlisted codes fall back to the HTTP status. */
export const DWS_ERROR_CODES: ErrorCodeTable = {
  'DWS.10101': CloudFailure.NotFound,
};

export const dwsRuntime = defineRuntime({
  kind: 'dws',
  errorCodes: DWS_ERROR_CODES,
  createActivities: (client, deps) =>
    createDwsActivities({ api: dwsApi(client), requestTimeoutMs: deps.requestTimeoutMs }),
});
