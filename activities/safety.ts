import { Context } from '@temporalio/activity';
import type { SwitchoverKind } from '../domain/kinds';
import type { SwitchoverOutcome } from '../domain/outcome';

/** Worker-wide safety policy (SWITCHOVER_COOLDOWN_MINUTES, SWITCHOVER_REQUIRE_APPROVAL). */
export interface SafetyPolicy {
  /** Anti-flapping: a resource switched less than this long ago is refused unless forced. 0 disables. */
  cooldownMinutes: number;
  /** Kinds whose switchovers always wait for an approval. */
  approvalRequiredKinds: readonly SwitchoverKind[];
}

export interface PolicyQuestion {
  kind: SwitchoverKind;
  projectId: string;
  resourceId: string;
  workflowId: string;
  runId: string;
}

/** Where the cooldown found a recent switch: the audit store, or Temporal's visibility (shared by all workers). */
export type CooldownSource = 'audit' | 'visibility';

/** A run of this resource that may have switched (it sent, or may have sent, its trigger). */
export interface RecentSwitch {
  workflowId: string;
  runId: string;
  /** The outcome status, or the run's execution status when it has none (`running`, `terminated`, ...). */
  status: string;
  /** When it finished (a run still going: now). */
  finishedAt: string;
  source: CooldownSource;
}

export interface PolicyAnswer {
  cooldownMinutes: number;
  approvalRequired: boolean;
  /** A webhook is configured: the workflow hands its outcome to a notification child workflow. */
  notificationsEnabled: boolean;
  /** The latest switchover of this resource inside the cooldown window that sent a switch, if any. */
  recentSwitch?: {
    workflowId: string;
    runId: string;
    status: string;
    finishedAt: string;
    source?: CooldownSource;
  };
  /**
   * How long the switchover waits for the audit store before returning its outcome flagged `notRecorded` (a
   * record workflow keeps retrying). Absent in histories of older workers: the workflow's default applies.
   */
  recordWaitSeconds?: number;
}

type Resource = { kind: SwitchoverKind; projectId: string; resourceId: string };

export interface SafetyDeps {
  policy: SafetyPolicy;
  notificationsEnabled: boolean;
  /** Recorded outcomes of one resource, from the audit store. */
  outcomesOf: (resource: Resource) => Promise<SwitchoverOutcome[]>;
  /**
   * Runs of one resource that may have switched and were running or closed at or after `since`, from Temporal's
   * visibility (search attributes SwitchoverKind/Project/Resource, SwitchoverTriggered = true, CloseTime).
   */
  triggeredRunsOf?: (resource: Resource, since: Date) => Promise<RecentSwitch[]>;
  recordWaitSeconds?: number;
  now?: () => number;
}

/**
 * The policy the workflow applies before preflight: a read of configuration, the audit store and Temporal's
 * visibility, no cloud call.
 *
 * The cooldown has two sources and the most recent switch found in either wins (the stricter answer): the audit
 * store has the typed outcome, but a per-host JSONL file sees only its host's runs, and a run whose record is
 * still pending (store down) or that was terminated has none; visibility is shared by every worker of the
 * namespace and knows every run that may have sent a switch (SwitchoverTriggered), recorded or not. A source that
 * cannot be read is logged and the other one answers; only when neither answers does the policy fail (the run is
 * then rejected: no switch without a cooldown check).
 */
export function createSafetyActivities({
  policy,
  notificationsEnabled,
  outcomesOf,
  triggeredRunsOf,
  recordWaitSeconds,
  now = Date.now,
}: SafetyDeps) {
  return {
    async switchoverPolicy(question: PolicyQuestion): Promise<PolicyAnswer> {
      const answer: PolicyAnswer = {
        cooldownMinutes: policy.cooldownMinutes,
        approvalRequired: policy.approvalRequiredKinds.includes(question.kind),
        notificationsEnabled,
        ...(recordWaitSeconds !== undefined ? { recordWaitSeconds } : {}),
      };
      if (policy.cooldownMinutes <= 0) return answer;
      const since = now() - policy.cooldownMinutes * 60_000;
      const sources: Array<[CooldownSource, () => Promise<RecentSwitch[]>]> = [
        [
          'audit',
          async () =>
            (await outcomesOf(question))
              .filter((o) => o.triggered)
              .map((o) => ({
                workflowId: o.workflowId,
                runId: o.runId,
                status: o.status,
                finishedAt: o.finishedAt,
                source: 'audit' as const,
              })),
        ],
      ];
      if (triggeredRunsOf) sources.push(['visibility', () => triggeredRunsOf(question, new Date(since))]);
      const results = await Promise.allSettled(sources.map(([, read]) => read()));
      const errors: string[] = [];
      const found: RecentSwitch[] = [];
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') found.push(...result.value);
        else {
          const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
          errors.push(`${sources[i]![0]}: ${message}`);
          Context.current().log.warn('cooldown source unavailable; deciding on the other one', {
            source: sources[i]![0],
            error: message,
          });
        }
      });
      if (errors.length === sources.length) {
        throw new Error(`cannot check the cooldown: no source answered (${errors.join('; ')})`);
      }
      // The same run in both sources: the audit's typed outcome (its own finish time) describes it.
      const byRun = new Map<string, RecentSwitch>();
      for (const run of found) {
        if (!byRun.has(run.runId) || run.source === 'audit') byRun.set(run.runId, run);
      }
      const recent = [...byRun.values()]
        .filter((o) => o.runId !== question.runId && Date.parse(o.finishedAt) >= since)
        .sort((a, b) => Date.parse(b.finishedAt) - Date.parse(a.finishedAt))[0];
      if (recent) {
        answer.recentSwitch = {
          workflowId: recent.workflowId,
          runId: recent.runId,
          status: recent.status,
          finishedAt: recent.finishedAt,
          source: recent.source,
        };
      }
      return answer;
    },
  };
}
