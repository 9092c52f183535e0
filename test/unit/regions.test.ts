import { RegionError, regionEndpoints, serviceEndpoint } from '../../worker/regions';

describe('regionEndpoints', () => {
  it('Huawei Cloud: https://{service}.{region}.myhuaweicloud.com', () => {
    expect(regionEndpoints('huaweicloud', 'ap-southeast-1')).toEqual({
      dcs: 'https://dcs.ap-southeast-1.myhuaweicloud.com',
      dws: 'https://dws.ap-southeast-1.myhuaweicloud.com',
      drs: 'https://drs.ap-southeast-1.myhuaweicloud.com',
      iam: 'https://iam.ap-southeast-1.myhuaweicloud.com',
    });
  });

  it('Huawei Cloud eu-west-101: DWS, DRS and IAM on .myhuaweicloud.eu, DCS on .com', () => {
    expect(regionEndpoints('huaweicloud', 'eu-west-101')).toEqual({
      dcs: 'https://dcs.eu-west-101.myhuaweicloud.com',
      dws: 'https://dws.eu-west-101.myhuaweicloud.eu',
      drs: 'https://drs.eu-west-101.myhuaweicloud.eu',
      iam: 'https://iam.eu-west-101.myhuaweicloud.eu',
    });
  });

  it('Huawei Cloud tr-west-1 and ap-southeast-4: DWS on .myhuaweicloud.cn (the Go SDK DWS region table)', () => {
    expect(serviceEndpoint('huaweicloud', 'tr-west-1', 'dws')).toBe('https://dws.tr-west-1.myhuaweicloud.cn');
    expect(serviceEndpoint('huaweicloud', 'ap-southeast-4', 'dws')).toBe(
      'https://dws.ap-southeast-4.myhuaweicloud.cn',
    );
    expect(serviceEndpoint('huaweicloud', 'tr-west-1', 'dcs')).toBe(
      'https://dcs.tr-west-1.myhuaweicloud.com',
    );
  });

  it('Open Telekom Cloud eu-de: DWS only on explicit opt-in (DWS disaster recovery is not in the OTC reference)', () => {
    expect(() => regionEndpoints('otc', 'eu-de')).toThrow(/not in the Open Telekom Cloud API reference/);
    expect(regionEndpoints('otc', 'eu-de', {}, { otcDws: true })).toEqual({
      dcs: 'https://dcs.eu-de.otc.t-systems.com',
      dws: 'https://dws.eu-de.otc.t-systems.com',
      drs: 'https://drs.eu-de.otc.t-systems.com',
      iam: 'https://iam.eu-de.otc.t-systems.com',
    });
  });

  it('Open Telekom Cloud eu-nl: no DWS, a clear error naming the override', () => {
    expect(serviceEndpoint('otc', 'eu-nl', 'dcs')).toBe('https://dcs.eu-nl.otc.t-systems.com');
    expect(serviceEndpoint('otc', 'eu-nl', 'iam')).toBe('https://iam.eu-nl.otc.t-systems.com');
    expect(() => regionEndpoints('otc', 'eu-nl')).toThrow(RegionError);
    expect(() => regionEndpoints('otc', 'eu-nl')).toThrow(
      /DWS is not offered .* eu-nl .*only in eu-de.*SWITCHOVER_DWS_ENDPOINT/,
    );
  });

  it('an override wins, also for a service the region lacks', () => {
    const endpoints = regionEndpoints('otc', 'eu-nl', { dws: 'https://dws.private.example' });
    expect(endpoints.dws).toBe('https://dws.private.example');
    expect(endpoints.dcs).toBe('https://dcs.eu-nl.otc.t-systems.com');
  });

  it('refuses unknown OTC regions and malformed region ids, unless every endpoint is overridden', () => {
    expect(() => regionEndpoints('otc', 'eu-xx')).toThrow(
      /Open Telekom Cloud has no region eu-xx \(known: eu-de, eu-nl\)/,
    );
    expect(() => regionEndpoints('huaweicloud', 'https://evil.example/')).toThrow(/not a region id/);
    expect(() => regionEndpoints('huaweicloud', 'AP-Southeast-1')).toThrow(/not a region id/);
    const all = { dcs: 'https://a', dws: 'https://b', drs: 'https://c', iam: 'https://d' };
    expect(regionEndpoints('otc', 'eu-xx', all)).toEqual(all);
  });
});
