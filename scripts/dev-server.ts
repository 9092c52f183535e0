/**
 * Starts a local Temporal dev server (`temporal server start-dev`) with the project's search attributes
 * registered, and waits until its frontend answers.
 *
 * Used by the jest global setup (one server per test run) and by local tooling; it can also be run on its
 * own: `npx tsx scripts/dev-server.ts` (port 7233, UI 8233, state persisted in .data/temporal.db).
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import net from 'net';
import path from 'path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../domain/search-attributes';
import { findTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** Frontend gRPC port; 0 or omitted picks a free port. */
  port?: number;
  /** Web UI port; 0 picks a free port; omitted: port + 1000, or a free port when `port` was picked. */
  uiPort?: number;
  /** SQLite file for persistence (parent dir is created); omitted = in-memory. */
  dbFile?: string;
  /** Namespace created at startup (the "default" namespace always exists). Default "default". */
  namespace?: string;
  /** No Web UI. */
  headless?: boolean;
  /** Server log level: debug, info, warn, error, never. Default "warn". */
  logLevel?: string;
  /** Give up if the frontend doesn't answer within this many ms. Default 30000. */
  startTimeoutMs?: number;
  /** Forward server stdout/stderr to ours (default: capture; the tail is shown when startup fails). */
  inheritOutput?: boolean;
  /** Path of the `temporal` binary; default: scripts/temporal-cli.js lookup (installs if missing). */
  cliPath?: string;
}

export interface DevServerHandle {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  /** SIGTERM, SIGKILL after `graceMs` (default 5000), resolves once the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const HOST = '127.0.0.1';
const OUTPUT_TAIL_BYTES = 16 * 1024;

export async function pickFreePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

export function devServerArgs(opts: {
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespace: string;
  logLevel: string;
}): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    HOST,
    '--port',
    String(opts.port),
    '--log-level',
    opts.logLevel,
  ];
  if (opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const sa of SEARCH_ATTRIBUTE_REGISTRATIONS) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  return args;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServerHandle> {
  const cli = opts.cliPath ?? findTemporalCli({ install: true });
  // A picked free port can be taken by someone else before the server binds it: retry with fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, cli);
    } catch (err) {
      const portsWerePicked = !opts.port || (!opts.headless && opts.uiPort === 0);
      if (!(portsWerePicked && attempt < 3 && err instanceof PortInUseError)) throw err;
    }
  }
}

class PortInUseError extends Error {}

async function startOnce(opts: DevServerOptions, cli: string): Promise<DevServerHandle> {
  const portWasPicked = !opts.port;
  const port = opts.port || (await pickFreePort());
  let uiPort: number | undefined;
  if (!opts.headless) {
    if (opts.uiPort) uiPort = opts.uiPort;
    else if (opts.uiPort === 0 || portWasPicked) uiPort = await pickFreePort();
    else uiPort = port + 1000;
  }
  const namespace = opts.namespace ?? 'default';
  const dbFile = opts.dbFile ? path.resolve(opts.dbFile) : undefined;
  if (dbFile) fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const args = devServerArgs({ port, uiPort, dbFile, namespace, logLevel: opts.logLevel ?? 'warn' });
  const address = `${HOST}:${port}`;

  const child = spawn(cli, args, {
    stdio: ['ignore', opts.inheritOutput ? 'inherit' : 'pipe', opts.inheritOutput ? 'inherit' : 'pipe'],
  });
  let outputTail = '';
  const collect = (chunk: Buffer) => {
    outputTail = (outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));

  // Never leave an orphaned server behind if our process exits without calling stop() (e.g. a crashed jest run).
  const killOnExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      if (child.pid !== undefined && !exited(child)) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (!exited(child)) child.kill('SIGKILL');
        }, graceMs);
        await waitForExit(child);
        clearTimeout(timer);
      }
      process.off('exit', killOnExit);
    })();
    return stopping;
  };

  const describeFailure = (reason: string) =>
    new Error(
      `Temporal dev server did not come up at ${address}: ${reason}\n` +
        `command: ${cli} ${args.join(' ')}\n` +
        (opts.inheritOutput ? '' : `--- server output (tail) ---\n${outputTail.trim() || '(none)'}\n---`),
    );

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30000);
  let lastError: unknown;
  for (;;) {
    if (spawnError) {
      await stop(0);
      throw describeFailure(`failed to spawn: ${spawnError.message}`);
    }
    if (exited(child)) {
      await stop(0);
      if (/address already in use/i.test(outputTail)) {
        throw new PortInUseError(describeFailure(`port in use`).message);
      }
      throw describeFailure(`process exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (Date.now() > deadline) {
      await stop(1000);
      const last = lastError instanceof Error ? lastError.message : String(lastError);
      throw describeFailure(`no answer within ${opts.startTimeoutMs ?? 30000} ms (last error: ${last})`);
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace });
      break;
    } catch (err) {
      lastError = err;
      await sleep(200);
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }

  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${HOST}:${uiPort}`,
    pid: child.pid ?? -1,
    stop,
  };
}

if (require.main === module) {
  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  startDevServer({
    port,
    dbFile: process.env.TEMPORAL_DB_FILE ?? path.join(__dirname, '..', '.data', 'temporal.db'),
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    inheritOutput: true,
  }).then(
    (server) => {
      console.log(
        `Temporal dev server at ${server.address} (namespace ${server.namespace}), UI ${server.uiUrl}`,
      );
      const shutdown = () => void server.stop().then(() => process.exit(0));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
