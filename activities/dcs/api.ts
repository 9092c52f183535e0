import { z } from 'zod';
import { CloudFailure } from '../../domain/failures';
import type { CloudClient, ErrorCodeTable, SendOptions } from '../http/cloud-client';

/**
 * DCS error codes (cloud-apis.md), classified once, in the `DCS.xxxx` spelling. The cloud also answers in a
 * numeric spelling (`111400017`): the cloud client maps it with `normalizeDcsErrorCode` before this table is
 * consulted, so both spellings classify alike. Unlisted codes fall back to the HTTP status.
 */
export const DCS_ERROR_CODES: ErrorCodeTable = {
  'DCS.4855': CloudFailure.Permanent, // master/standby swap not supported
  'DCS.4086': CloudFailure.Permanent, // only master/standby instances
  'DCS.4001': CloudFailure.NotFound, // 111404001: the requested URL does not exist
  'DCS.3022': CloudFailure.NotFound, // 111404022: the DCS instance does not exist
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

/**
 * Numeric spellings that do not follow the prefix rule below. Source: the Open Telekom Cloud DCS API reference,
 * appendix "Error Codes" (numeric codes only): 404 `111404001` "The requested URL does not exist.", 404
 * `111404022` "This DCS instance does not exist.", paired with the `DCS.xxxx` table of cloud-apis.md.
 */
const DCS_NUMERIC_EXCEPTIONS: Readonly<Record<string, string>> = {
  '111404001': 'DCS.4001',
  '111404022': 'DCS.3022',
};
/**
 * `111400NNN` = `DCS.4NNN`, `111401NNN` = `DCS.1NNN`, `111403NNN` = `DCS.3NNN`. Source: the OTC appendix's
 * messages against the `DCS.` codes of cloud-apis.md and the Terraform provider's retry list: `111400017` "A
 * background task associated with this instance is running" = `DCS.4017`; `111400086` "allowed only for
 * master/standby DCS instances" = `DCS.4086`; `111400026` (state does not allow it) = `DCS.4026`; `111400096`,
 * `097`, `111`, `113`-`118` (backing up, restoring, restarting, scaling, ... "try again later") = Terraform's busy
 * `DCS.4096`...`4118`; `111400842` "Job execution failed" = `DCS.4842`; `111401001`-`004` (token) =
 * `DCS.1001`-`1004`; `111403002`/`003` (permissions) = `DCS.3002`/`3003`. Other numeric codes (`111405...`,
 * `111500...`) keep their spelling and fall back to the HTTP status.
 */
const DCS_NUMERIC_PREFIXES: Readonly<Record<string, string>> = { '400': '4', '401': '1', '403': '3' };

/** The one place where a DCS error code's numeric spelling becomes its `DCS.xxxx` spelling. */
export function normalizeDcsErrorCode(code: string): string {
  const exception = DCS_NUMERIC_EXCEPTIONS[code];
  if (exception) return exception;
  const match = /^111(\d{3})(\d{3})$/.exec(code);
  const prefix = match ? DCS_NUMERIC_PREFIXES[match[1]!] : undefined;
  return match && prefix ? `DCS.${prefix}${match[2]}` : code;
}

/** The swap job's type, both in `/jobs/{id}` and in the instance's task list. */
export const SWAP_JOB_TYPE = 'masterStandbySwapJob';

/**
 * `task` is typed AnyType in the OTC instance schema (an object or a name, null when idle): only its name is
 * used, so any shape is accepted and reduced to a name. Fields shown but not decided on (`name`,
 * `engine_version`) are tolerated in any type: drift there must not fail a switchover.
 */
export const instanceSchema = z.object({
  instance_id: z.string(),
  name: z
    .unknown()
    .optional()
    .transform((value) => (typeof value === 'string' ? value : undefined)),
  engine_version: z
    .unknown()
    .optional()
    .transform((value) => (typeof value === 'string' ? value : undefined)),
  cache_mode: z.string(),
  status: z.string(),
  task: z.unknown().optional().transform(taskName),
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

/** `begin_time`/`end_time`/`job_type` are not used: tolerated in any type (the seed shows strings of epoch ms). */
export const jobSchema = z.object({
  job_id: z.string(),
  job_type: z.unknown().optional(),
  status: z.string(),
  begin_time: z.unknown().optional(),
  end_time: z.unknown().optional(),
  fail_reason: z
    .unknown()
    .optional()
    .transform((value) => (typeof value === 'string' && value ? value : null)),
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
        updated_at: z.unknown().optional(),
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
        // `start_time`, not `begin_time`: huaweicloud-sdk-go-v3 services/dcs/v2/model ListBackgroundTaskRequest
        // (`json:"start_time"`) and the OTC parameter table; a cloud ignores an unknown name (unfiltered list).
        query: { start_time: dcsTime(since), end_time: dcsTime(until) },
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

/** The name of an instance's running task, whatever shape `task` has (AnyType in the OTC schema); null when idle. */
export function taskName(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of ['name', 'task_name', 'id']) {
      const named = record[key];
      if (typeof named === 'string' && named) return named;
    }
    return Object.keys(record).length === 0 ? null : JSON.stringify(value).slice(0, 100);
  }
  return String(value);
}
