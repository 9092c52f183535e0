import { z } from 'zod';

/**
 * Workflow inputs: validated by the client before start and again inside the workflow.
 * They carry project and resource only: credentials and endpoints come from the worker's configuration.
 */

/** Cloud IDs are path segments of signed requests: letters, digits, `-` and `_` only. */
export const cloudId = (what: string) =>
  z.string({ error: `${what} is required` }).regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, {
    message: `${what} must be 1-128 letters, digits, '-' or '_' (a cloud ID, not a name or URL)`,
  });

export const commonSwitchoverFields = {
  projectId: cloudId('projectId'),
  reason: z.string().trim().max(500, { message: 'reason must be at most 500 characters' }).optional(),
  requestedBy: z
    .string()
    .trim()
    .max(128, { message: 'requestedBy must be at most 128 characters' })
    .optional(),
  /** First poll interval; the interval then backs off up to maxPollIntervalSeconds. */
  pollIntervalSeconds: z
    .number({ error: 'pollIntervalSeconds must be a number of seconds' })
    .min(0.1, { message: 'pollIntervalSeconds must be at least 0.1' })
    .max(300, { message: 'pollIntervalSeconds must be at most 300' })
    .default(2),
  maxPollIntervalSeconds: z
    .number({ error: 'maxPollIntervalSeconds must be a number of seconds' })
    .min(0.1, { message: 'maxPollIntervalSeconds must be at least 0.1' })
    .max(600, { message: 'maxPollIntervalSeconds must be at most 600' })
    .default(30),
  /** Overall deadline of the switchover; when it passes unresolved the outcome is `unknown`. */
  timeoutSeconds: z
    .number({ error: 'timeoutSeconds must be a number of seconds' })
    .int({ message: 'timeoutSeconds must be a whole number' })
    .min(1, { message: 'timeoutSeconds must be at least 1' })
    .max(7 * 24 * 3600, { message: 'timeoutSeconds must be at most 604800 (7 days)' })
    .default(1800),
  /** Override the safety gates (cooldown; for DWS failover also the data-loss gate). Needs a reason. */
  force: z.boolean({ error: 'force must be true or false' }).default(false),
  /** Validate and preflight only: report what would be done and why; nothing is triggered. */
  dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false),
  /** Wait after preflight for an `approve` or `reject` update before triggering. */
  requireApproval: z.boolean({ error: 'requireApproval must be true or false' }).default(false),
  approvalTimeoutSeconds: z
    .number({ error: 'approvalTimeoutSeconds must be a number of seconds' })
    .int({ message: 'approvalTimeoutSeconds must be a whole number' })
    .min(1, { message: 'approvalTimeoutSeconds must be at least 1' })
    .max(7 * 24 * 3600, { message: 'approvalTimeoutSeconds must be at most 604800 (7 days)' })
    .default(3600),
  /** Scheduled switchover: preflight and trigger not before this time (ISO 8601 with a zone). */
  notBefore: z.iso
    .datetime({
      offset: true,
      message: 'notBefore must be an ISO 8601 time with a zone, e.g. 2026-11-24T02:00:00Z',
    })
    .optional(),
};

/** `force` overrides safety gates, so it must say why. */
export const forceNeedsReason = {
  check: (input: { force: boolean; reason?: string }) => !input.force || Boolean(input.reason),
  error: {
    path: ['reason'],
    message: 'reason is required when force is true (say why the safety gates are overridden)',
  },
};

export { describeInputIssues, InputValidationError, parseInput } from './parse-input';
