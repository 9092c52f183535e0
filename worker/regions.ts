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
 * The services and their regional exceptions come from the service modules (services/<kind>/service.ts,
 * `endpoints`); IAM is the one service here that is not a switchover kind.
 */
import { SERVICES } from '../services/registry';
import type { ServiceEndpointRules } from '../services/definition';

export const CLOUDS = ['huaweicloud', 'otc'] as const;
export type CloudName = (typeof CLOUDS)[number];

export type RegionService = (typeof SERVICES)[number]['kind'] | 'iam';
export const REGION_SERVICES = [
  ...SERVICES.map((service) => service.kind),
  'iam',
] as readonly RegionService[];

/** IAM issues tokens (password credentials): every region has it, and the European site serves it on `.eu`. */
const IAM = { label: 'IAM', endpoints: { huaweiEuSite: true } as ServiceEndpointRules };

const RULES = {
  ...Object.fromEntries(SERVICES.map((service) => [service.kind, service])),
  iam: IAM,
} as Record<RegionService, { label: string; endpoints: ServiceEndpointRules }>;

export type ServiceEndpoints = Record<RegionService, string>;

export class RegionError extends Error {
  override name = 'RegionError';
}

export const OTC_REGIONS = ['eu-de', 'eu-nl'] as const;
/** Huawei Cloud's European site: services with `huaweiEuSite` answer on `.myhuaweicloud.eu`. */
const HUAWEI_EU_SITE_REGION = 'eu-west-101';

export interface RegionOptions {
  /**
   * Open Telekom Cloud: derive the DWS endpoint although DWS disaster recovery is not in the OTC API reference
   * (SWITCHOVER_OTC_DWS=enabled). Without it (or SWITCHOVER_DWS_ENDPOINT) there is no OTC DWS endpoint.
   */
  otcDws?: boolean;
}

/** Services whose OTC endpoint the worker opted in to (the services with `otcOptIn`). */
function otcOptedIn(options: RegionOptions): readonly RegionService[] {
  return options.otcDws ? ['dws'] : [];
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
  const { label, endpoints: rules } = RULES[service];
  const name = service.toUpperCase();
  if (cloud === 'otc') {
    if (rules.otcRegions && !rules.otcRegions.includes(region)) {
      throw new RegionError(
        `${name} is not offered by Open Telekom Cloud in region ${region} (only in ${rules.otcRegions.join(', ')}); ` +
          `set SWITCHOVER_${name}_ENDPOINT explicitly if this worker must reach a ${name} endpoint anyway`,
      );
    }
    if (rules.otcOptIn && !otcOptedIn(options).includes(service)) {
      throw new RegionError(
        `${label} is not in the Open Telekom Cloud API reference, so no OTC ${name} endpoint is assumed: ` +
          `set SWITCHOVER_${name}_ENDPOINT, or SWITCHOVER_OTC_${name}=enabled to use ` +
          `https://${service}.${region}.otc.t-systems.com anyway`,
      );
    }
    return `https://${service}.${region}.otc.t-systems.com`;
  }
  const domain =
    region === HUAWEI_EU_SITE_REGION && rules.huaweiEuSite
      ? 'myhuaweicloud.eu'
      : (rules.huaweiDomains?.[region] ?? 'myhuaweicloud.com');
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
