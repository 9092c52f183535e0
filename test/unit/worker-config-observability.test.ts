/** Worker configuration of the audit store, the outcome webhook and the metrics endpoints. */
import path from 'node:path';
import { ConfigError, loadWorkerConfig } from '../../worker/config';

const BASE = { SWITCHOVER_AUTH_TOKEN: 'sim-token' };
const DB_PASSWORD = 'Db-Pa55word-Never-Shown';
const HOOK_SECRET = 'T0000/B0000/HookSecretNeverShown';

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadWorkerConfig({ ...BASE, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('audit', () => {
  test('defaults to the JSON Lines file .data/audit.jsonl (auditFile kept for existing callers)', () => {
    const config = loadWorkerConfig(BASE);
    expect(config.audit).toEqual({ backend: 'jsonl', file: path.join('.data', 'audit.jsonl') });
    expect(config.auditFile).toBe(path.join('.data', 'audit.jsonl'));
    expect(config.describe()).toContain(`audit jsonl ${path.join('.data', 'audit.jsonl')}`);
  });

  test('postgres: needs SWITCHOVER_AUDIT_DATABASE_URL, never shows its password', () => {
    expect(refusal({ SWITCHOVER_AUDIT_BACKEND: 'postgres' })).toMatch(
      /SWITCHOVER_AUDIT_DATABASE_URL is missing/,
    );
    expect(refusal({ SWITCHOVER_AUDIT_BACKEND: 'mongo' })).toMatch(
      /SWITCHOVER_AUDIT_BACKEND must be one of jsonl, postgres/,
    );
    const bad = refusal({
      SWITCHOVER_AUDIT_BACKEND: 'postgres',
      SWITCHOVER_AUDIT_DATABASE_URL: `mysql://audit:${DB_PASSWORD}@db/ops`,
    });
    expect(bad).toMatch(/SWITCHOVER_AUDIT_DATABASE_URL must be a postgres/);
    expect(bad).not.toContain(DB_PASSWORD);

    const url = `postgresql://audit:${DB_PASSWORD}@db.internal:5432/ops`;
    const config = loadWorkerConfig({
      ...BASE,
      SWITCHOVER_AUDIT_BACKEND: 'postgres',
      SWITCHOVER_AUDIT_DATABASE_URL: url,
    });
    expect(config.audit.backend).toBe('postgres');
    if (config.audit.backend === 'postgres') expect(config.audit.databaseUrl()).toBe(url);
    expect(config.describe()).toContain('audit postgres postgresql://audit@db.internal:5432/ops');
    expect(`${config.describe()} ${JSON.stringify(config)}`).not.toContain(DB_PASSWORD);
  });
});

describe('webhook', () => {
  test('off unless SWITCHOVER_WEBHOOK_URL is set', () => {
    const config = loadWorkerConfig(BASE);
    expect(config.notify).toEqual({});
    expect(config.describe()).toContain('no webhook');
  });

  test('URL, format and Web UI link; the hook URL shows only as its origin', () => {
    const url = `https://hooks.slack.example/services/${HOOK_SECRET}`;
    const config = loadWorkerConfig({
      ...BASE,
      SWITCHOVER_WEBHOOK_URL: url,
      SWITCHOVER_WEBHOOK_FORMAT: 'slack',
      TEMPORAL_UI_URL: 'http://localhost:8233',
    });
    expect(config.notify.webhook?.url()).toBe(url);
    expect(config.notify.webhook?.format).toBe('slack');
    expect(config.notify.uiUrl).toBe('http://localhost:8233');
    expect(config.describe()).toContain('webhook https://hooks.slack.example (slack)');
    expect(`${config.describe()} ${JSON.stringify(config)}`).not.toContain(HOOK_SECRET);
    expect(loadWorkerConfig({ ...BASE, SWITCHOVER_WEBHOOK_URL: url }).notify.webhook?.format).toBe('json');
  });

  test('a bad URL or format is refused, naming the variable and not the value', () => {
    const message = refusal({
      SWITCHOVER_WEBHOOK_URL: `ftp://x/${HOOK_SECRET}`,
      SWITCHOVER_WEBHOOK_FORMAT: 'teams',
    });
    expect(message).toMatch(/SWITCHOVER_WEBHOOK_URL must be an absolute http\(s\) URL/);
    expect(message).toMatch(/SWITCHOVER_WEBHOOK_FORMAT must be one of json, slack/);
    expect(message).not.toContain(HOOK_SECRET);
    expect(refusal({ TEMPORAL_UI_URL: 'localhost:8233' })).toMatch(/TEMPORAL_UI_URL/);
  });
});

describe('metrics', () => {
  test('both endpoints off by default, bound to 0.0.0.0 when on', () => {
    expect(loadWorkerConfig(BASE).metrics).toEqual({ host: '0.0.0.0' });
    expect(loadWorkerConfig(BASE).describe()).toContain('metrics switchover off, sdk off');
    const config = loadWorkerConfig({
      ...BASE,
      SWITCHOVER_METRICS_PORT: '9464',
      SWITCHOVER_SDK_METRICS_PORT: '9465',
    });
    expect(config.metrics).toEqual({ host: '0.0.0.0', port: 9464, sdkPort: 9465 });
    expect(config.describe()).toContain('metrics switchover 0.0.0.0:9464, sdk 0.0.0.0:9465');
    expect(
      loadWorkerConfig({ ...BASE, SWITCHOVER_METRICS_PORT: '0', SWITCHOVER_METRICS_HOST: '127.0.0.1' })
        .metrics,
    ).toEqual({
      host: '127.0.0.1',
      port: 0,
    });
  });

  test('ports must be ports', () => {
    expect(refusal({ SWITCHOVER_METRICS_PORT: 'ninety' })).toMatch(
      /SWITCHOVER_METRICS_PORT must be a port number/,
    );
    expect(refusal({ SWITCHOVER_METRICS_PORT: '70000' })).toMatch(
      /SWITCHOVER_METRICS_PORT must be a port from 0 to 65535/,
    );
    expect(refusal({ SWITCHOVER_SDK_METRICS_PORT: '0' })).toMatch(
      /SWITCHOVER_SDK_METRICS_PORT must be a port from 1/,
    );
  });
});
