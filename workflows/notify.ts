/**
 * Notifications run in a child workflow the switchover abandons: webhook retries never delay or change the
 * switchover's result.
 */
import { ParentClosePolicy, proxyActivities, startChild, log } from '@temporalio/workflow';
import { NOTIFY_OUTCOME_ACTIVITY_OPTIONS } from '../activities/notify-options';
import type { SwitchoverOutcome } from '../domain/outcome';

type NotifyOutcome = (outcome: SwitchoverOutcome) => Promise<string>;

/** Delivers one outcome to the configured webhook, with retries (see NOTIFY_OUTCOME_ACTIVITY_OPTIONS). */
export async function notifySwitchoverOutcome(outcome: SwitchoverOutcome): Promise<string> {
  const { notifyOutcome } = proxyActivities<{ notifyOutcome: NotifyOutcome }>({
    ...NOTIFY_OUTCOME_ACTIVITY_OPTIONS,
    summary: `notify: ${outcome.kind} ${outcome.resourceId} ${outcome.status}`,
  });
  return notifyOutcome(outcome);
}

/** Starts the notification and returns at once; a failure to start is logged, never raised. */
export async function startNotification(outcome: SwitchoverOutcome): Promise<void> {
  try {
    await startChild(notifySwitchoverOutcome, {
      workflowId: `notify:${outcome.workflowId}:${outcome.runId}`,
      args: [outcome],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `notify: ${outcome.kind} ${outcome.resourceId} ${outcome.status}`,
    });
  } catch (error) {
    log.warn('could not start the outcome notification', { error: String(error) });
  }
}
