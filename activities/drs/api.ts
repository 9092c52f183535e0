import { z } from 'zod';
import { CloudFailure } from '../../domain/failures';
import type { CloudClient, ErrorCodeTable } from '../http/cloud-client';
import { isCloudFailure } from '../http/failures';

/**
 * DRS codes whose HTTP status says less than they do (cloud-apis.md, error-code appendix): a 400 "operation too
 * frequent" is a throttle, a 400 "cannot be called in the task's current status" is a busy task, not refusals.
 */
export const DRS_ERROR_CODES: ErrorCodeTable = {
  'DRS.M01503': CloudFailure.Throttled,
  'DRS.M00304': CloudFailure.Busy,
  'DRS.M00004': CloudFailure.Server,
};

/** The 400 code `get-switch-vip-status` answers for a task without a switch record (its only "never switched"). */
export const DRS_NO_SWITCH_RECORD = 'DRS.M05003';

/** Healthy incremental synchronization: the only state that allows a VIP switch. */
export const DRS_HEALTHY_STATUS = 'INCRE_TRANSFER_STARTED';

export const VIP_STATUS = {
  started: 'SWITCH_VIP_START',
  complete: 'SWITCH_VIP_COMPLETE',
  failed: 'SWITCH_VIP_FAILED',
} as const;

const batchStatusSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      status: z.string().nullish(),
      error_code: z.string().nullish(),
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
        errorMsg: result?.error_msg ?? undefined,
      };
    },
    /** 202 `{id, status: success|failed, ...}`; a `failed` answer is a refusal by the cloud. */
    async switchVip(projectId: string, jobId: string, mode: 'source' | 'target') {
      const response = await client.request({
        method: 'POST',
        path: `/v3/${projectId}/jobs/${jobId}/switch-vip`,
        body: { mode },
        schema: switchVipSchema,
        operation: 'switch-vip',
      });
      return response.data;
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
