/**
 * The worker as a separate OS process (`worker/main.ts`), so tests can SIGKILL it mid-phase and start another,
 * as a crash in production would happen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  readonly pid: number;
  /** SIGKILL: no graceful shutdown, nothing flushed. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  output(): string;
}

/** Starts `tsx worker/main.ts` with `env` on top of the test environment; resolves once it polls. */
export async function startWorkerProcess(
  env: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<WorkerProcess> {
  // One process (tsx as a require hook, not the tsx CLI, which runs the script in a child process of its own):
  // SIGKILL must hit the worker itself.
  const child: ChildProcess = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(ROOT, 'worker', 'main.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start polling in time:\n${log.slice(-3000)}`)),
      readyTimeoutMs,
    );
    const check = () => {
      if (log.includes('polling task queue')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before polling:\n${log.slice(-3000)}`));
    });
  });

  return {
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    output: () => log,
  };
}
