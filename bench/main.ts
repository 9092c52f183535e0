/**
 * `npm run bench [-- options]`: the benchmarks of issue 14, printed as tables (they assert nothing).
 *   --suite scale,detection,overhead,polls   which to run (default: all; polls = the per-poll history table)
 *   --sizes 100,500,1000                      scale: concurrent switchovers (default 100)
 *   --jobs 5,60                               scale: switch durations in seconds (default 5)
 *   --workers 1,2                             scale: worker processes (default 1)
 *   --no-history                              scale: no earlier switches recorded (learned polling falls back)
 *   --real 12                                 detection: switchovers per poller in the real run (default 12)
 * Also from the environment: BENCH_SIZES, BENCH_JOBS, BENCH_WORKERS; worker tuning variables
 * (SWITCHOVER_MAX_CONCURRENT_ACTIVITIES ...) reach the worker processes unchanged.
 */
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { runDetection } from './detection';
import { load, startInfra, table } from './lib';
import { runOverhead } from './overhead';
import { describeScaleRow, runScaleCase, SCALE_HEADER } from './scale';
import { runPollHistory } from './switchover-overhead';

function option(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  return process.env[env] ?? fallback;
}
const numbers = (value: string) =>
  value
    .split(',')
    .map((v) => Number(v.trim()))
    .filter((v) => Number.isFinite(v) && v > 0);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const suites = option('suite', 'BENCH_SUITE', 'scale,detection,overhead,polls').split(',');
  const sizes = numbers(option('sizes', 'BENCH_SIZES', '100'));
  const jobs = numbers(option('jobs', 'BENCH_JOBS', '5'));
  const workerCounts = numbers(option('workers', 'BENCH_WORKERS', '1'));
  const history = !process.argv.includes('--no-history');
  const real = numbers(option('real', 'BENCH_REAL', '12'))[0] ?? 12;

  console.log(`switchover benchmarks: ${new Date().toISOString()}, ${load()}, node ${process.version}`);
  const infra = await startInfra();
  try {
    if (suites.includes('scale')) {
      console.log(
        `\n== 1. scale: concurrent DCS switchovers vs the one-activity floor (history ${history ? 'seeded' : 'none'})`,
      );
      const rows: string[][] = [];
      let k = 0;
      for (const jobS of jobs)
        for (const n of sizes)
          for (const workers of workerCounts) {
            const row = await runScaleCase(
              infra,
              { n, jobMs: jobS * 1000, workers, history },
              `${Date.now().toString(36)}-${k++}`,
            );
            const line = describeScaleRow(row);
            rows.push(line);
            console.log(`${table(SCALE_HEADER, [line])}\n   (${row.load})\n${row.breakdown}\n`);
          }
      if (rows.length > 1) console.log(`\n${table(SCALE_HEADER, rows)}`);
      console.log(
        'overhead = workflow start to close minus the job; events = history events per switchover; calls = DCS ' +
          'requests the simulator answered per switchover; polls = await polls per switchover; RSS = VmHWM of each worker process.',
      );
    }
    if (suites.includes('detection')) await runDetection(infra, real);
    if (suites.includes('overhead')) await runOverhead(infra);
    if (suites.includes('polls')) await runPollHistory(infra);
  } finally {
    await infra.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
