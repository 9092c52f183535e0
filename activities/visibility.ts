/**
 * The cooldown's shared source: Temporal's visibility. Every worker of the namespace sees the same runs, so a
 * per-host audit file, a record still pending (audit store down) or a terminated run does not hide a switch.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { SA_KIND, SA_OUTCOME, SA_PROJECT, SA_RESOURCE, SA_TRIGGERED } from '../domain/search-attributes';
import type { SwitchoverKind } from '../domain/kinds';
import type { RecentSwitch } from './safety';

type WorkflowService = Pick<temporal.api.workflowservice.v1.WorkflowService, 'listWorkflowExecutions'>;
type DescribeService = Pick<temporal.api.workflowservice.v1.WorkflowService, 'describeWorkflowExecution'>;

/** `RunCancelRequested` for the trigger (activities/trigger.ts), over the worker's own connection. */
export function runCancelRequested(workflowService: DescribeService) {
  return async (run: { namespace: string; workflowId: string; runId: string }): Promise<boolean> => {
    const described = await workflowService.describeWorkflowExecution({
      namespace: run.namespace,
      execution: { workflowId: run.workflowId, runId: run.runId },
    });
    return described.workflowExtendedInfo?.cancelRequested === true;
  };
}

/** Values are cloud IDs (letters, digits, `-`, `_`), validated before any call; quoted all the same. */
const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The visibility query for runs of one resource that may have switched, running or closed since `since`. */
export function triggeredRunsQuery(
  resource: { kind: SwitchoverKind; projectId: string; resourceId: string },
  since: Date,
): string {
  return [
    `${SA_KIND.name} = ${quote(resource.kind)}`,
    `${SA_PROJECT.name} = ${quote(resource.projectId)}`,
    `${SA_RESOURCE.name} = ${quote(resource.resourceId)}`,
    `${SA_TRIGGERED.name} = 'true'`,
    `(ExecutionStatus = 'Running' OR CloseTime >= ${quote(since.toISOString())})`,
  ].join(' AND ');
}

const EXECUTION_STATUS: Record<number, string> = {
  1: 'running',
  2: 'completed',
  3: 'failed',
  4: 'cancelled',
  5: 'terminated',
  6: 'continued_as_new',
  7: 'timed_out',
};

function timestampMs(ts: temporal.api.workflow.v1.IWorkflowExecutionInfo['closeTime']): number | undefined {
  if (!ts?.seconds) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** `triggeredRunsOf` for the safety policy, over the worker's own connection. */
export function visibilityTriggeredRuns(
  workflowService: WorkflowService,
  namespace: string,
  now: () => number = Date.now,
) {
  return async (
    resource: { kind: SwitchoverKind; projectId: string; resourceId: string },
    since: Date,
  ): Promise<RecentSwitch[]> => {
    const runs: RecentSwitch[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await workflowService.listWorkflowExecutions({
        namespace,
        query: triggeredRunsQuery(resource, since),
        pageSize: 100,
        nextPageToken,
      });
      for (const info of page.executions ?? []) {
        const outcome = info.searchAttributes?.indexedFields?.[SA_OUTCOME.name];
        const status = outcome
          ? String(defaultPayloadConverter.fromPayload(outcome))
          : (EXECUTION_STATUS[info.status ?? 0] ?? 'unknown');
        runs.push({
          workflowId: info.execution?.workflowId ?? '',
          runId: info.execution?.runId ?? '',
          status,
          finishedAt: new Date(timestampMs(info.closeTime) ?? now()).toISOString(),
          source: 'visibility',
        });
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return runs;
  };
}
