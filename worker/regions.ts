/**
 * Cloud + region → the endpoint of every service this worker calls (see shared docs, cloud-apis.md).
 *
 * - Huawei Cloud: `https://{service}.{region}.myhuaweicloud.com`; in `eu-west-101` (the European
 *   site) DWS, DRS and IAM answer on `.myhuaweicloud.eu` (DCS stays on `.com`, as the SDKs list it).
 * - Open Telekom Cloud: `https://{service}.{region}.otc.t-systems.com`, regions `eu-de` and `eu-nl`;
 *   DWS exists only in `eu-de`.
 *
 * Every endpoint stays overridable (SWITCHOVER_*_ENDPOINT): private endpoints, new regions, the simulator.
 */

export const CLOUDS = ['huaweicloud', 'otc'] as const;
export type CloudName = (typeof CLOUDS)[number];

export const REGION_SERVICES = ['dcs', 'dws', 'drs', 'iam'] as const;
export type RegionService = (typeof REGION_SERVICES)[number];

export type ServiceEndpoints = Record<RegionService, string>;

export class RegionError extends Error {
  override name = 'RegionError';
}

export const OTC_REGIONS = ['eu-de', 'eu-nl'] as const;
const OTC_DWS_REGIONS: readonly string[] = ['eu-de'];
/** Huawei Cloud's European site: these services answer on `.myhuaweicloud.eu`. */
const HUAWEI_EU_SITE_REGION = 'eu-west-101';
const HUAWEI_EU_SITE_SERVICES: readonly RegionService[] = ['dws', 'drs', 'iam'];

/** Region ids look like `ap-southeast-1`, `eu-de`, `cn-north-4`, `la-north-2`, `my-kualalumpur-1`. */
const REGION_ID = /^[a-z]{2}(-[a-z0-9]+)+$/;

export function isCloudName(value: string): value is CloudName {
  return (CLOUDS as readonly string[]).includes(value);
}

/**
 * The endpoint of one service in one region; throws a RegionError that says what to do when the
 * service is not offered there or the region is unknown.
 */
export function serviceEndpoint(cloud: CloudName, region: string, service: RegionService): string {
  checkRegion(cloud, region);
  if (cloud === 'otc') {
    if (service === 'dws' && !OTC_DWS_REGIONS.includes(region)) {
      throw new RegionError(
        `DWS is not offered by Open Telekom Cloud in region ${region} (only in ${OTC_DWS_REGIONS.join(', ')}); ` +
          'set SWITCHOVER_DWS_ENDPOINT explicitly if this worker must reach a DWS endpoint anyway',
      );
    }
    return `https://${service}.${region}.otc.t-systems.com`;
  }
  const domain =
    region === HUAWEI_EU_SITE_REGION && HUAWEI_EU_SITE_SERVICES.includes(service)
      ? 'myhuaweicloud.eu'
      : 'myhuaweicloud.com';
  return `https://${service}.${region}.${domain}`;
}

/**
 * Every service's endpoint, with per-service overrides winning. A service the region lacks is an
 * error only if it has no override.
 */
export function regionEndpoints(
  cloud: CloudName,
  region: string,
  overrides: Partial<ServiceEndpoints> = {},
): ServiceEndpoints {
  const entries = REGION_SERVICES.map(
    (service) => [service, overrides[service] ?? serviceEndpoint(cloud, region, service)] as const,
  );
  return Object.fromEntries(entries) as ServiceEndpoints;
}

function checkRegion(cloud: CloudName, region: string): void {
  if (!REGION_ID.test(region)) {
    throw new RegionError(`"${region}" is not a region id (expected something like eu-de or ap-southeast-1)`);
  }
  if (cloud === 'otc' && !(OTC_REGIONS as readonly string[]).includes(region)) {
    throw new RegionError(
      `Open Telekom Cloud has no region ${region} (known: ${OTC_REGIONS.join(', ')}); ` +
        'set the SWITCHOVER_*_ENDPOINT variables to use other endpoints',
    );
  }
}
