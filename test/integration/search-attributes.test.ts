/**
 * The custom search attributes are how on-call engineers find switchovers (Web UI filter bar, `temporal workflow
 * list --query`, `client.workflow.list`). Real switchovers with different outcomes run on the dev server and the
 * simulator, in a project of their own; then visibility queries by outcome, kind, resource and project must
 * return exactly the matching runs.
 *
 * Visibility is eventually consistent: every query is polled until it returns the expected runs or a bounded
 * wait ends, and the assertion then compares what it last returned, so a failure shows the difference.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { awaitOutcome, type SwitchoverOutcome } from '../../client';
import { SA_KIND, SA_OUTCOME, SA_PROJECT, SA_RESOURCE } from '../../domain/search-attributes';
import { createSwitchoverTestEnv, FAST, uniqueId, type SwitchoverTestEnv } from '../helpers/switchover-env';

/** How long visibility may lag behind the runs before a query counts as wrong. */
const VISIBILITY_WAIT_MS = 30_000;

let env: SwitchoverTestEnv;
/** This file's own project: queries filtered by it see no run of another test file. */
const project = uniqueId('sa-project');
/** Another project with a failed run, which no query for `project` may return. */
const otherProject = uniqueId('sa-other');

type Expected = 'succeeded' | 'failed' | 'rejected';
const runs: Array<{ kind: 'dcs' | 'drs'; project: string; resource: string; expected: Expected }> = [];
const outcomes = new Map<string, SwitchoverOutcome>();

function dcsInstance(projectId: string, expected: Expected, overrides: Record<string, unknown> = {}) {
  const instanceId = uniqueId(`redis-${expected}`);
  env.sim.control.createDcsInstance({ projectId, instanceId, ...overrides });
  runs.push({ kind: 'dcs', project: projectId, resource: instanceId, expected });
}

const failingSwap = {
  swapBehaviour: { initMs: 100, runMs: 200, result: 'FAIL', failReason: 'standby node not ready' },
};

beforeAll(async () => {
  env = await createSwitchoverTestEnv();
  dcsInstance(project, 'succeeded');
  dcsInstance(project, 'succeeded');
  dcsInstance(project, 'failed', failingSwap);
  dcsInstance(project, 'failed', failingSwap);
  dcsInstance(project, 'rejected', { cacheMode: 'single' });
  dcsInstance(otherProject, 'failed', failingSwap);
  const drsJob = uniqueId('drs-succeeded');
  env.sim.control.createDrsJob({ projectId: project, jobId: drsJob, behaviour: { switchMs: 300 } });
  runs.push({ kind: 'drs', project, resource: drsJob, expected: 'succeeded' });

  const finished = await Promise.all(
    runs.map(async (run) => {
      const input =
        run.kind === 'dcs'
          ? { projectId: run.project, instanceId: run.resource, reason: 'search attribute test', ...FAST }
          : { projectId: run.project, jobId: run.resource, mode: 'target', ...FAST };
      return awaitOutcome(await env.start(run.kind, input));
    }),
  );
  for (const outcome of finished) outcomes.set(outcome.resourceId, outcome);
});
afterAll(async () => {
  await env?.close();
});

function workflowIdsOf(filter: (run: (typeof runs)[number]) => boolean): string[] {
  return runs
    .filter(filter)
    .map((run) => outcomes.get(run.resource)!.workflowId)
    .sort();
}

async function list(query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const execution of env.client.workflow.list({ query })) found.push(execution);
  return found;
}

