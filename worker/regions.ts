/**
 * Cloud + region → the endpoint of every service this worker calls (see shared docs, cloud-apis.md).
 *
 * - Huawei Cloud: `https://{service}.{region}.myhuaweicloud.com`; in `eu-west-101` (the European
 *   site) DWS, DRS and IAM answer on `.myhuaweicloud.eu` (DCS stays on `.com`, as the SDKs list it);
 *   DWS in `tr-west-1` and `ap-southeast-4` answers on `.myhuaweicloud.cn` (huaweicloud-sdk-go-v3
 *   services/dws/v2/region/region.go).
 * - Open Telekom Cloud: `https://{service}.{region}.otc.t-systems.com`, regions `eu-de` and `eu-nl`;
 *   DWS exists only in `eu-de`, and its disaster-recovery API is not in the OTC API reference at all:
 *   the DWS endpoint is derived only on explicit opt-in (`otcDws`), else SWITCHOVER_DWS_ENDPOINT must be set.
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
/** Huawei Cloud regions whose DWS endpoint is on `.myhuaweicloud.cn` (the Go SDK's DWS region table). */
const HUAWEI_DWS_CN_DOMAIN_REGIONS: readonly string[] = ['tr-west-1', 'ap-southeast-4'];

export interface RegionOptions {
  /**
   * Open Telekom Cloud: derive the DWS endpoint although DWS disaster recovery is not in the OTC API reference
   * (SWITCHOVER_OTC_DWS=enabled). Without it (or SWITCHOVER_DWS_ENDPOINT) there is no OTC DWS endpoint.
   */
  otcDws?: boolean;
}

/** Region ids look like `ap-southeast-1`, `eu-de`, `cn-north-4`, `la-north-2`, `my-kualalumpur-1`. */
const REGION_ID = /^[a-z]{2}(-[a-z0-9]+)+$/;

export function isCloudName(value: string): value is CloudName {
  return (CLOUDS as readonly string[]).includes(value);
}

/**
 * The endpoint of one service in one region; throws a RegionError that says what to do when the
 * service is not offered there or the region is unknown.
 */
export function serviceEndpoint(
  cloud: CloudName,
  region: string,
  service: RegionService,
  options: RegionOptions = {},
): string {
  checkRegion(cloud, region);
  if (cloud === 'otc') {
    if (service === 'dws' && !OTC_DWS_REGIONS.includes(region)) {
      throw new RegionError(
        `DWS is not offered by Open Telekom Cloud in region ${region} (only in ${OTC_DWS_REGIONS.join(', ')}); ` +
          'set SWITCHOVER_DWS_ENDPOINT explicitly if this worker must reach a DWS endpoint anyway',
      );
    }
    if (service === 'dws' && !options.otcDws) {
      throw new RegionError(
        'DWS disaster recovery is not in the Open Telekom Cloud API reference, so no OTC DWS endpoint is assumed: ' +
          'set SWITCHOVER_DWS_ENDPOINT, or SWITCHOVER_OTC_DWS=enabled to use ' +
          `https://dws.${region}.otc.t-systems.com anyway`,
      );
    }
    return `https://${service}.${region}.otc.t-systems.com`;
  }
  const domain =
    region === HUAWEI_EU_SITE_REGION && HUAWEI_EU_SITE_SERVICES.includes(service)
      ? 'myhuaweicloud.eu'
      : service === 'dws' && HUAWEI_DWS_CN_DOMAIN_REGIONS.includes(region)
        ? 'myhuaweicloud.cn'
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
  options: RegionOptions = {},
): ServiceEndpoints {
  const entries = REGION_SERVICES.map(
    (service) => [service, overrides[service] ?? serviceEndpoint(cloud, region, service, options)] as const,
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
