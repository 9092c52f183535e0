/**
 * The worker process: `npm run worker`, the Docker image's command, the tests' worker processes. Everything is in
 * runWorker (worker/run.ts), which `npm start` calls too.
 */
import { ConfigError } from './config';
import { runWorker } from './run';

runWorker().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
