import { z } from 'zod';
import { CloudFailure } from '../../domain/failures';
import type { CloudClient, ErrorCodeTable, SendOptions } from '../http/cloud-client';
import { cloudFailure, isCloudFailure } from '../http/failures';

/**
 * DRS codes from the DRS API reference's error-code appendix (Huawei Cloud / OTC), as cloud-apis.md lists them.
 * Unlisted codes fall back to the HTTP status.
 */
export const DRS_ERROR_CODES: ErrorCodeTable = {
  /** "Operation too frequent", answered with 400: a throttle, so back off and retry. */
  'DRS.M01503': CloudFailure.Throttled,
  /** "Another operation is being performed", answered with 202 (see `switchVip`) or an error status: busy. */
  'DRS.M01504': CloudFailure.Busy,
  /** Invalid token, answered with 403: the client refreshes the token once, like after a 401. */
  'DRS.M00100': CloudFailure.Auth,
  /**
   * The API cannot be called in the task's current status (400): a state that may pass (busy), not a refusal of
   * the request; read right after a trigger it says nothing about whether a switch was made.
   */
  'DRS.M00304': CloudFailure.Busy,
  /** The task does not exist (400). */
  'DRS.M05003': CloudFailure.NotFound,
  /** The task has been deleted (400). */
  'DRS.M05004': CloudFailure.NotFound,
  /** Service abnormal (500). */
  'DRS.M00004': CloudFailure.Server,
};

/** A switch-vip answer with this code means busy, even with its 202 status. */
const DRS_BUSY_CODE = 'DRS.M01504';

/**
 * The 400 code `get-switch-vip-status` answers for a task without a switch record. Unverified: the appendix names
 * no such code; `DRS.M05003` ("not found", of the switch record here) is this project's reading, shared with the
 * simulator. The client takes it as "never switched" only where it can be confirmed (see drs/activities.ts).
 */
export const DRS_NO_SWITCH_RECORD = 'DRS.M05003';

/** Healthy incremental synchronization: the only state that allows a VIP switch. */
export const DRS_HEALTHY_STATUS = 'INCRE_TRANSFER_STARTED';

export const VIP_STATUS = {
  started: 'SWITCH_VIP_START',
  complete: 'SWITCH_VIP_COMPLETE',
  failed: 'SWITCH_VIP_FAILED',
} as const;

/**
 * batch-status names the reason `error_message` (OTC "Querying Task Statuses in Batches", huaweicloud-sdk-go-v3
 * services/drs/v3/model QueryJobStatusResp, gophertelekomcloud openstack/drs/v3/public BatchListJobStatus);
 * `error_msg` is still read as a fallback.
 */
const batchStatusSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      status: z.string().nullish(),
      error_code: z.string().nullish(),
      error_message: z.string().nullish(),
      error_msg: z.string().nullish(),
    }),
  ),
});

const switchVipSchema = z.object({
  id: z.string().nullish(),
  status: z.string().nullish(),
  error_code: z.string().nullish(),
  error_msg: z.string().nullish(),
});

const vipStatusSchema = z.object({
  id: z.string().nullish(),
  status: z.string(),
  error_code: z.string().nullish(),
  error_msg: z.string().nullish(),
});
export type VipStatus = z.output<typeof vipStatusSchema>;

export function drsApi(client: CloudClient) {
  return {
    async taskStatus(
      projectId: string,
      jobId: string,
    ): Promise<{ status?: string; errorCode?: string; errorMsg?: string }> {
      const response = await client.request({
        method: 'POST',
        path: `/v3/${projectId}/jobs/batch-status`,
        body: { jobs: [jobId] },
        schema: batchStatusSchema,
        operation: 'batch-status',
      });
      const result = response.data.results.find((r) => r.id === jobId);
      return {
        status: result?.status ?? undefined,
        errorCode: result?.error_code ?? undefined,
        errorMsg: result?.error_message || result?.error_msg || undefined,
      };
    },
    /**
     * 202 `{id, status: success|failed, ...}`; a `failed` answer is a refusal by the cloud. `DRS.M01504` (another
     * operation is being performed) comes with 202 too: nothing was started, so it is thrown as busy (retryable).
     */
    async switchVip(projectId: string, jobId: string, mode: 'source' | 'target', options: SendOptions) {
      const answer = await client.requestTrigger(
        {
          method: 'POST',
          path: `/v3/${projectId}/jobs/${jobId}/switch-vip`,
          body: { mode },
          schema: switchVipSchema,
          operation: 'switch-vip',
        },
        options,
      );
      // Busy only as the documented refusal (`status: failed` with the code): any other 2xx was accepted.
      if (answer.data?.status === 'failed' && answer.data.error_code === DRS_BUSY_CODE) {
        throw cloudFailure(CloudFailure.Busy, {
          service: 'drs',
          httpStatus: answer.status,
          code: DRS_BUSY_CODE,
          message: answer.data.error_msg ?? 'another operation is being performed on the task',
        });
      }
      return answer;
    },
    /**
     * The seed's status call; `undefined` only for the no-switch-record answer (400 DRS.M05003). Any other 400
     * (too frequent, wrong task status, ...) is not proof that no switch was made and throws its typed failure;
     * callers confirm a no-record answer against what they saw before (see drs/activities.ts).
     */
    async switchVipStatus(projectId: string, jobId: string): Promise<VipStatus | undefined> {
      try {
        const response = await client.request({
          method: 'GET',
          path: `/v3/${projectId}/jobs/${jobId}/get-switch-vip-status`,
          schema: vipStatusSchema,
          operation: 'get-switch-vip-status',
        });
        return response.data;
      } catch (error) {
        const detail = isCloudFailure(error, CloudFailure.Permanent, CloudFailure.NotFound)
          ? (error.details?.[0] as { httpStatus?: number; code?: string } | undefined)
          : undefined;
        if (detail?.httpStatus === 400 && detail.code === DRS_NO_SWITCH_RECORD) return undefined;
        throw error;
      }
    },
  };
}
export type DrsApi = ReturnType<typeof drsApi>;
