/**
 * The compact skeleton (PATCHES.compactHistory, now PATCHES.verifyInAwait): a switchover's history stays at 23
 * events whatever the number of polls, with the phases still visible (trigger and await-then-verify as activities;
 * validation with the policy and preflight, and the record, as local-activity markers), and the start's search
 * attributes are not upserted again; a cancellation that is waiting when the run starts ends it `cancelled`,
 * recorded.
 * Real dev server, worker and simulator; counted from the run's own history.
 */
import { temporal } from '@temporalio/proto';
import { awaitOutcome, startSwitchover } from '../../client';
import { SWITCHOVER_KINDS } from '../../domain/kinds';
import { switchoverWorkflowId } from '../../domain/kinds';
import { SWITCHOVER_DEFINITIONS } from '../../domain/catalog';
import { SA_KIND, SA_PROJECT, SA_RESOURCE } from '../../domain/search-attributes';
import { PATCHES } from '../../workflows/switchover';
import {
  createSwitchoverTestEnv,
  FAST,
  PROJECT,
  uniqueId,
  type SwitchoverTestEnv,
} from '../helpers/switchover-env';

const EventType = temporal.api.enums.v1.EventType;

let env: SwitchoverTestEnv;
beforeAll(async () => {
  env = await createSwitchoverTestEnv();
});
afterAll(async () => {
  await env?.close();
});

/** The history's events, and the names of the activities and markers in it, in order. */
async function historyOf(workflowId: string) {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const ofType = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type);
  return {
    length: events.length,
    activities: ofType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name,
    ),
    markers: ofType(EventType.EVENT_TYPE_MARKER_RECORDED).map(
      (e) => e.markerRecordedEventAttributes?.markerName,
    ),
    workflowTasks: ofType(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
    timers: ofType(EventType.EVENT_TYPE_TIMER_STARTED).length,
    upserts: ofType(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES).length,
    patches: ofType(EventType.EVENT_TYPE_MARKER_RECORDED)
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) => {
        const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
        return (JSON.parse(Buffer.from(data ?? []).toString('utf8')) as { id: string }).id;
      }),
  };
}

describe('compact history', () => {
  test('a DCS swap polled many times: 23 events, 3 workflow tasks, no timer, the phases still visible', async () => {
    const instanceId = uniqueId('redis');
    // A 3 s job polled every 0.2 s: ~15 polls, all inside the one await activity.
    env.sim.control.createDcsInstance({
      projectId: PROJECT,
      instanceId,
      swapBehaviour: { initMs: 200, runMs: 3_000 },
    });
    const outcome = await env.run('dcs', {
      projectId: PROJECT,
      instanceId,
      swapMode: 'async',
      ...FAST,
      maxPollIntervalSeconds: 0.2,
    });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.polls).toBeGreaterThanOrEqual(5);
    const h = await historyOf(outcome.workflowId);
    const { phases } = SWITCHOVER_DEFINITIONS.dcs;
    expect(h.activities).toEqual([phases.trigger, phases.await]);
    // The newest patch only; the admission (validation, policy, preflight) and the record as local activities.
    expect(h.markers.filter((m) => m === 'core_local_activity')).toHaveLength(2);
    expect(h.patches).toEqual([PATCHES.verifyInAwait]);
    expect(h.timers).toBe(0);
    // TemporalChangeVersion (the patch), SwitchoverTriggered before the trigger, SwitchoverOutcome at the end;
    // SwitchoverKind/Project/Resource came with the start.
    expect(h.upserts).toBe(3);
    expect(h.workflowTasks).toBe(3);
    expect(h.length).toBe(23);
    // The audit store holds the one record, and it is what the run returned.
    const records = (await env.audit.list({ resource: instanceId })).filter((o) => o.runId === outcome.runId);
    expect(records).toEqual([
      expect.objectContaining({ status: 'succeeded', finishedAt: outcome.finishedAt }),
    ]);
  });

  test.each(SWITCHOVER_KINDS)('%s: a plain successful run stays within 23 events', async (kind) => {
    const id = uniqueId(kind);
    const input =
      kind === 'dcs'
        ? (env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId: id }), { instanceId: id })
        : kind === 'dws'
          ? (env.sim.control.createDwsDisasterRecovery({
              projectId: PROJECT,
              drId: id,
              behaviour: { switchMs: 300 },
            }),
            { disasterRecoveryId: id, mode: 'switchover' })
          : (env.sim.control.createDrsJob({ projectId: PROJECT, jobId: id, behaviour: { switchMs: 300 } }),
            { jobId: id, mode: 'target' });
    const outcome = await env.run(kind, { projectId: PROJECT, ...FAST, ...input });
    expect(outcome.status).toBe('succeeded');
    expect((await historyOf(outcome.workflowId)).length).toBeLessThanOrEqual(23);
  });

  test('started by type name without search attributes, the run sets its identity itself', async () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    const workflowId = switchoverWorkflowId('dcs', PROJECT, instanceId);
    const handle = await env.client.workflow.start(SWITCHOVER_DEFINITIONS.dcs.workflowType, {
      taskQueue: env.taskQueue,
      workflowId,
      args: [{ projectId: PROJECT, instanceId, ...FAST }],
    });
    const outcome = await awaitOutcome(handle);
    expect(outcome.status).toBe('succeeded');
    expect((await historyOf(workflowId)).upserts).toBe(4);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(SA_KIND)).toBe('dcs');
    expect(described.typedSearchAttributes.get(SA_PROJECT)).toBe(PROJECT);
    expect(described.typedSearchAttributes.get(SA_RESOURCE)).toBe(instanceId);
  });
});

describe('a cancellation already waiting when the run starts (it lands in the admission)', () => {
  test('ends the run `cancelled` with its outcome recorded, nothing sent', async () => {
    const instanceId = uniqueId('redis');
    env.sim.control.createDcsInstance({ projectId: PROJECT, instanceId });
    // Started and cancelled before any worker polls its queue: its first task carries the cancellation too.
    const taskQueue = uniqueId('late-worker');
    const handle = await startSwitchover(
      env.client,
      'dcs',
      { projectId: PROJECT, instanceId, ...FAST },
      { taskQueue },
    );
    await handle.cancel();
    const late = await createSwitchoverTestEnv({ taskQueue, sim: env.sim });
    try {
      const outcome = await awaitOutcome(handle);
      expect(outcome).toMatchObject({ status: 'cancelled', triggered: false });
      expect(env.requests({ path: `/instances/${instanceId}/(swap|async-swap)$` })).toHaveLength(0);
      const records = (await late.audit.list({ resource: instanceId })).filter(
        (o) => o.runId === outcome.runId,
      );
      expect(records).toEqual([expect.objectContaining({ status: 'cancelled' })]);
    } finally {
      await late.close();
    }
  });
});
