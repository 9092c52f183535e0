import { z } from 'zod';
import { CloudFailure } from '../../domain/failures';
import type { CloudClient, ErrorCodeTable, SendOptions } from '../http/cloud-client';
import { isCloudFailure } from '../http/failures';

export const DRS_ERROR_CODES: ErrorCodeTable = {};

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
    async switchVip(projectId: string, jobId: string, mode: 'source' | 'target', options: SendOptions) {
      return client.requestTrigger(
        {
          method: 'POST',
          path: `/v3/${projectId}/jobs/${jobId}/switch-vip`,
          body: { mode },
          schema: switchVipSchema,
          operation: 'switch-vip',
        },
        options,
      );
    },
    /** The seed's status call; `undefined` when no switch was ever made (the API answers 400 then). */
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
        if (
          isCloudFailure(error, CloudFailure.Permanent) &&
          error.details?.[0] &&
          (error.details[0] as { httpStatus?: number }).httpStatus === 400
        ) {
          return undefined;
        }
        throw error;
      }
    },
  };
}
export type DrsApi = ReturnType<typeof drsApi>;
