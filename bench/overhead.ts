/**
 * Overhead: a zero-duration switch (the simulator's swap job ends as it starts) end to end, from the client's
 * start call to its outcome, one at a time and 50 at once, on one worker process with the default tuning.
 */
import { awaitOutcome, startSwitchover } from '../client';
import {
  describeBreakdown,
  load,
  phaseBreakdown,
  percentile,
  pool,
  PROJECT,
  seconds,
  startWorkers,
  table,
  type Infra,
} from './lib';

const SINGLE = 20;
const CONCURRENT = 50;
const ROUNDS = 3;

export async function runOverhead(infra: Infra): Promise<void> {
  console.log('\n== 3. overhead: a zero-duration DCS switch end to end (client start -> outcome)');
  const tag = Date.now().toString(36);
  const taskQueue = `overhead-${tag}`;
  const workers = await startWorkers(infra, 1, taskQueue);
  let n = 0;
  const ids: string[] = [];
  const once = async (): Promise<number> => {
    const instanceId = `zero-${tag}-${n++}`;
    ids.push(`dcs:${PROJECT}:${instanceId}`);
    infra.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId,
      swapBehaviour: { initMs: 0, runMs: 0, result: 'SUCCESS' },
    });
    const started = Date.now();
    const handle = await startSwitchover(
      infra.client,
      'dcs',
      { projectId: PROJECT, instanceId, swapMode: 'async' },
      { taskQueue },
    );
    const outcome = await awaitOutcome(handle);
    if (outcome.status !== 'succeeded')
      throw new Error(`zero-duration switch ${instanceId}: ${outcome.status}`);
    return Date.now() - started;
  };
  try {
    await once(); // warm-up: first workflow task, connections
    const loadSingle = load();
    const single: number[] = [];
    for (let i = 0; i < SINGLE; i++) single.push(await once());
    const loadConcurrent = load();
    const concurrent: number[] = [];
    for (let r = 0; r < ROUNDS; r++) concurrent.push(...(await pool(CONCURRENT, CONCURRENT, once)));
    const row = (name: string, v: number[], l: string) => [
      name,
      String(v.length),
      seconds(percentile(v, 0.5), 2),
      seconds(percentile(v, 0.95), 2),
      seconds(Math.max(...v), 2),
      l,
    ];
    console.log(
      table(
        ['case', 'runs', 'p50', 'p95', 'max', 'machine'],
        [
          row('one at a time', single, loadSingle),
          row(`${CONCURRENT} at once (x${ROUNDS})`, concurrent, loadConcurrent),
        ],
      ),
    );
    console.log(`where the time goes, ${CONCURRENT} at once (a sample of 20 of the last round):`);
    console.log(describeBreakdown(await phaseBreakdown(infra.client, ids.slice(-20))));
  } finally {
    await workers.stop();
  }
}
