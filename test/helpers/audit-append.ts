/**
 * Child process for cross-process audit tests: appends outcomes (a JSON array in argv[3]) to the JSON Lines
 * file argv[2] through its own JsonlAuditStore, concurrently, and prints the results as a JSON array.
 *   node --import tsx test/helpers/audit-append.ts FILE '[outcome, ...]'
 */
import { JsonlAuditStore } from '../../activities/audit';
import type { SwitchoverOutcome } from '../../domain/outcome';

async function main(): Promise<void> {
  const [file, json] = process.argv.slice(2);
  if (!file || !json) throw new Error('usage: audit-append.ts FILE OUTCOMES_JSON');
  const store = new JsonlAuditStore(file);
  const outcomes = JSON.parse(json) as SwitchoverOutcome[];
  const results = await Promise.all(outcomes.map((outcome) => store.append(outcome)));
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
