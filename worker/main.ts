/**
 * The worker process: `npm run worker`, the Docker image's command, the tests' worker processes. Everything is in
 * runWorker (worker/run.ts), which `npm start` calls too.
 */
import { SearchAttributesMissingError } from '../shared/search-attributes-check';
import { ConfigError } from './config';
import { runWorker } from './run';

runWorker().catch((error) => {
  const known = error instanceof ConfigError || error instanceof SearchAttributesMissingError;
  console.error(known ? `switchover worker: ${error.message}` : error);
  process.exit(known ? 2 : 1);
});
