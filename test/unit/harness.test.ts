/** The jest harness itself: the shared dev server, its search attributes, the bundle, the time-skipping server. */
import fs from 'fs';
import path from 'path';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../domain/search-attributes';
import { testConnection, type TestConnection } from '../helpers/temporal';
import { createTimeSkippingEnv } from '../helpers/time-skipping';

describe('global dev server', () => {
  let temporal: TestConnection;
  beforeAll(async () => {
    temporal = await testConnection();
  });
  afterAll(async () => {
    await temporal?.close();
  });

  it('is handed to tests through process.env', () => {
    expect(process.env.TEMPORAL_ADDRESS).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(process.env.TEMPORAL_NAMESPACE).toBeTruthy();
  });

  it('answers getSystemInfo', async () => {
    const info = await temporal.client.connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBeTruthy();
  });

  it('has the project search attributes registered as Keyword', async () => {
    const { customAttributes } = await temporal.client.connection.operatorService.listSearchAttributes({
      namespace: temporal.namespace,
    });
    for (const { name } of SEARCH_ATTRIBUTE_REGISTRATIONS) {
      // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD = 2
      expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: 2 });
    }
  });

  it('comes with the prebuilt workflow bundle (workflows/index.ts exists)', () => {
    // Global setup bundles whenever workflows/index.ts exists; a missing bundle is a harness defect, not a skip.
    expect(fs.existsSync(path.join(__dirname, '../../workflows/index.ts'))).toBe(true);
    const file = process.env.SWITCHOVER_TEST_WORKFLOW_BUNDLE;
    expect(file).toBeTruthy();
    expect(fs.statSync(file!).size).toBeGreaterThan(0);
  });
});

describe('time-skipping test server', () => {
  it('starts, skips time and tears down', async () => {
    const env = await createTimeSkippingEnv();
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const before = await env.currentTimeMs();
      await env.sleep('1 day');
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
    } finally {
      await env.teardown();
    }
  });
});
