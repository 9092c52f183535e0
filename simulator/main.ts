/**
 * Standalone simulator: `npm run simulator [-- --seed-demo] [--port N] [--host H] [--quiet] [--throttle N]`.
 * Env: SIMULATOR_PORT (default 9090), SIMULATOR_HOST (default 127.0.0.1), SIMULATOR_QUIET=1 for no request lines;
 * a flag wins over its variable. An unknown flag is refused (exit 2), never ignored.
 */
import { parseArgs } from 'node:util';
import { DEMO_PROJECT_ID, seedDemo } from './demo';
import { DEFAULT_ACCESS_KEY, startSimulator } from './server';

const USAGE =
  'usage: npm run simulator -- [--seed-demo] [--port <0-65535>] [--host <address>] [--quiet] [--throttle <calls/s>]';

class UsageError extends Error {}

async function main(): Promise<void> {
  let flags: { 'seed-demo'?: boolean; port?: string; host?: string; quiet?: boolean; throttle?: string };
  try {
    flags = parseArgs({
      args: process.argv.slice(2),
      options: {
        'seed-demo': { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        quiet: { type: 'boolean' },
        throttle: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const portText = flags.port ?? process.env.SIMULATOR_PORT ?? '9090';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(
      `${flags.port !== undefined ? '--port' : 'SIMULATOR_PORT'} must be a port number (0-65535), got '${portText}'`,
    );
  }
  const sim = await startSimulator({
    host: flags.host ?? (process.env.SIMULATOR_HOST || '127.0.0.1'),
    port,
    quiet: flags.quiet === true || process.env.SIMULATOR_QUIET === '1',
  });
  console.log(`Cloud simulator listening on ${sim.url}`);
  console.log(`  static token: X-Auth-Token: sim-token   IAM user: demo / demo-password (domain demo)`);
  console.log(`  AK/SK (SDK-HMAC-SHA256): ${DEFAULT_ACCESS_KEY.accessKey} / ${DEFAULT_ACCESS_KEY.secretKey}`);
  if (flags.throttle !== undefined) {
    const limit = Number(flags.throttle);
    sim.control.setThrottle({ callsPerSecond: Number.isFinite(limit) ? limit : -1 });
    console.log(`  gateway throttle: ${limit} calls/s per project and service (429 APIG.0308 beyond)`);
  }
  if (flags['seed-demo']) {
    const seeded = seedDemo(sim.control, process.env.SIMULATOR_PROJECT_ID || DEMO_PROJECT_ID);
    console.log(`  demo resources in project ${seeded.projectId}:`);
    console.log(JSON.stringify(seeded, null, 2));
  }
  const stop = (signal: string) => {
    console.log(`Received ${signal}, stopping the simulator`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`simulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
