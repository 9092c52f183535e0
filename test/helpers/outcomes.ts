/** Switchover outcomes for audit, history and notification tests. */
import type { SwitchoverOutcome } from '../../domain/outcome';

let sequence = 0;

/** A complete outcome; each call gets its own workflow run unless the overrides name one. */
export function sampleOutcome(overrides: Partial<SwitchoverOutcome> = {}): SwitchoverOutcome {
  sequence += 1;
  const kind = overrides.kind ?? 'dcs';
  const resourceId = overrides.resourceId ?? `redis-${sequence}`;
  const finishedAt = overrides.finishedAt ?? new Date(Date.UTC(2026, 4, 20, 12, 0, sequence)).toISOString();
  return {
    kind,
    workflowId: `${kind}:a4d31cb63d724fdc8ec96e3a41e47f71:${resourceId}`,
    runId: `run-${process.pid}-${sequence}`,
    projectId: 'a4d31cb63d724fdc8ec96e3a41e47f71',
    resourceId,
    status: 'succeeded',
    message: `switchover of instance ${resourceId} succeeded: master moved`,
    phase: 'done',
    triggered: true,
    jobId: `job-${sequence}`,
    lastCloudStatus: 'SUCCESS',
    polls: 3,
    startedAt: new Date(Date.parse(finishedAt) - 42_000).toISOString(),
    triggeredAt: new Date(Date.parse(finishedAt) - 40_000).toISOString(),
    finishedAt,
    durationMs: 42_000,
    reason: 'planned maintenance',
    requestedBy: 'alice',
    details: { masterBefore: 'node-a', masterAfter: 'node-b' },
    ...overrides,
  };
}
