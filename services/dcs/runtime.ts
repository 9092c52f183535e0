/** DCS runtime: error codes and activities over the DCS API (Node only; the workflow-safe half is service.ts). */
import { CloudFailure } from '../../domain/failures';
import { createDcsActivities } from '../../activities/dcs/activities';
import { dcsApi } from '../../activities/dcs/api';
import type { ErrorCodeTable } from '../../activities/http/cloud-client';
import { defineRuntime } from '../runtime-types';

/** DCS error codes (cloud-apis.md), classified once. Unlisted codes fall back to the HTTP status. */
export const DCS_ERROR_CODES: ErrorCodeTable = {
  'DCS.4855': CloudFailure.Permanent, // master/standby swap not supported
  'DCS.4086': CloudFailure.Permanent, // only master/standby instances
  'DCS.4001': CloudFailure.NotFound,
  'DCS.3022': CloudFailure.NotFound,
  'DCS.1001': CloudFailure.Auth,
  'DCS.1002': CloudFailure.Auth,
  'DCS.1003': CloudFailure.Auth,
  'DCS.1004': CloudFailure.Auth,
  'DCS.2003': CloudFailure.Permanent,
  'DCS.3002': CloudFailure.Permanent,
  'DCS.3003': CloudFailure.Permanent,
  'DCS.2007': CloudFailure.Permanent,
  'DCS.4049': CloudFailure.Busy, // status not RUNNING
  'DCS.4026': CloudFailure.Busy, // state does not allow it
  'DCS.4017': CloudFailure.Busy, // a job is still running (possibly our own swap)
  ...Object.fromEntries(
    [
      '4096',
      '4097',
      '4111',
      '4113',
      '4114',
      '4115',
      '4116',
      '4117',
      '4118',
      '4120',
      '4121',
      '4231',
      '4975',
    ].map((code) => [`DCS.${code}`, CloudFailure.Busy]),
  ),
  'CBC.99003651': CloudFailure.Busy,
  'DCS.5094': CloudFailure.Server, // swap failed
  'DCS.4842': CloudFailure.Server, // job execution failed
};

export const dcsRuntime = defineRuntime({
  kind: 'dcs',
  errorCodes: DCS_ERROR_CODES,
  createActivities: (client, deps) =>
    createDcsActivities({
      api: dcsApi(client),
      verifySettleMs: deps.verifySettleMs,
      requestTimeoutMs: deps.requestTimeoutMs,
    }),
});
