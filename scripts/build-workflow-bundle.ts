/**
 * Prebuilds the workflow bundle for production images, so the worker starts without webpack and runs
 * exactly the workflow code that was built and tested (Temporal's `production` sample):
 *
 *   npx tsx scripts/build-workflow-bundle.ts [out-file]          (from the TypeScript sources)
 *   node dist/scripts/build-workflow-bundle.js [out-file]         (after `npm run build`)
 *
 * The worker loads it with SWITCHOVER_WORKFLOW_BUNDLE=<out-file> (→ `workflowBundle: { codePath }`).
 * Keep the bundler options in step with worker/worker.ts (workflow interceptors, payload converter:
 * none today).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const DEFAULT_BUNDLE_FILE = path.join('dist', 'workflow-bundle.js');

export async function buildWorkflowBundle(
  outFile: string = DEFAULT_BUNDLE_FILE,
): Promise<{ file: string; bytes: number }> {
  // `../workflows` beside this file: the .ts sources under tsx, the compiled .js under dist/.
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  const file = path.resolve(outFile);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, code);
  return { file, bytes: statSync(file).size };
}

if (require.main === module) {
  buildWorkflowBundle(process.argv[2]).then(
    ({ file, bytes }) => console.log(`workflow bundle written to ${file} (${bytes} bytes)`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
