import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DEFAULT_SIMULATOR_URL, loadWorkerConfig } from '../../worker/config';
import { readCredentials, selectAuthMode } from '../../worker/credentials';

const SECRET = 'S3cr3t-Value-That-Must-Not-Leak';
const dir = mkdtempSync(path.join(os.tmpdir(), 'worker-config-'));
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

/** Loads and returns the error message (or fails the test if loading succeeded). */
function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadWorkerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

const everyOutput = (env: NodeJS.ProcessEnv) => {
  try {
    const config = loadWorkerConfig(env);
    return `${config.describe()} ${config.auth().description} ${JSON.stringify({ ...config, auth: undefined })}`;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('loadWorkerConfig: cloud and region', () => {
  it('defaults to the embedded simulator', () => {
    const config = loadWorkerConfig({ SWITCHOVER_AUTH_TOKEN: 'sim-token' });
    expect(config.cloud).toBe('simulator');
    expect(config.endpoints).toEqual({
      dcs: DEFAULT_SIMULATOR_URL,
      dws: DEFAULT_SIMULATOR_URL,
      drs: DEFAULT_SIMULATOR_URL,
      iam: DEFAULT_SIMULATOR_URL,
    });
    expect(config.temporal).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: expect.any(String),
    });
    expect(config.connectionOptions()).toEqual({ address: 'localhost:7233' });
    expect(config.deployment).toBeUndefined();
    expect(config.auth().description).toBe('static X-Auth-Token');
  });

  it('keeps the per-service overrides the test helpers use', () => {
    const config = loadWorkerConfig({
      SWITCHOVER_DCS_ENDPOINT: 'http://127.0.0.1:1234',
      SWITCHOVER_IAM_ENDPOINT: 'http://127.0.0.1:1235',
      SWITCHOVER_AUTH_TOKEN: 'sim-token',
      SWITCHOVER_REQUEST_TIMEOUT_MS: '3000',
      TEMPORAL_ADDRESS: undefined,
    });
    expect(config.endpoints.dcs).toBe('http://127.0.0.1:1234');
    expect(config.endpoints.dws).toBe(DEFAULT_SIMULATOR_URL);
    expect(config.endpoints.iam).toBe('http://127.0.0.1:1235');
    expect(config.requestTimeoutMs).toBe(3000);
  });

  it('SWITCHOVER_SIMULATOR_URL moves the simulator (compose), and is ignored for a real cloud', () => {
    const sim = { SWITCHOVER_SIMULATOR_URL: 'http://simulator:9090', SWITCHOVER_AUTH_TOKEN: 'sim-token' };
    expect(loadWorkerConfig(sim).endpoints).toEqual({
      dcs: 'http://simulator:9090',
      dws: 'http://simulator:9090',
      drs: 'http://simulator:9090',
      iam: 'http://simulator:9090',
    });
    expect(
      loadWorkerConfig({
        ...sim,
        SWITCHOVER_CLOUD: 'otc',
        SWITCHOVER_REGION: 'eu-de',
        SWITCHOVER_OTC_DWS: 'enabled',
      }).endpoints.dcs,
    ).toBe('https://dcs.eu-de.otc.t-systems.com');
  });

  it('derives every endpoint from SWITCHOVER_CLOUD + SWITCHOVER_REGION, overrides winning', () => {
    const config = loadWorkerConfig({
      SWITCHOVER_CLOUD: 'otc',
      SWITCHOVER_REGION: 'eu-de',
      SWITCHOVER_DRS_ENDPOINT: 'https://drs.private.example',
      SWITCHOVER_OTC_DWS: 'enabled',
      SWITCHOVER_AUTH_TOKEN: 't',
    });
    expect(config.region).toBe('eu-de');
    expect(config.endpoints).toEqual({
      dcs: 'https://dcs.eu-de.otc.t-systems.com',
      dws: 'https://dws.eu-de.otc.t-systems.com',
      drs: 'https://drs.private.example',
      iam: 'https://iam.eu-de.otc.t-systems.com',
    });
    expect(config.describe()).toContain('cloud otc region eu-de');
  });

  it('takes the region from OS_REGION_NAME, refuses a disagreement', () => {
    const base = { SWITCHOVER_CLOUD: 'huaweicloud', SWITCHOVER_AUTH_TOKEN: 't' };
    expect(loadWorkerConfig({ ...base, OS_REGION_NAME: 'eu-west-101' }).endpoints.dws).toBe(
      'https://dws.eu-west-101.myhuaweicloud.eu',
    );
    expect(failure({ ...base, OS_REGION_NAME: 'eu-west-101', SWITCHOVER_REGION: 'ap-southeast-1' })).toMatch(
      /SWITCHOVER_REGION \(ap-southeast-1\) and OS_REGION_NAME \(eu-west-101\) disagree/,
    );
  });

  it('a real cloud without region is refused unless every endpoint is given', () => {
    expect(failure({ SWITCHOVER_CLOUD: 'otc', SWITCHOVER_AUTH_TOKEN: 't' })).toMatch(
      /SWITCHOVER_REGION is missing.*SWITCHOVER_DCS_ENDPOINT, SWITCHOVER_DWS_ENDPOINT/,
    );
    const all = {
      SWITCHOVER_DCS_ENDPOINT: 'https://a.example',
      SWITCHOVER_DWS_ENDPOINT: 'https://b.example',
      SWITCHOVER_DRS_ENDPOINT: 'https://c.example',
      SWITCHOVER_IAM_ENDPOINT: 'https://d.example',
    };
    expect(
      loadWorkerConfig({ SWITCHOVER_CLOUD: 'otc', SWITCHOVER_AUTH_TOKEN: 't', ...all }).endpoints.iam,
    ).toBe('https://d.example');
  });

  it('OTC DWS disaster recovery is not in the OTC API reference: it needs SWITCHOVER_DWS_ENDPOINT or SWITCHOVER_OTC_DWS=enabled', () => {
    const otc = { SWITCHOVER_CLOUD: 'otc', SWITCHOVER_REGION: 'eu-de', SWITCHOVER_AUTH_TOKEN: 't' };
    expect(failure(otc)).toMatch(
      /DWS disaster recovery is not in the Open Telekom Cloud API reference.*SWITCHOVER_DWS_ENDPOINT.*SWITCHOVER_OTC_DWS=enabled/,
    );
    expect(
      loadWorkerConfig({ ...otc, SWITCHOVER_DWS_ENDPOINT: 'https://dws.private.example' }).endpoints.dws,
    ).toBe('https://dws.private.example');
    expect(loadWorkerConfig({ ...otc, SWITCHOVER_OTC_DWS: 'enabled' }).endpoints.dws).toBe(
      'https://dws.eu-de.otc.t-systems.com',
    );
    expect(failure({ ...otc, SWITCHOVER_OTC_DWS: 'yes' })).toMatch(
      /SWITCHOVER_OTC_DWS must be enabled or disabled/,
    );
  });

  it('OTC eu-nl has no DWS: refused, naming the override', () => {
    expect(
      failure({ SWITCHOVER_CLOUD: 'otc', SWITCHOVER_REGION: 'eu-nl', SWITCHOVER_AUTH_TOKEN: 't' }),
    ).toMatch(/DWS is not offered .* eu-nl.*SWITCHOVER_DWS_ENDPOINT/);
  });

  it('refuses an unknown cloud, a region with the simulator, and a bad URL; reports every problem at once', () => {
    const message = failure({
      SWITCHOVER_CLOUD: 'aws',
      SWITCHOVER_DCS_ENDPOINT: 'not a url',
      SWITCHOVER_AUTH_TOKEN: 't',
    });
    expect(message).toMatch(/SWITCHOVER_CLOUD must be one of simulator, huaweicloud, otc/);
    expect(message).toMatch(/SWITCHOVER_DCS_ENDPOINT must be an absolute http\(s\) URL/);
    expect(failure({ SWITCHOVER_REGION: 'eu-de', SWITCHOVER_AUTH_TOKEN: 't' })).toMatch(
      /SWITCHOVER_REGION is set but SWITCHOVER_CLOUD is simulator/,
    );
  });
});

