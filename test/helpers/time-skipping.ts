/**
 * Time-skipping Temporal test environment (for timer-heavy workflow tests), backed by the
 * temporal-test-server binary that scripts/temporal-cli.js finds or installs (TEMPORAL_TEST_SERVER_PATH
 * overrides). The SDK's own downloader can't be used: its download host is unreachable here.
 *
 *   const env = await createTimeSkippingEnv();
 *   try { ... Worker.create({ connection: env.nativeConnection, ... }) ... } finally { await env.teardown(); }
 */
import {
  TestWorkflowEnvironment,
  type TimeSkippingTestWorkflowEnvironmentOptions,
} from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../domain/search-attributes';
import { findTimeSkippingServer } from '../../scripts/temporal-cli';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

export async function createTimeSkippingEnv(
  options: Omit<TimeSkippingTestWorkflowEnvironmentOptions, 'server'> & {
    server?: Omit<NonNullable<TimeSkippingTestWorkflowEnvironmentOptions['server']>, 'executable'>;
  } = {},
): Promise<TestWorkflowEnvironment> {
  const path = findTimeSkippingServer({ install: true });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    ...options,
    server: { ...options.server, executable: { type: 'existing-path', path } },
  });
  // Workflows upsert the project's search attributes; this server, like any other, must know them first.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTE_REGISTRATIONS.map(({ name }) => [name, INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}
