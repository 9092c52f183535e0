/**
 * PATCHES.verifyInAwait records from history (a local activity in the last workflow task): a worker whose last
 * task wrote the record but never reported it, and an audit store down for the next worker. The returned outcome
 * must be the stored one, in one line. Real dev server, worker processes and simulator; the audit store is the
 * worker's JSON Lines file.
 */
import type { Client } from '@temporalio/client';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { awaitOutcome, startSwitchover, switchoverProgress } from '../../client';
import type { RunningSimulator } from '../../simulator/server';
import { PROJECT, uniqueId } from '../helpers/switchover-env';
import { startTcpProxy } from '../helpers/outage';
import { createCrashEnv, until, type CrashEnv } from '../helpers/crash-env';

jest.setTimeout(120_000);

let env: CrashEnv;
let sim: RunningSimulator;
let client: Client;
let workerEnv: Record<string, string>;

beforeAll(async () => {
  env = await createCrashEnv('record-from-history');
  ({ sim, client, workerEnv } = env);
});

afterEach(() => env.afterEachTest());

afterAll(() => env?.close());

const worker = (extra?: Record<string, string>) => env.worker(extra);

const records = async (runId: string) => (await env.records()).filter((r) => r.runId === runId);

/** Lines of the audit file that carry this run (the raw file: readers drop repeats). */
async function rawRecordLines(runId: string): Promise<number> {
  const text = await fs.readFile(workerEnv.SWITCHOVER_AUDIT_FILE!, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.includes(`"runId":${JSON.stringify(runId)}`)).length;
}

test('record written by the last workflow task of a killed worker, then the store refuses: the returned outcome is the stored one, one line', async () => {
  const instanceId = uniqueId('redis');
  sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
  const auditFile = workerEnv.SWITCHOVER_AUDIT_FILE!;
  const lock = `${auditFile}.lock`;
  const holdLock = async () => {
    await fs.mkdir(path.dirname(auditFile), { recursive: true });
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'test' }));
  };
  const [host, port] = process.env.TEMPORAL_ADDRESS!.split(':');
  const proxy = await startTcpProxy({ host: host!, port: Number(port) });
  try {
    await holdLock();
    const first = await worker({ TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}` });
    const handle = await startSwitchover(
      client,
      'dcs',
      {
        projectId: PROJECT,
        instanceId,
        pollIntervalSeconds: 0.2,
        maxPollIntervalSeconds: 1,
        timeoutSeconds: 60,
      },
      { taskQueue: workerEnv.TEMPORAL_TASK_QUEUE },
    );
    await until(
      'the record phase',
      async () => (await switchoverProgress(handle).catch(() => undefined))?.phase === 'record',
    );
    // The last workflow task's record goes to the file, its completion never reaches Temporal.
    proxy.downFor(10 * 60_000);
    await fs.rm(lock);
    await until(
      'the killed worker wrote the record',
      async () => (await rawRecordLines(handle.firstExecutionRunId)) === 1,
    );
    await first.kill();
    const written = (await records(handle.firstExecutionRunId))[0]!;

    // The store is down for the next worker (another writer holds the lock past every attempt of the record
    // wait): the local attempt and the activity fail; the outcome is handed off.
    await holdLock();
    await worker({ SWITCHOVER_RECORD_WAIT_SECONDS: '5' });
    const outcome = await awaitOutcome(handle);
    await fs.rm(lock, { force: true });
    expect({ status: outcome.status, message: outcome.message, finishedAt: outcome.finishedAt }).toEqual({
      status: written.status,
      message: written.message,
      finishedAt: written.finishedAt,
    });
    expect(outcome.status).toBe('succeeded');
    // The hand-off lands once the store is back, and finds the record: still one line.
    if (outcome.notRecorded) {
      const recordHandle = client.workflow.getHandle(outcome.notRecorded.recordWorkflowId);
      await recordHandle.result();
    }
    expect(await rawRecordLines(handle.firstExecutionRunId)).toBe(1);
    expect(await records(handle.firstExecutionRunId)).toHaveLength(1);
  } finally {
    await proxy.close();
  }
});
