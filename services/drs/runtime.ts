/** DRS runtime: headers and activities over the DRS API (Node only; the workflow-safe half is service.ts). */
import { createDrsActivities } from '../../activities/drs/activities';
import { drsApi } from '../../activities/drs/api';
import type { ErrorCodeTable } from '../../activities/http/cloud-client';
import { defineRuntime } from '../runtime-types';

/** DRS error codes: none need a class other than their HTTP status's. */
export const DRS_ERROR_CODES: ErrorCodeTable = {};

export const drsRuntime = defineRuntime({
  kind: 'drs',
  errorCodes: DRS_ERROR_CODES,
  // DRS answers in the language asked for; English keeps error messages readable in outcomes and logs.
  headers: { 'X-Language': 'en-us' },
  createActivities: (client, deps) =>
    createDrsActivities({ api: drsApi(client), requestTimeoutMs: deps.requestTimeoutMs }),
});