describe('loadWorkerConfig: credentials', () => {
  it('HUAWEICLOUD_SDK_* → AK/SK signing with X-Security-Token when given', async () => {
    const config = loadWorkerConfig({
      HUAWEICLOUD_SDK_AK: 'AKIDEXAMPLE1234',
      HUAWEICLOUD_SDK_SK: SECRET,
      HUAWEICLOUD_SDK_PROJECT_ID: 'proj1',
      HUAWEICLOUD_SDK_SECURITY_TOKEN: 'sts-' + SECRET,
    });
    expect(config.describe()).toMatch(
      /AK\/SK signing from HUAWEICLOUD_SDK_\* \(access key AKID\*\*\*\*, temporary/,
    );
    const headers = await config
      .auth()
      .authorize({ method: 'GET', url: 'http://127.0.0.1:9090/v2/proj1/instances', headers: {} });
    expect(headers['X-Project-Id']).toBe('proj1');
    expect(headers['X-Security-Token']).toBe('sts-' + SECRET);
    expect(headers.Authorization).toMatch(/^SDK-HMAC-SHA256 Access=AKIDEXAMPLE1234, /);
  });

  it('OS_ACCESS_KEY/OS_SECRET_KEY (+ OS_SECURITY_TOKEN) with OS_PROJECT_ID', () => {
    const c = readCredentials({
      OS_ACCESS_KEY: ' AKIDEXAMPLE1234\n',
      OS_SECRET_KEY: `${SECRET}\n`,
      OS_PROJECT_ID: 'p',
      OS_REGION_NAME: 'eu-de',
      OS_AUTH_URL: 'https://iam.eu-de.otc.t-systems.com/v3',
    });
    expect(c).toMatchObject({
      kind: 'aksk',
      projectId: 'p',
      keys: { accessKey: 'AKIDEXAMPLE1234', secretKey: SECRET },
    });
  });

  it('OS_USERNAME/OS_PASSWORD: IAM token from OS_AUTH_URL without /v3, unless SWITCHOVER_IAM_ENDPOINT is set', () => {
    const env = {
      SWITCHOVER_CLOUD: 'otc',
      OS_REGION_NAME: 'eu-nl',
      SWITCHOVER_DWS_ENDPOINT: 'https://dws.eu-de.otc.t-systems.com',
      OS_USERNAME: 'ops',
      OS_PASSWORD: SECRET,
      OS_USER_DOMAIN_NAME: 'OTC00000000001000000001',
      OS_PROJECT_NAME: 'eu-nl_switchover',
      OS_AUTH_URL: 'https://iam.example.internal/v3/',
    };
    const config = loadWorkerConfig(env);
    expect(config.endpoints.iam).toBe('https://iam.example.internal');
    expect(config.describe()).toContain(
      'user ops, domain OTC00000000001000000001, project name eu-nl_switchover',
    );
    expect(
      loadWorkerConfig({ ...env, SWITCHOVER_IAM_ENDPOINT: 'https://iam.override.example' }).endpoints.iam,
    ).toBe('https://iam.override.example');
    expect(failure({ ...env, OS_USER_DOMAIN_NAME: undefined })).toMatch(/OS_DOMAIN_NAME is missing/);
    expect(failure({ ...env, OS_PROJECT_NAME: '' })).toMatch(/OS_PROJECT_ID is missing/);
  });

  it('SWITCHOVER_IAM_* still works and now needs the project', () => {
    const env = {
      SWITCHOVER_IAM_USER: 'u',
      SWITCHOVER_IAM_PASSWORD: SECRET,
      SWITCHOVER_IAM_DOMAIN: 'd',
      SWITCHOVER_IAM_PROJECT_ID: 'p',
    };
    expect(loadWorkerConfig(env).auth().description).toMatch(/IAM password token \(user u, domain d\)/);
    expect(failure({ ...env, SWITCHOVER_IAM_DOMAIN: undefined })).toMatch(/SWITCHOVER_IAM_DOMAIN is missing/);
    expect(failure({ ...env, SWITCHOVER_IAM_PROJECT_ID: undefined })).toMatch(
      /SWITCHOVER_IAM_PROJECT_ID is missing/,
    );
  });

  it('names the missing variable of an incomplete mode', () => {
    expect(failure({ HUAWEICLOUD_SDK_AK: 'AK' })).toMatch(/HUAWEICLOUD_SDK_PROJECT_ID is missing/);
    expect(failure({ HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_PROJECT_ID: 'p' })).toMatch(
      /HUAWEICLOUD_SDK_SK is missing/,
    );
    expect(failure({ OS_SECRET_KEY: SECRET, OS_PROJECT_ID: 'p' })).toMatch(/OS_ACCESS_KEY is missing/);
    expect(failure({ OS_USERNAME: 'u', OS_DOMAIN_NAME: 'd', OS_PROJECT_ID: 'p' })).toMatch(
      /OS_PASSWORD is missing/,
    );
  });

  it('refuses no credentials and several sources, naming variables only; SWITCHOVER_AUTH_MODE settles it', () => {
    expect(failure({})).toMatch(
      /no cloud credentials: set SWITCHOVER_AUTH_TOKEN \(the simulator accepts sim-token\)/,
    );
    const both = {
      SWITCHOVER_AUTH_TOKEN: SECRET,
      OS_ACCESS_KEY: 'AK',
      OS_SECRET_KEY: SECRET,
      OS_PROJECT_ID: 'p',
    };
    const message = failure(both);
    expect(message).toMatch(
      /ambiguous cloud credentials.*token \(SWITCHOVER_AUTH_TOKEN\); os-aksk \(OS_ACCESS_KEY, OS_SECRET_KEY\).*SWITCHOVER_AUTH_MODE/,
    );
    expect(message).not.toContain(SECRET);
    expect(selectAuthMode({ ...both, SWITCHOVER_AUTH_MODE: 'os-aksk' })).toBe('os-aksk');
    expect(loadWorkerConfig({ ...both, SWITCHOVER_AUTH_MODE: 'token' }).describe()).toContain(
      'static X-Auth-Token',
    );
    expect(failure({ ...both, SWITCHOVER_AUTH_MODE: 'magic' })).toMatch(
      /SWITCHOVER_AUTH_MODE must be one of/,
    );
  });

  it('empty variables count as unset (compose passes VAR= through)', () => {
    expect(
      loadWorkerConfig({ SWITCHOVER_AUTH_TOKEN: 'sim-token', OS_USERNAME: '', HUAWEICLOUD_SDK_AK: ' ' })
        .cloud,
    ).toBe('simulator');
  });
});

describe('SWITCHOVER_CREDENTIALS_FILE', () => {
  it('AK/SK file', () => {
    const p = file(
      'aksk.json',
      JSON.stringify({ accessKey: 'AKIDEXAMPLE1234', secretKey: SECRET, projectId: 'p1' }),
    );
    const config = loadWorkerConfig({ SWITCHOVER_CREDENTIALS_FILE: p });
    expect(config.describe()).toMatch(/AK\/SK signing from SWITCHOVER_CREDENTIALS_FILE .* project p1/);
  });

  it('the IAM temporary-credential answer as is, plus projectId; re-read after a 401', async () => {
    const p = file(
      'sts.json',
      JSON.stringify({
        projectId: 'p2',
        credential: {
          access: 'AKIDEXAMPLE1234',
          secret: SECRET,
          securitytoken: 'tok1',
          expires_at: '2030-01-01T00:00:00Z',
        },
      }),
    );
    const auth = loadWorkerConfig({ SWITCHOVER_CREDENTIALS_FILE: p }).auth();
    const request = { method: 'GET', url: 'https://dcs.example/v2/p2/x', headers: {} };
    expect((await auth.authorize(request))['X-Security-Token']).toBe('tok1');
    writeFileSync(
      p,
      JSON.stringify({
        projectId: 'p2',
        credential: { access: 'AKIDEXAMPLE1234', secret: SECRET, securitytoken: 'tok2' },
      }),
    );
    expect((await auth.authorize(request))['X-Security-Token']).toBe('tok1');
    expect(auth.invalidate()).toBe(true);
    expect((await auth.authorize(request))['X-Security-Token']).toBe('tok2');
  });

  it('token and password files', () => {
    expect(
      loadWorkerConfig({ SWITCHOVER_CREDENTIALS_FILE: file('t.json', '{"token":"abc"}') }).describe(),
    ).toContain('static X-Auth-Token from SWITCHOVER_CREDENTIALS_FILE');
    const pw = file(
      'pw.json',
      JSON.stringify({
        userName: 'u',
        password: SECRET,
        domainName: 'd',
        projectName: 'eu-de',
        iamEndpoint: 'https://iam.x.example/v3',
      }),
    );
    expect(loadWorkerConfig({ SWITCHOVER_CREDENTIALS_FILE: pw }).endpoints.iam).toBe('https://iam.x.example');
  });

  it('refuses unreadable, invalid, unknown and incomplete files without quoting them', () => {
    expect(failure({ SWITCHOVER_CREDENTIALS_FILE: path.join(dir, 'missing.json') })).toMatch(
      /cannot be read \(ENOENT\)/,
    );
    const broken = failure({
      SWITCHOVER_CREDENTIALS_FILE: file('broken.json', `{"secretKey": "${SECRET}",,}`),
    });
    expect(broken).toMatch(/is not valid JSON/);
    expect(broken).not.toContain(SECRET);
    expect(failure({ SWITCHOVER_CREDENTIALS_FILE: file('other.json', '{"foo": 1}') })).toMatch(
      /must be a JSON object holding one of: token \{token\}; aksk \{accessKey, secretKey, securityToken, projectId\}/,
    );
    const typo = failure({
      SWITCHOVER_CREDENTIALS_FILE: file(
        'typo.json',
        JSON.stringify({ accessKey: 'AK', secretkey: SECRET, projectId: 'p' }),
      ),
    });
    expect(typo).toMatch(/secretKey: .*; \(file\): unknown key\(s\) secretkey/);
    expect(typo).not.toContain(SECRET);
    expect(
      failure({
        SWITCHOVER_CREDENTIALS_FILE: file(
          'noproj.json',
          JSON.stringify({ accessKey: 'AK', secretKey: SECRET }),
        ),
      }),
    ).toMatch(/projectId/);
  });
});

describe('loadWorkerConfig: Temporal connection, versioning, bundle', () => {
  it('wires TLS, the API key and the deployment version', () => {
    const config = loadWorkerConfig({
      SWITCHOVER_AUTH_TOKEN: 'sim-token',
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: SECRET,
      SWITCHOVER_DEPLOYMENT_NAME: 'switchover',
      SWITCHOVER_BUILD_ID: '2024-06-01.abc123',
    });
    expect(config.connectionOptions()).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      apiKey: SECRET,
    });
    expect(config.temporal.address).toBe('ns.acct.tmprl.cloud:7233');
    expect(config.deployment).toEqual({
      useWorkerVersioning: true,
      version: { deploymentName: 'switchover', buildId: '2024-06-01.abc123' },
      defaultVersioningBehavior: 'PINNED',
    });
    expect(config.describe()).toMatch(
      /temporal ns.acct.tmprl.cloud:7233 TLS \(system roots\) API key namespace ns.acct/,
    );
    expect(config.describe()).toContain('deployment switchover build 2024-06-01.abc123 (PINNED)');
  });

  it('SWITCHOVER_WORKFLOW_BUNDLE must exist', () => {
    const bundle = file('bundle.js', '// bundle');
    expect(
      loadWorkerConfig({ SWITCHOVER_AUTH_TOKEN: 't', SWITCHOVER_WORKFLOW_BUNDLE: bundle }).workflowBundlePath,
    ).toBe(bundle);
    expect(
      failure({ SWITCHOVER_AUTH_TOKEN: 't', SWITCHOVER_WORKFLOW_BUNDLE: path.join(dir, 'nope.js') }),
    ).toMatch(/SWITCHOVER_WORKFLOW_BUNDLE: no file at/);
  });
});

