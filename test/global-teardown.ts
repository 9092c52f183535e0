/** Jest global teardown: stops the run's dev server and removes the bundle's temp dir (see global-setup.ts). */
import fs from 'fs';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__SWITCHOVER_TEST__;
  globalThis.__SWITCHOVER_TEST__ = undefined;
  if (!state) return;
  await state.server?.stop();
  if (state.tmpDir) fs.rmSync(state.tmpDir, { recursive: true, force: true });
}
