import type { SwitchoverOutcome } from '../../domain/outcome';
import { makePlan, type PlannedRun } from '../../scripts/chaos/plan';
import { Prng } from '../../scripts/chaos/prng';
import { analyse, PROJECT, type RunRecord } from '../../scripts/chaos/suite';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { call } from '../../simulator/testing';

/**
 * The chaos suite's checks must be able to fail: each defect the suite exists to catch (a second accepted
 * trigger, a lost or repeated record, a false success, a hidden switch, a run without an outcome) is built here
 * against a real simulator and must be reported; a clean run must not be.
 */

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
});
afterEach(async () => {
  await sim.close();
});

const run = (resourceId: string): PlannedRun => ({
  index: 0,
  kind: 'dcs-sync',
  resourceId,
  startAtMs: 0,
  fault: 'accept-late',
  faultSpecs: [],
  setup: {},
  input: {},
  workflowKind: 'dcs',
});

function outcome(
  resourceId: string,
  status: SwitchoverOutcome['status'],
  triggered: boolean,
): SwitchoverOutcome {
  return {
    kind: 'dcs',
    workflowId: `dcs:${PROJECT}:${resourceId}`,
    runId: `run-${resourceId}-${status}`,
    projectId: PROJECT,
    resourceId,
    status,
    message: `switchover of ${resourceId}: ${status} (test)`,
    phase: 'record',
    triggered,
    polls: 0,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 1,
    details: {},
  };
}

function record(
  planned: PlannedRun,
  o: SwitchoverOutcome | undefined,
  runId = o?.runId ?? 'run-x',
): RunRecord {
  return { planned, attempt: 'first', workflowId: `dcs:${PROJECT}:${planned.resourceId}`, runId, outcome: o };
}

async function swap(instanceId: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    expect((await call(sim.url, 'POST', `/v2/${PROJECT}/instances/${instanceId}/swap`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 30));
  }
}

const plan = (runs: PlannedRun[]) => ({
  ...makePlan({
    runs: 0,
    seed: 1,
    workers: 2,
    projectId: PROJECT,
    spreadMs: 1000,
    requestTimeoutMs: 1000,
    runTimeoutSeconds: 10,
    devServerKills: 0,
    auditOutageMs: 0,
    workerKills: 0,
  }),
  runs,
});

function setUp(id: string): PlannedRun {
  sim.control.createDcsInstance({
    projectId: PROJECT,
    instanceId: id,
    swapBehaviour: { initMs: 0, runMs: 10 },
  });
  return run(id);
}

it('a clean run passes: one accepted trigger, one succeeded run, recorded once', async () => {
  const r = setUp('clean');
  await swap('clean', 1);
  const o = outcome('clean', 'succeeded', true);
  const a = analyse(plan([r]), [record(r, o)], sim, new Map(), new Map([[`${o.workflowId}/${o.runId}`, 1]]));
  expect(a.violations).toEqual([]);
  expect(a.accepted).toBe(1);
});

it('reports a resend: two accepted triggers for one run', async () => {
  const r = setUp('resend');
  await swap('resend', 2);
  const o = outcome('resend', 'succeeded', true);
  const a = analyse(plan([r]), [record(r, o)], sim, new Map(), new Map([[`${o.workflowId}/${o.runId}`, 1]]));
  expect(a.duplicates).toBe(1);
  expect(a.violations.join('\n')).toMatch(/accepted 2 trigger\(s\), runs claim 1/);
});

it('reports a switch hidden behind "nothing was sent" and a success that never happened', async () => {
  const hidden = setUp('hidden');
  await swap('hidden', 1);
  const never = setUp('never');
  const oh = outcome('hidden', 'cancelled', false);
  const on = outcome('never', 'succeeded', true);
  const raw = new Map([
    [`${oh.workflowId}/${oh.runId}`, 1],
    [`${on.workflowId}/${on.runId}`, 1],
  ]);
  const a = analyse(plan([hidden, never]), [record(hidden, oh), record(never, on)], sim, new Map(), raw);
  expect(a.duplicates).toBe(1);
  expect(a.misclassified).toBe(2);
  expect(a.violations.join('\n')).toMatch(/switched 1 time\(s\).*cancelled/);
  expect(a.violations.join('\n')).toMatch(/1 run\(s\) say succeeded, the simulator completed 0/);
});

it('reports lost and repeated records and runs without an outcome', async () => {
  const lost = setUp('lost');
  const twice = setUp('twice');
  const none = setUp('none');
  const ol = outcome('lost', 'rejected', false);
  const ot = outcome('twice', 'rejected', false);
  const a = analyse(
    plan([lost, twice, none]),
    [
      record(lost, ol),
      record(twice, ot),
      { ...record(none, undefined, 'run-none'), noOutcome: 'ActivityFailure' },
    ],
    sim,
    new Map(),
    new Map([[`${ot.workflowId}/${ot.runId}`, 2]]),
  );
  expect(a.lostRecords).toBe(1);
  expect(a.duplicateRecords).toBe(1);
  expect(a.noOutcome).toBe(1);
});

it('the plan is a function of the seed', () => {
  const options = {
    runs: 30,
    seed: 7,
    workers: 3,
    projectId: PROJECT,
    spreadMs: 45_000,
    requestTimeoutMs: 3000,
    runTimeoutSeconds: 120,
    devServerKills: 1,
    auditOutageMs: 40_000,
    workerKills: 4,
  };
  expect(makePlan(options)).toEqual(makePlan(options));
  expect(makePlan({ ...options, seed: 8 })).not.toEqual(makePlan(options));
  const p = new Prng(3);
  expect([p.next(), p.next()]).toEqual([
    new Prng(3).next(),
    (() => {
      const q = new Prng(3);
      q.next();
      return q.next();
    })(),
  ]);
});
