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

export interface PolicyAnswer {
  cooldownMinutes: number;
  approvalRequired: boolean;
  /** A webhook is configured: the workflow hands its outcome to a notification child workflow. */
  notificationsEnabled: boolean;
  /** The latest switchover of this resource inside the cooldown window that sent a switch, if any. */
  recentSwitch?: { workflowId: string; runId: string; status: string; finishedAt: string };
}

export interface SafetyDeps {
  policy: SafetyPolicy;
  notificationsEnabled: boolean;
  /** Recorded outcomes of one resource, from the audit store. */
  outcomesOf: (resource: {
    kind: SwitchoverKind;
    projectId: string;
    resourceId: string;
  }) => Promise<SwitchoverOutcome[]>;
  now?: () => number;
}

/** The policy the workflow applies before preflight: a read of configuration and the audit store, no cloud call. */
export function createSafetyActivities({
  policy,
  notificationsEnabled,
  outcomesOf,
  now = Date.now,
}: SafetyDeps) {
  return {
    async switchoverPolicy(question: PolicyQuestion): Promise<PolicyAnswer> {
      const answer: PolicyAnswer = {
        cooldownMinutes: policy.cooldownMinutes,
        approvalRequired: policy.approvalRequiredKinds.includes(question.kind),
        notificationsEnabled,
      };
      if (policy.cooldownMinutes <= 0) return answer;
      const since = now() - policy.cooldownMinutes * 60_000;
      const recent = (await outcomesOf(question))
        .filter((o) => o.triggered && o.runId !== question.runId && Date.parse(o.finishedAt) >= since)
        .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))[0];
      if (recent) {
        answer.recentSwitch = {
          workflowId: recent.workflowId,
          runId: recent.runId,
          status: recent.status,
          finishedAt: recent.finishedAt,
        };
      }
      return answer;
    },
  };
}
