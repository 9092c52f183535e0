import { ApplicationFailure, Context } from '@temporalio/activity';
import { SWITCHOVER_DEFINITIONS } from '../domain/catalog';
import { workflowIdProblem, type SwitchoverKind } from '../domain/kinds';
import { INVALID_INPUT, type CloudError } from '../domain/failures';
import type { PreflightReport } from '../domain/reports';
import { failureReport, isRetryable } from './http/failures';
import type { PolicyAnswer, PolicyQuestion } from './safety';

export interface AdmitQuestion {
  kind: SwitchoverKind;
  input: unknown;
  workflowId: string;
  runId: string;
  /** The local activity's retry limit: the last attempt answers with the policy's error instead of throwing. */
  maxAttempts: number;
  /** Run the service's preflight too, once the policy is read (PATCHES.verifyInAwait). */
  preflight?: boolean;
}

export interface Admission {
  params: unknown;
  /** The policy now; absent when the run is scheduled for later (read then) or the policy could not be read. */
  policy?: PolicyAnswer;
  /** Why the policy could not be read, after every attempt (the run is then rejected: no switch unchecked). */
  policyError?: string;
  /** With `preflight`, when the policy was read: the service's preflight report, or why it could not be made. */
  preflight?: PreflightReport<unknown>;
  preflightError?: { message: string; cloudError?: CloudError };
}

/**
 * The part of an attempt left for answering: a read still running by then fails the attempt (retried; the last one
 * answers with why) instead of timing out, which would fail the run without an outcome.
 */
const ANSWER_MARGIN_MS = 3_000;

/** `work`, or an error naming `what` once `untilMs` (epoch) has passed; unbounded when the attempt has no room. */
async function bounded<T>(work: Promise<T>, untilMs: number, what: string): Promise<T> {
  const waitMs = untilMs - Date.now();
  if (!(waitMs > 0)) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${(waitMs / 1000).toFixed(1)} s`)),
      waitMs,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The compact skeleton's first local activity: the input checked (INVALID_INPUT, never retried), the safety policy
 * read and, when asked, the service's preflight made, in one marker (all of it only reads). A run scheduled for
 * later reads its policy and makes its preflight at that time instead.
 */
export function createAdmitActivities(deps: {
  validate: (args: { kind: SwitchoverKind; input: unknown }) => Promise<unknown>;
  policy: (question: PolicyQuestion) => Promise<PolicyAnswer>;
  /** The service's preflight activity for `kind`. */
  preflight?: (kind: SwitchoverKind, params: unknown) => Promise<PreflightReport<unknown>>;
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
      preflight,
    }: AdmitQuestion): Promise<Admission> {
      const startedAt = Date.now();
      const params = await deps.validate({ kind, input });
      const { projectId, notBefore } = params as { projectId: string; notBefore?: string };
      const resourceOf = SWITCHOVER_DEFINITIONS[kind].resourceOf as (p: unknown) => string;
      // Before any read: a run under another workflow ID fails without a cloud call (the workflow says so too).
      const idProblem = workflowIdProblem(kind, projectId, resourceOf(params), workflowId);
      if (idProblem) throw ApplicationFailure.nonRetryable(idProblem, INVALID_INPUT);
      if (notBefore && Date.parse(notBefore) > now()) return { params };
      const { attempt, startToCloseTimeoutMs } = Context.current().info;
      const lastAttempt = attempt >= maxAttempts;
      const answerBy = startedAt + startToCloseTimeoutMs - ANSWER_MARGIN_MS;
      let policy: PolicyAnswer;
      try {
        policy = await bounded(
          deps.policy({ kind, projectId, resourceId: resourceOf(params), workflowId, runId }),
          answerBy,
          'the safety policy',
        );
      } catch (error) {
        // Retried like any read; the last attempt keeps the params and says why (the run ends rejected).
        if (!lastAttempt) throw error;
        return { params, policyError: error instanceof Error ? error.message : String(error) };
      }
      if (!preflight || !deps.preflight) return { params, policy };
      try {
        return {
          params,
          policy,
          preflight: await bounded(deps.preflight(kind, params), answerBy, 'the preflight checks'),
        };
      } catch (error) {
        // The same: retried (the whole admission: it only reads), a permanent answer or the last attempt says why.
        if (!lastAttempt && isRetryable(error)) throw error;
        return { params, policy, preflightError: failureReport(error) };
      }
    },
  };
}
