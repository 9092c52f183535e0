import { z } from 'zod';
import { CloudFailure } from '../../domain/failures';
import type { CloudClient, ErrorCodeTable, SendOptions } from '../http/cloud-client';

/** `DWS.10101`: the resource does not exist (answered with 400, not 404: classified by its code). */
export const DWS_ERROR_CODES: ErrorCodeTable = {
  'DWS.10101': CloudFailure.NotFound,
};

const optionalString = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' ? value : null));

/** Fields shown but not decided on are tolerated in any type: drift there must not fail a switchover. */
const clusterSchema = z.object({
  id: z.string(),
  name: optionalString,
  role: optionalString,
  status: optionalString,
  progress: z.unknown().optional(),
  /** The latest synchronization time of this cluster (format undocumented; see parseCloudTime). */
  last_success_time: optionalString,
});

export const drDetailsSchema = z.object({
  disaster_recovery: z.object({
    id: z.string(),
    name: optionalString,
    dr_type: z.unknown().optional(),
    status: z.string(),
    dr_sync_period: z.unknown().optional(),
    primary_cluster: clusterSchema,
    standby_cluster: clusterSchema,
  }),
});
export type DisasterRecovery = z.output<typeof drDetailsSchema>['disaster_recovery'];

const drIdSchema = z.object({ disaster_recovery: z.object({ id: z.string() }).nullish() }).passthrough();

/** DR statuses after which the DR will not recover by itself. */
export const DR_FAILURE_STATUSES = ['create_failed', 'start_failed', 'stop_failed', 'abnormal'];
/**
 * Statuses a switch passes through. `switchovering` is in the SDK's DR status list (huaweicloud-sdk-go-v3
 * services/dws/v2/model, cloud-apis.md); `failovering` is not documented anywhere and is kept only so that an
 * undocumented in-progress failover status, if the cloud has one, is not mistaken for the end.
 */
export const DR_SWITCHING_STATUSES = ['switchovering', 'failovering'];

/** Cluster role values this client understands; the API reference does not document the values. */
export const KNOWN_CLUSTER_ROLES = ['primary', 'standby'];

/** Role values outside KNOWN_CLUSTER_ROLES (to be logged: role-based detection cannot be trusted then). */
export function unknownClusterRoles(dr: DisasterRecovery): string[] {
  return [dr.primary_cluster.role, dr.standby_cluster.role].filter(
    (role): role is string => typeof role === 'string' && !KNOWN_CLUSTER_ROLES.includes(role.toLowerCase()),
  );
}

/** The cluster currently in the primary role (roles are read from `role`, not from which field holds it). */
export function primaryClusterId(dr: DisasterRecovery): string {
  const clusters = [dr.primary_cluster, dr.standby_cluster];
  return clusters.find((c) => c.role?.toLowerCase() === 'primary')?.id ?? dr.primary_cluster.id;
}

/** What preflight saw of the roles: by `role` (`primaryBefore`) and by field (`primaryFieldBefore`). */
export interface RolesBefore {
  primaryBefore?: unknown;
  standbyBefore?: unknown;
  primaryFieldBefore?: unknown;
  standbyFieldBefore?: unknown;
}

/**
 * Whether the roles moved since preflight. The `role` values are undocumented (they may be static labels), so a
 * change of the cluster in the `primary_cluster` field counts too.
 */
export function rolesSwapped(dr: DisasterRecovery, before: RolesBefore): boolean {
  if (primaryClusterId(dr) !== before.primaryBefore) return true;
  return typeof before.primaryFieldBefore === 'string' && dr.primary_cluster.id !== before.primaryFieldBefore;
}

/** The former standby is primary now, by role or, when the roles did not move, by field. */
export function formerStandbyIsPrimary(dr: DisasterRecovery, before: RolesBefore): boolean {
  if (primaryClusterId(dr) === before.standbyBefore) return true;
  return typeof before.standbyFieldBefore === 'string' && dr.primary_cluster.id === before.standbyFieldBefore;
}

/**
 * A DWS time as epoch ms. `last_success_time` has no documented format and appears zone-less in the examples
 * (`2023-03-27 20:16:34`): a zone-less time is read as UTC explicitly (Date.parse would read it as the host's
 * local time and skew the data-loss gate by the host's offset). Times with a zone or offset keep it.
 */
export function parseCloudTime(value: string | null | undefined): number {
  if (!value) return NaN;
  const zoneless = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(value.trim());
  return zoneless ? Date.parse(`${zoneless[1]}T${zoneless[2]}Z`) : Date.parse(value);
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
