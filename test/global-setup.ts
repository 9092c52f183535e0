/**
 * Jest global setup: one Temporal dev server and one workflow bundle for the whole test run.
 *
 * Runs in jest's parent process before any test file. Values reach the tests through process.env, which
 * jest copies into every test environment (in-band and worker processes alike):
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE      the run's dev server (read via test/helpers/temporal.ts)
 *   SWITCHOVER_TEST_WORKFLOW_BUNDLE           path of the prebuilt workflow bundle (unset if none was built)
 * The server handle lives on globalThis for test/global-teardown.ts (same process and context).
 *
 * Env overrides: SWITCHOVER_WORKFLOWS_PATH (workflows entry to bundle; default ../workflows).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type DevServerHandle } from '../scripts/dev-server';

export const TEST_NAMESPACE = 'default';

export interface SwitchoverTestGlobals {
  server?: DevServerHandle;
  tmpDir?: string;
}

declare global {
  var __SWITCHOVER_TEST__: SwitchoverTestGlobals | undefined;
}

function resolveWorkflowsPath(): string | undefined {
  const override = process.env.SWITCHOVER_WORKFLOWS_PATH;
  const candidate = override ? path.resolve(override) : path.resolve(__dirname, '..', 'workflows');
  try {
    return require.resolve(candidate);
  } catch {
    return undefined;
  }
}

async function buildBundle(tmpDir: string): Promise<string | undefined> {
  const workflowsPath = resolveWorkflowsPath();
  if (!workflowsPath) {
    console.warn(
      `\n[global-setup] warning: no workflows entry found (${process.env.SWITCHOVER_WORKFLOWS_PATH ?? 'workflows/index.ts'}); ` +
        'skipping the workflow bundle - workflowBundle() will throw in tests that need it',
    );
    return undefined;
  }
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const file = path.join(tmpDir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  return file;
}

export default async function globalSetup(): Promise<void> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchover-jest-'));
  const state: SwitchoverTestGlobals = { tmpDir };
  globalThis.__SWITCHOVER_TEST__ = state;

  const [serverResult, bundleResult] = await Promise.allSettled([
    startDevServer({ port: 0, headless: true, namespace: TEST_NAMESPACE }),
    buildBundle(tmpDir),
  ]);
  if (serverResult.status === 'fulfilled') state.server = serverResult.value;
  if (serverResult.status === 'rejected' || bundleResult.status === 'rejected') {
    // Jest skips global teardown when setup throws: clean up here.
    await state.server?.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
    globalThis.__SWITCHOVER_TEST__ = undefined;
    throw serverResult.status === 'rejected'
      ? serverResult.reason
      : (bundleResult as PromiseRejectedResult).reason;
  }
  const server = serverResult.value;
  const bundleFile = bundleResult.value;

  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
  if (bundleFile) process.env.SWITCHOVER_TEST_WORKFLOW_BUNDLE = bundleFile;
  else delete process.env.SWITCHOVER_TEST_WORKFLOW_BUNDLE;
}
