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
import { findTimeSkippingServer } from '../../scripts/temporal-cli';

export async function createTimeSkippingEnv(
  options: Omit<TimeSkippingTestWorkflowEnvironmentOptions, 'server'> & {
    server?: Omit<NonNullable<TimeSkippingTestWorkflowEnvironmentOptions['server']>, 'executable'>;
  } = {},
): Promise<TestWorkflowEnvironment> {
  const path = findTimeSkippingServer({ install: true });
  return TestWorkflowEnvironment.createTimeSkipping({
    ...options,
    server: { ...options.server, executable: { type: 'existing-path', path } },
  });
}
