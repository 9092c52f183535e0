import type { CloudAuth } from './http/auth';
import { CloudClient, type CloudCall } from './http/cloud-client';
import { createDcsActivities } from './dcs/activities';
import { DCS_ERROR_CODES, dcsApi } from './dcs/api';
import { createRecordActivities } from './record';

export interface ActivityDeps {
  endpoints: { dcs: string; dws: string; drs: string };
  auth: CloudAuth;
  requestTimeoutMs: number;
  auditFile: string;
  onCloudCall?: (call: CloudCall) => void;
  /** How long DCS verification waits for the instance to settle. */
  verifySettleMs?: number;
}

/** Every activity the worker registers, built from its dependencies (tests pass their own). */
export function createActivities(deps: ActivityDeps) {
  const client = (service: 'dcs' | 'dws' | 'drs', errorCodes = {}) =>
    new CloudClient({
      service,
      endpoint: deps.endpoints[service],
      auth: deps.auth,
      errorCodes,
      timeoutMs: deps.requestTimeoutMs,
      onCall: deps.onCloudCall,
    });
  return {
    ...createDcsActivities({ api: dcsApi(client('dcs', DCS_ERROR_CODES)), verifySettleMs: deps.verifySettleMs }),
    ...createRecordActivities({ auditFile: deps.auditFile }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
