/**
 * Optional webhook on every switchover outcome (SWITCHOVER_WEBHOOK_URL), as JSON or a Slack-compatible
 * `{ text }` (SWITCHOVER_WEBHOOK_FORMAT). A separate activity, `notifyOutcome`, that the workflow runs after the
 * outcome is recorded, in a way that never delays the result (options: activities/notify-options.ts).
 *
 * Failures are typed for Temporal's retry policy: an unreachable receiver, a timeout, 408, 429 and 5xx are
 * retried with backoff (429/503 after their Retry-After); any other answer is a refusal that retrying cannot fix
 * (wrong URL, revoked hook) and is not retried. Each delivery carries `Idempotency-Key: <workflowId>/<runId>`,
 * since a retry may deliver twice (the receiver got it, the answer was lost).
 *
 * No secrets: the payload is built from an allow-list of outcome fields (which hold none, by design), and the
 * webhook URL itself (a Slack hook URL is a credential) appears in no log, error or payload: only its origin.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SwitchoverOutcome } from '../domain/outcome';
import { NotifyFailure } from './notify-options';

export { NOTIFY_OUTCOME_ACTIVITY_OPTIONS, NotifyFailure } from './notify-options';

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookSettings {
  /** A function, so the URL (a secret for Slack) stays out of enumerable config data. */
  url: () => string;
  format: WebhookFormat;
}

export interface NotifyDeps {
  /** Unset: notifications are off and notifyOutcome returns `disabled`. */
  webhook?: WebhookSettings;
  /** The Temporal Web UI (TEMPORAL_UI_URL), for a link to the run; and the namespace it is in. */
  uiUrl?: string;
  namespace: string;
  /** Per delivery attempt; below the activity's start-to-close timeout. */
  timeoutMs?: number;
  /** Told of every attempt's result (metrics). */
  onNotified?: (result: NotifyResult) => void;
}

export type NotifyResult = 'sent' | 'disabled' | 'failed';

/** Retry-After is honoured up to this; longer waits fall back to the retry policy's backoff. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

export function createNotifyActivities(deps: NotifyDeps) {
  const timeoutMs = deps.timeoutMs ?? 10_000;
  return {
    async notifyOutcome(outcome: SwitchoverOutcome): Promise<Exclude<NotifyResult, 'failed'>> {
      if (!deps.webhook) {
        deps.onNotified?.('disabled');
        return 'disabled';
      }
      const context = Context.current();
      const link = deps.uiUrl ? workflowUiLink(deps.uiUrl, deps.namespace, outcome) : undefined;
      const body = JSON.stringify(webhookPayload(outcome, deps.webhook.format, link));
      const origin = originOf(deps.webhook.url());
      try {
        await deliver(
          deps.webhook.url(),
          body,
          outcome,
          AbortSignal.any([context.cancellationSignal, AbortSignal.timeout(timeoutMs)]),
          origin,
        );
      } catch (error) {
        deps.onNotified?.('failed');
        context.log.warn('switchover notification not delivered', {
          workflowId: outcome.workflowId,
          webhook: origin,
          attempt: context.info.attempt,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
      deps.onNotified?.('sent');
      context.log.info('switchover notification delivered', {
        workflowId: outcome.workflowId,
        webhook: origin,
      });
      return 'sent';
    },
  };
}

async function deliver(
  url: string,
  body: string,
  outcome: SwitchoverOutcome,
  signal: AbortSignal,
  origin: string,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'switchover-notifier',
        'Idempotency-Key': `${outcome.workflowId}/${outcome.runId}`,
      },
      body,
      signal,
      redirect: 'error',
    });
  } catch (error) {
    // fetch's own messages can include the full URL: name the origin and the cause's code only.
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const what =
      (error as Error).name === 'TimeoutError' ? 'timed out' : `failed${cause ? ` (${cause})` : ''}`;
    throw ApplicationFailure.retryable(`webhook ${origin}: request ${what}`, NotifyFailure.Unavailable);
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  const message = `webhook ${origin} answered ${response.status}${excerpt ? `: ${excerpt}` : ''}`;
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    throw ApplicationFailure.create({
      message,
      type: NotifyFailure.Unavailable,
      ...(retryAfterMs !== undefined ? { nextRetryDelay: Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) } : {}),
    });
  }
  throw ApplicationFailure.nonRetryable(message, NotifyFailure.Rejected);
}

/** The Web UI page of one run: `<ui>/namespaces/<ns>/workflows/<workflowId>/<runId>/history`. */
export function workflowUiLink(
  uiUrl: string,
  namespace: string,
  outcome: Pick<SwitchoverOutcome, 'workflowId' | 'runId'>,
): string {
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(
    outcome.workflowId,
  )}/${encodeURIComponent(outcome.runId)}/history`;
}

/** The JSON a receiver gets: the outcome's fields by name (an allow-list), plus the UI link. */
export function webhookPayload(outcome: SwitchoverOutcome, format: WebhookFormat, link?: string): unknown {
  if (format === 'slack') return { text: slackText(outcome, link) };
  return {
    type: 'switchover.outcome',
    kind: outcome.kind,
    workflowId: outcome.workflowId,
    runId: outcome.runId,
    projectId: outcome.projectId,
    resourceId: outcome.resourceId,
    status: outcome.status,
    message: outcome.message,
    phase: outcome.phase,
    triggered: outcome.triggered,
    jobId: outcome.jobId,
    lastCloudStatus: outcome.lastCloudStatus,
    cloudError: outcome.cloudError
      ? {
          service: outcome.cloudError.service,
          code: outcome.cloudError.code,
          message: outcome.cloudError.message,
          httpStatus: outcome.cloudError.httpStatus,
        }
      : undefined,
    polls: outcome.polls,
    startedAt: outcome.startedAt,
    triggeredAt: outcome.triggeredAt,
    finishedAt: outcome.finishedAt,
    durationMs: outcome.durationMs,
    requestedBy: outcome.requestedBy,
    reason: outcome.reason,
    details: outcome.details,
    link,
  };
}

const STATUS_MARK: Record<string, string> = {
  succeeded: ':white_check_mark:',
  failed: ':x:',
  rejected: ':no_entry:',
  unknown: ':warning:',
  cancelled: ':heavy_minus_sign:',
};

function slackText(outcome: SwitchoverOutcome, link?: string): string {
  const lines = [
    `${STATUS_MARK[outcome.status] ?? ':grey_question:'} *${outcome.kind.toUpperCase()} switchover ${escapeSlack(outcome.status)}*: ` +
      `${escapeSlack(outcome.resourceId)} (project ${escapeSlack(outcome.projectId)})`,
    escapeSlack(outcome.message),
  ];
  const facts = [
    outcome.jobId && `job ${escapeSlack(outcome.jobId)}`,
    `${Math.round(outcome.durationMs / 1000)} s`,
    outcome.requestedBy && `requested by ${escapeSlack(outcome.requestedBy)}`,
    outcome.reason && `reason: ${escapeSlack(outcome.reason)}`,
  ].filter(Boolean);
  lines.push(facts.join(' · '));
  lines.push(
    link
      ? `<${link}|${escapeSlack(outcome.workflowId)}> in Temporal`
      : `workflow ${escapeSlack(outcome.workflowId)}`,
  );
  return lines.join('\n');
}

/** Slack's three control characters in message text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Scheme, host and port only: the path and query of a hook URL are its secret. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid webhook URL)';
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
