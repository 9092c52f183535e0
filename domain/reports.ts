import type { CloudError } from './failures';

/** Service-specific facts carried between phases and into the outcome (flat, JSON-safe, no secrets). */
export type Facts = Record<string, string | number | boolean | null>;

/**
 * What preflight found. `ok: false` is a refusal: nothing will be triggered.
 * `S` is the service's own typed state, read by its later phases (trigger, await, verify); `facts` are for display.
 */
export interface PreflightReport<S = unknown> {
  ok: boolean;
  /** One line for the UI and the outcome. */
  summary: string;
  /** Why the switch must not proceed (when !ok). */
  refusal?: string;
  cloudError?: CloudError;
  /** Epoch ms when preflight observed the resource; triggers look for their own work since then. */
  observedAt: number;
  facts: Facts;
  /** What the service's later phases need to know of the resource before the switch. */
  state: S;
}

/** What the trigger did: sent the switch, or found it already started (adopted) and did not resend. */
export interface TriggerReceipt {
  /** The cloud's job / task id, when it has one. */
  jobId?: string;
  /** True when an earlier attempt's switch was found and adopted instead of sending again. */
  adopted: boolean;
  triggeredAt: number;
  summary: string;
  facts: Facts;
}

export type AwaitState = 'succeeded' | 'failed' | 'deadline_reached';

export interface AwaitReport {
  state: AwaitState;
  jobId?: string;
  lastCloudStatus?: string;
  cloudError?: CloudError;
  polls: number;
  transientErrors: number;
  summary: string;
  facts: Facts;
  /**
   * The resource was seen moved (master moved, roles swapped) although the cloud's word is `failed`: the skeleton
   * then verifies instead of reporting `failed` (a switch that moved is never `failed`).
   */
  moved?: boolean;
  /**
   * Set when the workflow asked the await activity to verify too (`AwaitArgs.verify`, PATCHES.verifyInAwait): the
   * verification's report, or why it could not be made; neither when the await's end needs none.
   */
  verified?: VerifyReport;
  verifyError?: { message: string; cloudError?: CloudError };
  /** With `verify`: epoch ms (the activity's clock) when await and verification ended; the outcome's finish time. */
  endedAt?: number;
}

/** The await's end may have moved the resource: only verification can tell `succeeded` from `unknown`. */
export function needsVerification(awaited: Pick<AwaitReport, 'state' | 'moved'>): boolean {
  return awaited.state === 'succeeded' || (awaited.state === 'failed' && awaited.moved === true);
}

export interface VerifyReport {
  /** The switch itself is verified (the resource moved as asked). */
  ok: boolean;
  summary: string;
  facts: Facts;
  /** Switched, but something looks off (a task still running, the DR not `running`): a warning on `succeeded`. */
  warning?: string;
}

/** Arguments of the phase activities every service implements. */
export interface TriggerArgs<P, S> {
  params: P;
  preflight: PreflightReport<S>;
  /**
   * True when an earlier attempt of this workflow's trigger ended without a definite answer that nothing was sent
   * (timeout or reset after connecting, 5xx, cancellation mid-request, worker crash): the switch may have been
   * accepted, possibly late. The activity then never sends: it looks for the switch until the late-acceptance
   * window since `ambiguousSince` has passed, adopts what appears, or refuses (TriggerUnresolvable: `unknown`).
   */
  mayHaveSent: boolean;
  /** Epoch ms (workflow time) when the first attempt that may have sent ended; set with `mayHaveSent`. */
  ambiguousSince?: number;
  attempt: number;
}
export interface AwaitArgs<P, S> {
  params: P;
  preflight: PreflightReport<S>;
  receipt: TriggerReceipt;
  /** Epoch ms: stop polling and report `deadline_reached` at this time. */
  deadlineAt: number;
  /** Verify in the same activity when the end needs it (activities/await-verify.ts). */
  verify?: boolean;
}
export interface VerifyArgs<P, S> {
  params: P;
  preflight: PreflightReport<S>;
  receipt: TriggerReceipt;
  awaited: AwaitReport;
}
