import { z } from 'zod';
import { CloudFailure } from '../../domain/failures';
import type { CloudClient, ErrorCodeTable, SendOptions } from '../http/cloud-client';

export const DWS_ERROR_CODES: ErrorCodeTable = {
  'DWS.10101': CloudFailure.NotFound,
};

const clusterSchema = z.object({
  id: z.string(),
  name: z.string().nullish(),
  role: z.string().nullish(),
  status: z.string().nullish(),
  progress: z.union([z.string(), z.number()]).nullish(),
  /** The latest synchronization time of this cluster. */
  last_success_time: z.string().nullish(),
});

export const drDetailsSchema = z.object({
  disaster_recovery: z.object({
    id: z.string(),
    name: z.string().nullish(),
    dr_type: z.string().nullish(),
    status: z.string(),
    dr_sync_period: z.string().nullish(),
    primary_cluster: clusterSchema,
    standby_cluster: clusterSchema,
  }),
});
export type DisasterRecovery = z.output<typeof drDetailsSchema>['disaster_recovery'];

const drIdSchema = z.object({ disaster_recovery: z.object({ id: z.string() }).nullish() }).passthrough();

/** DR statuses after which the DR will not recover by itself. */
export const DR_FAILURE_STATUSES = ['create_failed', 'start_failed', 'stop_failed', 'abnormal'];
/** Statuses a switch passes through. */
export const DR_SWITCHING_STATUSES = ['switchovering', 'failovering'];

/** The cluster currently in the primary role (roles are read from `role`, not from which field holds it). */
export function primaryClusterId(dr: DisasterRecovery): string {
  const clusters = [dr.primary_cluster, dr.standby_cluster];
  return clusters.find((c) => c.role?.toLowerCase() === 'primary')?.id ?? dr.primary_cluster.id;
}

/** The cluster in the primary (production) role. */
export function productionCluster(dr: DisasterRecovery) {
  const primary = primaryClusterId(dr);
  return dr.primary_cluster.id === primary ? dr.primary_cluster : dr.standby_cluster;
}

export function standbyCluster(dr: DisasterRecovery) {
  const primary = primaryClusterId(dr);
  return dr.primary_cluster.id === primary ? dr.standby_cluster : dr.primary_cluster;
}

export function dwsApi(client: CloudClient) {
  return {
    async getDisasterRecovery(projectId: string, drId: string): Promise<DisasterRecovery> {
      const response = await client.request({
        method: 'GET',
        path: `/v2/${projectId}/disaster-recovery/${drId}`,
        schema: drDetailsSchema,
        operation: 'show disaster recovery',
      });
      return response.data.disaster_recovery;
    },
    /** `switchover` (planned) or `failover` (exception switchover, the seed page). */
    async switchDisasterRecovery(
      projectId: string,
      drId: string,
      mode: 'switchover' | 'failover',
      options: SendOptions,
    ): Promise<{ status: number; unreadable?: string }> {
      const answer = await client.requestTrigger(
        {
          method: 'POST',
          path: `/v2/${projectId}/disaster-recovery/${drId}/${mode}`,
          schema: drIdSchema,
          operation: mode,
        },
        options,
      );
      return { status: answer.status, unreadable: answer.unreadable };
    },
  };
}
export type DwsApi = ReturnType<typeof dwsApi>;