/** The workflow IDs `query` returns, polled until they are `expected` or VISIBILITY_WAIT_MS has passed. */
async function listedIds(query: string, expected: string[]): Promise<string[]> {
  const until = Date.now() + VISIBILITY_WAIT_MS;
  for (;;) {
    const ids = (await list(query)).map((execution) => execution.workflowId).sort();
    if (JSON.stringify(ids) === JSON.stringify(expected) || Date.now() > until) return ids;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('switchover search attributes', () => {
  test('the runs ended with the outcomes the simulator was set up for', () => {
    for (const run of runs)
      expect([run.resource, outcomes.get(run.resource)!.status]).toEqual([run.resource, run.expected]);
  });

  test.each<Expected>(['failed', 'succeeded', 'rejected'])(
    'SwitchoverOutcome="%s" AND SwitchoverProject returns exactly those runs of the project',
    async (status) => {
      const expected = workflowIdsOf((run) => run.project === project && run.expected === status);
      expect(expected.length).toBeGreaterThan(0);
      const query = `SwitchoverOutcome="${status}" AND SwitchoverProject="${project}"`;
      expect(await listedIds(query, expected)).toEqual(expected);
    },
  );

  test('SwitchoverKind selects one service, alone or with the outcome', async () => {
    const dcs = workflowIdsOf((run) => run.project === project && run.kind === 'dcs');
    const drs = workflowIdsOf((run) => run.project === project && run.kind === 'drs');
    const dcsSucceeded = workflowIdsOf(
      (run) => run.project === project && run.kind === 'dcs' && run.expected === 'succeeded',
    );
    expect([dcs.length, drs.length, dcsSucceeded.length]).toEqual([5, 1, 2]);

    expect(await listedIds(`SwitchoverKind="dcs" AND SwitchoverProject="${project}"`, dcs)).toEqual(dcs);
    expect(await listedIds(`SwitchoverKind="drs" AND SwitchoverProject="${project}"`, drs)).toEqual(drs);
    const query = `SwitchoverKind="dcs" AND SwitchoverOutcome="succeeded" AND SwitchoverProject="${project}"`;
    expect(await listedIds(query, dcsSucceeded)).toEqual(dcsSucceeded);
  });

  test('SwitchoverResource finds the one run of a resource, carrying all four attributes', async () => {
    const failed = runs.find((run) => run.project === project && run.expected === 'failed')!;
    const expected = workflowIdsOf((run) => run.resource === failed.resource);
    const query = `SwitchoverResource="${failed.resource}"`;
    expect(await listedIds(query, expected)).toEqual(expected);

    const [execution] = await list(query);
    expect(execution!.status.name).toBe('FAILED');
    expect(execution!.type).toBe('dcsMasterStandbySwitchover');
    const attributes = execution!.typedSearchAttributes;
    expect({
      kind: attributes.get(SA_KIND),
      project: attributes.get(SA_PROJECT),
      resource: attributes.get(SA_RESOURCE),
      outcome: attributes.get(SA_OUTCOME),
    }).toEqual({ kind: 'dcs', project, resource: failed.resource, outcome: 'failed' });
  });

  test('the outcome tells a refusal from a failure, though both runs show as Failed', async () => {
    // Every outcome but succeeded and dry_run fails the workflow (red in the UI); the attribute says why.
    const redOnes = workflowIdsOf((run) => run.project === project && run.expected !== 'succeeded');
    const query = `ExecutionStatus="Failed" AND SwitchoverProject="${project}"`;
    expect(await listedIds(query, redOnes)).toEqual(redOnes);
    const rejected = workflowIdsOf((run) => run.project === project && run.expected === 'rejected');
    const refusalQuery = `ExecutionStatus="Failed" AND SwitchoverOutcome="rejected" AND SwitchoverProject="${project}"`;
    expect(await listedIds(refusalQuery, rejected)).toEqual(rejected);
  });

  test('the other project sees only its own run, and a count agrees with the list', async () => {
    const other = workflowIdsOf((run) => run.project === otherProject);
    expect(await listedIds(`SwitchoverProject="${otherProject}"`, other)).toEqual(other);
    const mine = workflowIdsOf((run) => run.project === project);
    expect(await listedIds(`SwitchoverProject="${project}"`, mine)).toEqual(mine);
    const { count } = await env.client.workflow.count(`SwitchoverProject="${project}"`);
    expect(count).toBe(mine.length);
  });
});
