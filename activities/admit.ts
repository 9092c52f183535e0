import { Context } from '@temporalio/activity';
import { SWITCHOVER_DEFINITIONS } from '../domain/catalog';
import type { SwitchoverKind } from '../domain/kinds';
import type { PolicyAnswer, PolicyQuestion } from './safety';

export interface AdmitQuestion {
  kind: SwitchoverKind;
  input: unknown;
  workflowId: string;
  runId: string;
  /** The local activity's retry limit: the last attempt answers with the policy's error instead of throwing. */
  maxAttempts: number;
}

export interface Admission {
  params: unknown;
  /** The policy now; absent when the run is scheduled for later (read then) or the policy could not be read. */
  policy?: PolicyAnswer;
  /** Why the policy could not be read, after every attempt (the run is then rejected: no switch unchecked). */
  policyError?: string;
}

/**
 * The compact skeleton's first local activity: the input checked (INVALID_INPUT, never retried) and the safety
 * policy read, in one marker. A run scheduled for later reads its policy at that time instead.
 */
export function createAdmitActivities(deps: {
  validate: (args: { kind: SwitchoverKind; input: unknown }) => Promise<unknown>;
  policy: (question: PolicyQuestion) => Promise<PolicyAnswer>;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  return {
    async admitSwitchover({
      kind,
      input,
      workflowId,
      runId,
      maxAttempts,
    }: AdmitQuestion): Promise<Admission> {
      const params = await deps.validate({ kind, input });
      const { projectId, notBefore } = params as { projectId: string; notBefore?: string };
      if (notBefore && Date.parse(notBefore) > now()) return { params };
      const resourceOf = SWITCHOVER_DEFINITIONS[kind].resourceOf as (p: unknown) => string;
      try {
        const policy = await deps.policy({
          kind,
          projectId,
          resourceId: resourceOf(params),
          workflowId,
          runId,
        });
        return { params, policy };
      } catch (error) {
        // Retried like any read; the last attempt keeps the params and says why (the run ends rejected).
        if (Context.current().info.attempt < maxAttempts) throw error;
        return { params, policyError: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
