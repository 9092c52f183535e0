/**
 * `npm run chaos [-- flags]`: the chaos suite (default 200 switchovers; `--ci` 40), or `--bad-input` for the
 * bad-input fuzz. Exits 0 only when every invariant holds. See scripts/README.md (chaos).
 *
 * Flags (environment variable in brackets):
 *   --runs N (CHAOS_RUNS, 200; --ci: 40)      --seed S (CHAOS_SEED, random; printed)
 *   --workers N (3)                           --spread-seconds S (runs × 3)
 *   --run-timeout-seconds S (120)             --request-timeout-ms MS (3000)
 *   --dev-server-kills N (1; 2 from 100 runs) --worker-kills N (runs / 5, at least 3)
 *   --audit jsonl|postgres (CHAOS_AUDIT, jsonl) the audit store; postgres: a throwaway cluster (scripts/postgres.sh)
 *   --audit-outage-seconds S (40; 0 = none)   --verbose   --keep (keep the temp dir; a cluster stopped, kept)
 *   --bad-input [--count N (CHAOS_BAD_INPUTS, 3000)]
 */
import { parseArgs } from 'node:util';
import { AUDIT_BACKENDS, type AuditBackend } from '../../activities/audit/store';
import { runBadInput } from './bad-input';
import { runChaos } from './suite';

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`chaos: ${name} must be a whole number >= 0, got '${value}'`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      'spread-seconds': { type: 'string' },
      'run-timeout-seconds': { type: 'string' },
      'request-timeout-ms': { type: 'string' },
      'dev-server-kills': { type: 'string' },
      'worker-kills': { type: 'string' },
      'audit-outage-seconds': { type: 'string' },
      audit: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      ci: { type: 'boolean', default: false },
      'bad-input': { type: 'boolean', default: false },
      count: { type: 'string' },
    },
    strict: true,
  });
  const seed = int(values.seed ?? process.env.CHAOS_SEED, '--seed', Math.floor(Math.random() * 1_000_000));

  if (values['bad-input']) {
    const count = int(values.count ?? process.env.CHAOS_BAD_INPUTS, '--count', 3000);
    const { ok, report } = await runBadInput({ seed, count, verbose: values.verbose });
    console.log(report);
    return ok ? 0 : 1;
  }

  const runs = int(values.runs ?? process.env.CHAOS_RUNS, '--runs', values.ci ? 40 : 200);
  if (runs < 1) {
    console.error('chaos: --runs must be at least 1');
    return 2;
  }
  const audit = values.audit ?? (process.env.CHAOS_AUDIT || 'jsonl');
  if (!(AUDIT_BACKENDS as readonly string[]).includes(audit)) {
    console.error(`chaos: --audit must be one of ${AUDIT_BACKENDS.join(', ')}, got '${audit}'`);
    return 2;
  }
  const workers = int(values.workers, '--workers', 3);
  if (workers < 2) {
    console.error('chaos: --workers must be at least 2 (kills need a survivor)');
    return 2;
  }
  const { ok, report } = await runChaos({
    runs,
    seed,
    workers,
    spreadMs: int(values['spread-seconds'], '--spread-seconds', runs * 3) * 1000,
    runTimeoutSeconds: int(values['run-timeout-seconds'], '--run-timeout-seconds', 120),
    requestTimeoutMs: int(values['request-timeout-ms'], '--request-timeout-ms', 3000),
    devServerKills: int(values['dev-server-kills'], '--dev-server-kills', runs >= 100 ? 2 : 1),
    workerKills: int(values['worker-kills'], '--worker-kills', Math.max(3, Math.round(runs / 5))),
    auditOutageMs: int(values['audit-outage-seconds'], '--audit-outage-seconds', 40) * 1000,
    audit: audit as AuditBackend,
    verbose: values.verbose,
    keepDir: values.keep,
  });
  console.log(report);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('chaos: crashed:', error);
    process.exit(3);
  },
);
