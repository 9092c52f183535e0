import { z } from 'zod';
import { CloudFailure } from '../../domain/failures';
import type { CloudClient, ErrorCodeTable, SendOptions } from '../http/cloud-client';

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

/** The swap job's type, both in `/jobs/{id}` and in the instance's task list. */
export const SWAP_JOB_TYPE = 'masterStandbySwapJob';

export const instanceSchema = z.object({
  instance_id: z.string(),
  name: z.string().optional(),
  engine_version: z.string().optional(),
  cache_mode: z.string(),
  status: z.string(),
  task: z.string().nullish(),
});
export type DcsInstance = z.output<typeof instanceSchema>;

const replicaSchema = z.object({
  replication_id: z.string().optional(),
  node_id: z.string().optional(),
  replication_ip: z.string().optional(),
  replication_role: z.string(),
  status: z.string().optional(),
});
export const groupsSchema = z.object({
  group_list: z.array(
    z.object({ group_id: z.string().optional(), replication_list: z.array(replicaSchema) }),
  ),
});

export const jobSchema = z.object({
  job_id: z.string(),
  job_type: z.string().nullish(),
  status: z.string(),
  begin_time: z.string().nullish(),
  end_time: z.string().nullish(),
  fail_reason: z.string().nullish(),
});
export type DcsJob = z.output<typeof jobSchema>;

export const tasksSchema = z.object({
  tasks: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        status: z.string().nullish(),
        created_at: z.string().nullish(),
        updated_at: z.string().nullish(),
      }),
    )
    .nullish(),
});
export type DcsTask = NonNullable<z.output<typeof tasksSchema>['tasks']>[number];

const asyncSwapSchema = z.object({ job_id: z.string().min(1) });

/** Thin, typed calls of the DCS API. */
export function dcsApi(client: CloudClient) {
  const base = (projectId: string, instanceId: string) => `/v2/${projectId}/instances/${instanceId}`;
  return {
    async getInstance(projectId: string, instanceId: string): Promise<DcsInstance> {
      const response = await client.request({
        method: 'GET',
        path: base(projectId, instanceId),
        schema: instanceSchema,
        operation: 'show instance',
      });
      return response.data;
    },
    /** The node holding the master role (`/groups`, Redis 4.0+; note the singular `instance`). */
    async getMaster(projectId: string, instanceId: string): Promise<string | undefined> {
      const response = await client.request({
        method: 'GET',
        path: `/v2/${projectId}/instance/${instanceId}/groups`,
        schema: groupsSchema,
        operation: 'list groups',
      });
      const master = response.data.group_list
        .flatMap((group) => group.replication_list)
        .find((replica) => replica.replication_role === 'master');
      return master?.node_id ?? master?.replication_id ?? master?.replication_ip;
    },
    /** The documented swap: 204, no body, no job id. */
    async swap(projectId: string, instanceId: string, options: SendOptions): Promise<void> {
      await client.requestTrigger(
        {
          method: 'POST',
          path: `${base(projectId, instanceId)}/swap`,
          operation: 'swap',
        },
        options,
      );
    },
    /** Huawei Cloud only: the swap job's id, or why the accepted answer could not be read. */
    async asyncSwap(
      projectId: string,
      instanceId: string,
      options: SendOptions,
    ): Promise<{ status: number; jobId?: string; unreadable?: string }> {
      const answer = await client.requestTrigger(
        {
          method: 'PUT',
          path: `${base(projectId, instanceId)}/async-swap`,
          schema: asyncSwapSchema,
          operation: 'async-swap',
        },
        options,
      );
      return { status: answer.status, jobId: answer.data?.job_id, unreadable: answer.unreadable };
    },
    async listTasks(projectId: string, instanceId: string, since: number, until: number): Promise<DcsTask[]> {
      const response = await client.request({
        method: 'GET',
        path: `${base(projectId, instanceId)}/tasks`,
        query: { begin_time: dcsTime(since), end_time: dcsTime(until) },
        schema: tasksSchema,
        operation: 'list tasks',
      });
      return response.data.tasks ?? [];
    },
    async getJob(projectId: string, jobId: string): Promise<DcsJob> {
      const response = await client.request({
        method: 'GET',
        path: `/v2/${projectId}/jobs/${encodeURIComponent(jobId)}`,
        schema: jobSchema,
        operation: 'show job',
      });
      return response.data;
    },
  };
}
export type DcsApi = ReturnType<typeof dcsApi>;

/** `yyyyMMddHHmmss` in UTC, as the task listing takes it. */
export function dcsTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
