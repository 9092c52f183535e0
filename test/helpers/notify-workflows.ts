/**
 * Test workflows for notifyOutcome, run by test/unit/notify.test.ts on the real dev server. They show the
 * recommended call: the notification runs in a child workflow the switchover abandons, so its retries never
 * delay the switchover's result.
 */
import { ParentClosePolicy, proxyActivities, startChild, type ActivityOptions } from '@temporalio/workflow';
import type { createNotifyActivities } from '../../activities/notify';
import { NOTIFY_OUTCOME_ACTIVITY_OPTIONS } from '../../activities/notify-options';
import type { SwitchoverOutcome } from '../../domain/outcome';

type NotifyActivities = ReturnType<typeof createNotifyActivities>;

/** The child: notifyOutcome with the recommended options (tests shorten the first retry interval). */
export async function notifySwitchoverOutcome(
  outcome: SwitchoverOutcome,
  retry: ActivityOptions['retry'] = {},
): Promise<string> {
  const { notifyOutcome } = proxyActivities<NotifyActivities>({
    ...NOTIFY_OUTCOME_ACTIVITY_OPTIONS,
    retry: { ...NOTIFY_OUTCOME_ACTIVITY_OPTIONS.retry, ...retry },
    summary: `notify: ${outcome.status}`,
  });
  return notifyOutcome(outcome);
}

/** Stands in for the switchover's last step: start the notification, abandon it, return the outcome at once. */
export async function finishWithNotification(
  outcome: SwitchoverOutcome,
  retry: ActivityOptions['retry'] = {},
): Promise<SwitchoverOutcome> {
  await startChild(notifySwitchoverOutcome, {
    workflowId: `notify:${outcome.workflowId}:${outcome.runId}`,
    args: [outcome, retry],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  return outcome;
}
