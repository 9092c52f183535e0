/**
 * Runbook plans end to end: the switchoverPlan workflow on the real dev server, each step a real child switchover
 * against the simulator over HTTP. Order, concurrency and "nothing sent" are read from what the simulator
 * received and started (its request log and switch meter), not from the plan's own report.
 */
import path from 'node:path';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { SwitchoverAlreadyRunningError } from '../../client';
import {
  loadPlanFile,
  parsePlanText,
  PlanValidationError,
  planProgress,
  planResult,
  startPlan,
  type LoadedPlan,
} from '../../client/plans';
import { planWorkflowId, type PlanReport } from '../../domain/plan';
import { DEMO_IDS, DEMO_PROJECT_ID, seedDemo } from '../../simulator/demo';
import { createSwitchoverTestEnv, uniqueId, type SwitchoverTestEnv } from '../helpers/switchover-env';

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv({
    verifySettleMs: 1000,
    workerEnv: { SWITCHOVER_COOLDOWN_MINUTES: '0' },
  });
});
afterAll(async () => {
  await env?.close();
});

const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 0.5, timeoutSeconds: 60 };

function plan(
  doc: Record<string, unknown>,
  options: { reverse?: boolean; dryRun?: boolean } = {},
): LoadedPlan {
  return parsePlanText(JSON.stringify(doc), 'test-plan.json', { requestedBy: 'alice', ...options });
}

async function run(loaded: LoadedPlan): Promise<PlanReport> {
  const handle = await startPlan(env.client, loaded, { taskQueue: env.taskQueue });
  return planResult(handle);
}

function seedDcs(project: string, count: number, swap = { initMs: 100, runMs: 700 }, extra = {}): string[] {
  return Array.from({ length: count }, () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: project, instanceId, swapBehaviour: swap, ...extra });
    return instanceId;
  });
}

/** Trigger calls the simulator received for one DCS instance. */
function dcsTriggers(instanceId: string) {
  return env
    .requests({ path: `/instances/${instanceId}/(swap|async-swap)$` })
    .filter((r) => r.method !== 'GET');
}

/** When the simulator first and last heard about a resource. */
function span(resourceId: string): { first: number; last: number } {
  const times = env.requests({ path: resourceId }).map((r) => Date.parse(r.at));
  return { first: Math.min(...times), last: Math.max(...times) };
}

