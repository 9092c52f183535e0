/**
 * Standalone simulator: `npm run simulator [-- --seed-demo]`.
 * Env: SIMULATOR_PORT (default 9090), SIMULATOR_HOST (default 127.0.0.1), SIMULATOR_QUIET=1 for no request lines.
 */
import { DEMO_PROJECT_ID, seedDemo } from './demo';
import { DEFAULT_ACCESS_KEY, startSimulator } from './server';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portText = process.env.SIMULATOR_PORT ?? '9090';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SIMULATOR_PORT must be a port number (0-65535), got '${portText}'`);
  }
  const sim = await startSimulator({
    host: process.env.SIMULATOR_HOST || '127.0.0.1',
    port,
    quiet: process.env.SIMULATOR_QUIET === '1',
  });
  console.log(`Cloud simulator listening on ${sim.url}`);
  console.log(`  static token: X-Auth-Token: sim-token   IAM user: demo / demo-password (domain demo)`);
  console.log(`  AK/SK (SDK-HMAC-SHA256): ${DEFAULT_ACCESS_KEY.accessKey} / ${DEFAULT_ACCESS_KEY.secretKey}`);
  if (args.includes('--seed-demo')) {
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
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
