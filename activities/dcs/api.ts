import { z } from 'zod';
import type { CloudClient } from '../http/cloud-client';

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
    async swap(projectId: string, instanceId: string): Promise<void> {
      await client.request({
        method: 'POST',
        path: `${base(projectId, instanceId)}/swap`,
        operation: 'swap',
      });
    },
    /** Huawei Cloud only: returns the swap job's id. */
    async asyncSwap(projectId: string, instanceId: string): Promise<string> {
      const response = await client.request({
        method: 'PUT',
        path: `${base(projectId, instanceId)}/async-swap`,
        schema: asyncSwapSchema,
        operation: 'async-swap',
      });
      return response.data.job_id;
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
