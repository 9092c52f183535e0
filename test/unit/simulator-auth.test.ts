import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { call } from '../../simulator/testing';

const P = '0605767a3300d5762fb7c0186d7ff0a5';

function passwordBody(password: string, project: { id?: string; name?: string } = { id: P }) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'demo', password, domain: { name: 'demo' } } },
      },
      scope: { project },
    },
  };
}

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
  sim.control.createDcsInstance({ projectId: P, instanceId: 'inst-1' });
});
afterEach(async () => {
  await sim.close();
});

describe('simulator authentication', () => {
  it('requires a token: DCS answers DCS.1001, the gateway APIGW.0301', async () => {
    const dcs = await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`, { token: null });
    expect(dcs.status).toBe(401);
    expect(dcs.body).toEqual({ error_msg: expect.any(String), error_code: 'DCS.1001', error_ext_msg: null });
    const wrong = await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`, { token: 'not-a-token' });
    expect(wrong.status).toBe(401);
    // the request was not handled
    expect(sim.control.requests({ path: 'instances/inst-1$' }).every((r) => !r.authenticated)).toBe(true);
  });

  it('issues scoped tokens with a password identity (201, X-Subject-Token, token body)', async () => {
    const res = await call<{
      token: { expires_at: string; issued_at: string; project: { id: string }; user: { name: string } };
    }>(sim.url, 'POST', '/v3/auth/tokens', { token: null, body: passwordBody('demo-password') });
    expect(res.status).toBe(201);
    const token = res.headers.get('x-subject-token');
    expect(token).toBeTruthy();
    expect(res.body.token.project.id).toBe(P);
    expect(res.body.token.user.name).toBe('demo');
    expect(Date.parse(res.body.token.expires_at) - Date.parse(res.body.token.issued_at)).toBe(
      24 * 3600 * 1000,
    );

    const ok = await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`, { token: token as string });
    expect(ok.status).toBe(200);
    const otherProject = await call(sim.url, 'GET', `/v2/ffff0000ffff0000ffff0000ffff0000/instances/inst-1`, {
      token: token as string,
    });
    expect(otherProject.status).toBe(401);
    expect((otherProject.body as { error_code: string }).error_code).toBe('DCS.1004');
  });

  it('refuses a wrong password with 401 and never logs secrets', async () => {
    const res = await call(sim.url, 'POST', '/v3/auth/tokens', { token: null, body: passwordBody('wrong') });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-subject-token')).toBeNull();
    const logged = JSON.stringify(sim.control.requests());
    expect(logged).not.toContain('wrong');
    expect(logged).not.toContain('sim-token');
  });

  it('revoked and expired tokens get 401 (refresh-on-401 can be tested)', async () => {
    const issue = async () =>
      (
        await call(sim.url, 'POST', '/v3/auth/tokens', { token: null, body: passwordBody('demo-password') })
      ).headers.get('x-subject-token') as string;
    const token = await issue();
    expect((await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`, { token })).status).toBe(200);
    const revoked = await call<{ revoked: number }>(sim.url, 'POST', '/_sim/tokens/revoke', { token: null });
    expect(revoked.body.revoked).toBe(1);
    expect((await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`, { token })).status).toBe(401);
    // static tokens survive a revocation
    expect((await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`)).status).toBe(200);

    sim.control.setTokenLifetime(50);
    const shortLived = await issue();
    expect((await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`, { token: shortLived })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 80));
    expect((await call(sim.url, 'GET', `/v2/${P}/instances/inst-1`, { token: shortLived })).status).toBe(401);
  });

  it('accepts custom static tokens and users', async () => {
    const custom = await startSimulator({
      quiet: true,
      staticTokens: ['alpha'],
      users: [{ name: 'ops', password: 'pw', domain: 'acme' }],
    });
    try {
      custom.control.createDcsInstance({ projectId: P, instanceId: 'inst-1' });
      expect((await call(custom.url, 'GET', `/v2/${P}/instances/inst-1`, { token: 'alpha' })).status).toBe(
        200,
      );
      expect(
        (await call(custom.url, 'GET', `/v2/${P}/instances/inst-1`, { token: 'sim-token' })).status,
      ).toBe(401);
      const res = await call<{ token: { project: { id: string; name: string } } }>(
        custom.url,
        'POST',
        '/v3/auth/tokens',
        {
          token: null,
          body: {
            auth: {
              identity: {
                methods: ['password'],
                password: { user: { name: 'ops', password: 'pw', domain: { name: 'acme' } } },
              },
              scope: { project: { name: 'eu-de' } },
            },
          },
        },
      );
      expect(res.status).toBe(201);
      expect(res.body.token.project.name).toBe('eu-de');
      expect(res.body.token.project.id).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await custom.close();
    }
  });
});
