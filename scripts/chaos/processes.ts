/**
 * The services a chaos run drives: worker processes it can SIGKILL and restart, and a Temporal dev server it can
 * kill -9 and restart on the same SQLite file and port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startDevServer, type DevServerHandle } from '../dev-server';

const ROOT = path.resolve(__dirname, '..', '..');

export interface WorkerSlot {
  slot: number;
  child?: ChildProcess;
  log: string;
  starts: number;
  /** recordOutcome attempts the audit store refused (the worker's error line, activities/audit/record.ts). */
  auditRefusals?: number;
}

const AUDIT_REFUSED = 'audit store did not take the switchover outcome';

/** Starts `worker/main.ts` as its own process (tsx as a require hook, so SIGKILL hits the worker itself). */
export function spawnWorker(slot: WorkerSlot, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'worker', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // One reader per stream: a line is counted whole, whichever chunks it arrives in.
  const reader = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const text = chunk.toString();
      const lines = (partial + text).split('\n');
      partial = lines.pop()!.slice(-1000);
      slot.auditRefusals = (slot.auditRefusals ?? 0) + lines.filter((l) => l.includes(AUDIT_REFUSED)).length;
      slot.log += text;
      if (slot.log.length > 100_000) slot.log = slot.log.slice(-50_000);
    };
  };
  child.stdout!.on('data', reader());
  child.stderr!.on('data', reader());
  slot.child = child;
  slot.starts += 1;
  return child;
}

export function alive(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

export async function sigkill(child: ChildProcess | undefined): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export async function stopGracefully(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** A dev server on a fixed port and SQLite file, so a kill -9 and restart keeps every workflow. */
export class DevServer {
  handle?: DevServerHandle;
  restarts = 0;

  constructor(
    readonly port: number,
    readonly dbFile: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.handle = await startDevServer({
      port: this.port,
      dbFile: this.dbFile,
      headless: true,
      logLevel: 'error',
      startTimeoutMs: 60_000,
    });
  }

  /** kill -9: no shutdown, whatever is in flight is cut. */
  async kill9(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    try {
      process.kill(handle.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await handle.stop(0).catch(() => undefined);
    this.handle = undefined;
  }

  async restart(downMs: number): Promise<void> {
    await this.kill9();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.start();
        this.restarts += 1;
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    this.handle = undefined;
  }
}