describe('secrets never appear in describe(), auth descriptions or errors', () => {
  const cases: Record<string, NodeJS.ProcessEnv> = {
    token: { SWITCHOVER_AUTH_TOKEN: SECRET },
    iam: {
      SWITCHOVER_IAM_USER: 'u',
      SWITCHOVER_IAM_PASSWORD: SECRET,
      SWITCHOVER_IAM_DOMAIN: 'd',
      SWITCHOVER_IAM_PROJECT_ID: 'p',
    },
    'huaweicloud aksk': {
      HUAWEICLOUD_SDK_AK: 'AK12345678',
      HUAWEICLOUD_SDK_SK: SECRET,
      HUAWEICLOUD_SDK_PROJECT_ID: 'p',
      HUAWEICLOUD_SDK_SECURITY_TOKEN: SECRET,
    },
    'os password': { OS_USERNAME: 'u', OS_PASSWORD: SECRET, OS_DOMAIN_NAME: 'd', OS_PROJECT_ID: 'p' },
    'temporal api key': { SWITCHOVER_AUTH_TOKEN: 'x', TEMPORAL_API_KEY: SECRET },
    'incomplete aksk': { OS_SECRET_KEY: SECRET, OS_SECURITY_TOKEN: SECRET },
    ambiguous: { SWITCHOVER_AUTH_TOKEN: SECRET, OS_PASSWORD: SECRET },
    'config error elsewhere': { SWITCHOVER_AUTH_TOKEN: SECRET, SWITCHOVER_REQUEST_TIMEOUT_MS: 'soon' },
  };
  it.each(Object.entries(cases))('%s', (_name, env) => {
    expect(everyOutput(env)).not.toContain(SECRET);
  });
});