describe('switchoverPlan', () => {
  test('runs stages in order, never more steps at once than the stage parallelism, and reports every step', async () => {
    const project = uniqueId('proj');
    const first = seedDcs(project, 2);
    const second = seedDcs(project, 6);
    const loaded = plan({
      name: uniqueId('order'),
      defaults: { projectId: project, ...FAST },
      stages: [
        { name: 'first', parallelism: 1, steps: [{ kind: 'dcs', instanceIds: first }] },
        { name: 'second', parallelism: 2, steps: [{ kind: 'dcs', instanceIds: second }] },
      ],
    });
    const handle = await startPlan(env.client, loaded, { taskQueue: env.taskQueue });
    const report = await planResult(handle);

    expect(report.status).toBe('succeeded');
    expect(report.steps.map((s) => s.status)).toEqual(Array(8).fill('succeeded'));
    // Stage order as the simulator saw it: no request about a second-stage instance before the first stage ended.
    const firstEnded = Math.max(...first.map((id) => span(id).last));
    const secondBegan = Math.min(...second.map((id) => span(id).first));
    expect(secondBegan).toBeGreaterThanOrEqual(firstEnded);
    // The cap, from the switches the simulator ran: at most 2 at once, and 2 were reached (the meter works).
    const meters = env.sim.control.meters({ projectId: project });
    expect(meters.switches).toBe(8);
    expect(meters.maxConcurrentSwitches).toBe(2);
    for (const id of [...first, ...second]) expect(dcsTriggers(id)).toHaveLength(1);
    // The report: per step outcome, duration, the child's run.
    expect(report.steps[0]).toMatchObject({
      stage: 'first',
      kind: 'dcs',
      resourceId: first[0],
      workflowId: `dcs:${project}:${first[0]}`,
      triggered: true,
      runId: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(report.stages.map((s) => [s.name, s.counts])).toEqual([
      ['first', { succeeded: 2 }],
      ['second', { succeeded: 6 }],
    ]);
    const progress = await planProgress(env.client.workflow.getHandle(handle.workflowId));
    expect(progress).toMatchObject({ status: 'succeeded', done: 8, totalSteps: 8, running: [] });
  });

  test('onFailure stop halts later stages; continue goes on', async () => {
    const project = uniqueId('proj');
    const [good1, good2, good3] = seedDcs(project, 3);
    const [bad] = seedDcs(project, 1, undefined, { cacheMode: 'single' });
    const stages = (policy: 'stop' | 'continue') => [
      { name: 'one', onFailure: policy, steps: [{ kind: 'dcs', instanceIds: [bad, good1] }] },
      { name: 'two', steps: [{ kind: 'dcs', instanceId: policy === 'stop' ? good2 : good3 }] },
    ];
    const stopped = await run(
      plan({ name: uniqueId('stop'), defaults: { projectId: project, ...FAST }, stages: stages('stop') }),
    );
    expect(stopped.status).toBe('stopped');
    expect(stopped.steps.map((s) => [s.resourceId, s.status])).toEqual([
      [bad, 'rejected'],
      [good1, 'skipped'],
      [good2, 'skipped'],
    ]);
    expect(stopped.message).toContain(
      `(DCS instance ${bad}) ended rejected in stage 'one' (onFailure: stop)`,
    );
    expect(dcsTriggers(good1)).toHaveLength(0);
    expect(env.requests({ path: good2 })).toHaveLength(0);

    const continued = await run(
      plan({
        name: uniqueId('continue'),
        defaults: { projectId: project, ...FAST },
        stages: stages('continue'),
      }),
    );
    expect(continued.status).toBe('completed_with_failures');
    expect(continued.steps.map((s) => [s.resourceId, s.status])).toEqual([
      [bad, 'rejected'],
      [good1, 'succeeded'],
      [good3, 'succeeded'],
    ]);
    expect(continued.steps[0]!.message).toMatch(/single/);
    expect(dcsTriggers(bad)).toHaveLength(0);
    expect(dcsTriggers(good3)).toHaveLength(1);
  });

  test('an invalid plan is refused with file, line, path and rule before any workflow starts', async () => {
    const project = uniqueId('proj');
    const name = uniqueId('invalid');
    const text = [
      `name: ${name}`,
      'defaults:',
      `  projectId: ${project}`,
      'stages:',
      '  - name: vips',
      '    steps:',
      '      - kind: drs',
      '        jobId: job-1',
      '        mode: sideways',
      '      - kind: dcs',
      '        instanceId: redis-1',
      '        swapMode: fast',
    ].join('\n');
    let error: unknown;
    try {
      parsePlanText(text, 'plans/bad.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlanValidationError);
    const message = (error as Error).message;
    expect(message).toContain('invalid plan plans/bad.yaml: 2 problems');
    expect(message).toContain("stages[0].steps[0].mode (line 9): mode must be 'source' or 'target'");
    expect(message).toContain("stages[0].steps[1].swapMode (line 12): swapMode must be 'sync' or 'async'");
    await expect(env.client.workflow.getHandle(planWorkflowId(name)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    expect(env.requests({ path: project })).toHaveLength(0);

    // Started by type name around the client, the workflow validates again and fails before any step.
    const handle = await env.client.workflow.start('switchoverPlan', {
      workflowId: planWorkflowId(name),
      taskQueue: env.taskQueue,
      args: [
        {
          document: {
            name,
            stages: [{ name: 's', steps: [{ kind: 'drs', jobId: 'j', mode: 'x', projectId: project }] }],
          },
        },
      ],
    });
    const failure = await handle.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toContain(
      "stages[0].steps[0].mode: mode must be 'source' or 'target'",
    );
    expect(env.requests({ path: project })).toHaveLength(0);
  });

  test('a plan step and a direct run of the same resource never overlap (the per-resource lock, both ways)', async () => {
    const project = uniqueId('proj');
    const [slow] = seedDcs(project, 1, { initMs: 200, runMs: 3000 });
    const [other] = seedDcs(project, 1);

    // A direct run holds the resource: the plan's step is rejected, naming the running workflow.
    const direct = await env.start('dcs', { projectId: project, instanceId: slow, ...FAST });
    const report = await run(
      plan({
        name: uniqueId('busy'),
        defaults: { projectId: project, ...FAST },
        stages: [
          {
            name: 's',
            parallelism: 2,
            onFailure: 'continue',
            steps: [{ kind: 'dcs', instanceIds: [slow, other] }],
          },
        ],
      }),
    );
    expect(report.steps.find((s) => s.resourceId === slow)).toMatchObject({
      status: 'rejected',
      triggered: false,
      message: expect.stringContaining(`switchover workflow ${direct.workflowId} is already running`),
    });
    expect(report.steps.find((s) => s.resourceId === other)?.status).toBe('succeeded');
    expect((await direct.result()).status).toBe('succeeded');
    expect(dcsTriggers(slow)).toHaveLength(1);

    // A plan step holds the resource: a direct start is refused.
    const handle = await startPlan(
      env.client,
      plan({
        name: uniqueId('holds'),
        defaults: { projectId: project, ...FAST },
        stages: [{ name: 's', steps: [{ kind: 'dcs', instanceId: slow }] }],
      }),
      { taskQueue: env.taskQueue },
    );
    for (let i = 0; i < 100 && dcsTriggers(slow).length < 2; i++)
      await new Promise((r) => setTimeout(r, 100));
    await expect(env.start('dcs', { projectId: project, instanceId: slow, ...FAST })).rejects.toBeInstanceOf(
      SwitchoverAlreadyRunningError,
    );
    expect((await planResult(handle)).status).toBe('succeeded');
    // Two switches of this instance in all, one after the other.
    expect(dcsTriggers(slow)).toHaveLength(2);
    const meters = env.sim.control.meters({ projectId: project });
    expect(meters.switches).toBe(3);
  });

  test('a dry run sends nothing and reports the steps that would be refused, and why', async () => {
    const project = uniqueId('proj');
    const [ok] = seedDcs(project, 1);
    const [single] = seedDcs(project, 1, undefined, { cacheMode: 'single' });
    const [restarting] = seedDcs(project, 1, undefined, { status: 'RESTARTING' });
    const report = await run(
      plan(
        {
          name: uniqueId('dry'),
          defaults: { projectId: project, ...FAST },
          stages: [
            { name: 'a', onFailure: 'stop', steps: [{ kind: 'dcs', instanceIds: [single, restarting] }] },
            { name: 'b', steps: [{ kind: 'dcs', instanceId: ok }] },
          ],
        },
        { dryRun: true },
      ),
    );
    expect(report.status).toBe('dry_run');
    expect(report.steps.map((s) => [s.resourceId, s.status, s.wouldProceed])).toEqual([
      [single, 'dry_run', false],
      [restarting, 'dry_run', false],
      [ok, 'dry_run', true],
    ]);
    expect(report.steps[0]!.message).toMatch(/would be refused.*single/);
    expect(report.steps[1]!.message).toMatch(/would be refused.*RESTARTING/);
    expect(report.message).toContain('2 of 3 steps would be refused');
    for (const id of [ok, single, restarting]) expect(dcsTriggers(id)).toHaveLength(0);
    expect(env.requests({ path: project }).filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(env.sim.control.meters({ projectId: project }).switches).toBe(0);
  });

  test('the demo plan and its --reverse restore the demo resources to their starting roles', async () => {
    seedDemo(env.sim.control);
    const roles = () => ({
      dcs: [DEMO_IDS.dcs.ha, DEMO_IDS.dcs.haSlow].map(
        (id) => env.sim.control.getDcsInstance(id)!.masterNodeId,
      ),
      dws: env.sim.control.getDwsDisasterRecovery(DEMO_IDS.dwsDisasterRecovery)!.primaryCluster.id,
      drs: env.sim.control.getDrsJob(DEMO_IDS.drsJob)!.vip,
    });
    const before = roles();
    const file = path.resolve(__dirname, '../../plans/demo-dr-drill.yaml');
    const forward = await run(loadPlanFile(file, { requestedBy: 'alice' }));
    expect(forward.status).toBe('succeeded');
    const switched = roles();
    expect(switched.dcs[0]).not.toBe(before.dcs[0]);
    expect(switched.dcs[1]).not.toBe(before.dcs[1]);
    expect(switched.dws).not.toBe(before.dws);
    expect(switched.drs).not.toEqual(before.drs);

    const back = await run(loadPlanFile(file, { requestedBy: 'alice', reverse: true }));
    expect(back.status).toBe('succeeded');
    expect(back.reverse).toBe(true);
    // Reverse order: Redis first, the data warehouse last.
    expect(back.steps.map((s) => s.kind)).toEqual(['dcs', 'dcs', 'drs', 'dws']);
    expect(roles()).toEqual(before);
    const sent = env
      .requests({ path: DEMO_PROJECT_ID })
      .filter((r) => r.method !== 'GET' && /swap|switchover|switch-vip/.test(r.path));
    expect(sent).toHaveLength(8);
  });

  test('cancelling the plan cancels its running steps and reports each honestly', async () => {
    const project = uniqueId('proj');
    const slow = seedDcs(project, 2, { initMs: 200, runMs: 20_000 });
    const later = seedDcs(project, 1);
    const handle = await startPlan(
      env.client,
      plan({
        name: uniqueId('cancel'),
        defaults: { projectId: project, ...FAST },
        stages: [
          { name: 'slow', parallelism: 2, steps: [{ kind: 'dcs', instanceIds: slow }] },
          { name: 'later', steps: [{ kind: 'dcs', instanceIds: later }] },
        ],
      }),
      { taskQueue: env.taskQueue },
    );
    for (let i = 0; i < 100 && slow.some((id) => dcsTriggers(id).length === 0); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(slow.map((id) => dcsTriggers(id).length)).toEqual([1, 1]);
    await handle.cancel();
    const report = await planResult(handle);
    expect(report.status).toBe('cancelled');
    expect(report.steps.map((s) => [s.resourceId, s.status, s.triggered])).toEqual([
      [slow[0], 'cancelled_after_trigger', true],
      [slow[1], 'cancelled_after_trigger', true],
      [later[0], 'skipped', false],
    ]);
    expect(report.steps[0]!.message).toContain('after the switch was sent');
    expect(env.requests({ path: later[0]! })).toHaveLength(0);
  });

  test('a long plan continues as new within its history budget and still reports every step', async () => {
    const project = uniqueId('proj');
    const ids = seedDcs(project, 5, { initMs: 50, runMs: 150 });
    const report = await run(
      plan({
        name: uniqueId('batched'),
        stepsPerRun: 2,
        defaults: { projectId: project, ...FAST },
        stages: [
          { name: 'a', parallelism: 2, steps: [{ kind: 'dcs', instanceIds: ids.slice(0, 3) }] },
          { name: 'b', steps: [{ kind: 'dcs', instanceIds: ids.slice(3) }] },
        ],
      }),
    );
    expect(report.status).toBe('succeeded');
    expect(report.runs).toBe(3);
    expect(report.steps.map((s) => s.resourceId)).toEqual(ids);
    for (const id of ids) expect(dcsTriggers(id)).toHaveLength(1);
  });

  test('approval before a stage: four eyes, and a rejection skips the rest', async () => {
    const project = uniqueId('proj');
    const [a, b] = seedDcs(project, 2);
    const handle = await startPlan(
      env.client,
      plan({
        name: uniqueId('approve'),
        defaults: { projectId: project, ...FAST },
        stages: [
          { name: 'one', steps: [{ kind: 'dcs', instanceId: a }] },
          { name: 'two', requireApproval: true, steps: [{ kind: 'dcs', instanceId: b }] },
        ],
      }),
      { taskQueue: env.taskQueue },
    );
    const planHandle = env.client.workflow.getHandle(handle.workflowId);
    for (let i = 0; i < 200; i++) {
      if ((await planProgress(planHandle)).status === 'waiting_for_approval') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await planProgress(planHandle)).toMatchObject({
      status: 'waiting_for_approval',
      waitingFor: "stage 'two'",
    });
    const { decideApproval } = await import('../../client');
    const refused = await decideApproval(env.client, handle.workflowId, 'approve', { by: 'alice' }).catch(
      (e: { cause?: Error }) => e,
    );
    expect(String((refused as { cause?: Error }).cause?.message)).toMatch(/four-eyes rule: alice requested/);
    await decideApproval(env.client, handle.workflowId, 'reject', { by: 'bob', comment: 'not tonight' });
    const report = await planResult(handle);
    expect(report.status).toBe('rejected');
    expect(report.steps.map((s) => [s.resourceId, s.status])).toEqual([
      [a, 'succeeded'],
      [b, 'skipped'],
    ]);
    expect(report.approvals).toEqual([
      expect.objectContaining({ decision: 'rejected', by: 'bob', gate: "stage 'two'" }),
    ]);
    expect(dcsTriggers(b)).toHaveLength(0);
  });
});
