/**
 * The compact skeleton's admission on its own: input, policy and (PATCHES.verifyInAwait) preflight in one local
 * activity (one marker).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAdmitActivities } from '../../activities/admit';
import { createValidateActivities } from '../../activities/validate';
import { ApplicationFailure } from '@temporalio/common';
import { CloudFailure, INVALID_INPUT } from '../../domain/failures';
import type { PolicyAnswer } from '../../activities/safety';

const PROJECT = 'a4d31cb63d724fdc8ec96e3a41e47f71';
const ANSWER: PolicyAnswer = { cooldownMinutes: 10, approvalRequired: false, notificationsEnabled: false };

function inActivity<T>(fn: () => Promise<T>, attempt = 1, startToCloseTimeoutMs = 30_000): Promise<T> {
  return new MockActivityEnvironment(
    { attempt, startToCloseTimeoutMs },
    { logger: new DefaultLogger('ERROR') },
  ).run(fn);
}

describe('admitSwitchover', () => {
  const questions: unknown[] = [];
  let policy = async (question: unknown): Promise<PolicyAnswer> => {
    questions.push(question);
    return ANSWER;
  };
  const { admitSwitchover } = createAdmitActivities({
    validate: createValidateActivities().validateSwitchoverInput,
    policy: (q) => policy(q),
    now: () => Date.parse('2026-12-01T10:00:00Z'),
  });
  const question = (input: Record<string, unknown>) => ({
    kind: 'dcs' as const,
    input: { projectId: PROJECT, instanceId: 'redis-1', ...input },
    workflowId: `dcs:${PROJECT}:redis-1`,
    runId: 'run-1',
    maxAttempts: 3,
  });

  test('parses the input and asks the policy about the parsed resource', async () => {
    const admission = await inActivity(() => admitSwitchover(question({})));
    expect(admission.policy).toEqual(ANSWER);
    expect(admission.params).toMatchObject({ projectId: PROJECT, instanceId: 'redis-1', dryRun: false });
    expect(questions.at(-1)).toEqual({
      kind: 'dcs',
      projectId: PROJECT,
      resourceId: 'redis-1',
      workflowId: `dcs:${PROJECT}:redis-1`,
      runId: 'run-1',
    });
  });

  test('an invalid input fails naming the field, and the policy is not asked', async () => {
    const asked = questions.length;
    const error = (await inActivity(() => admitSwitchover(question({ instanceId: '../etc' }))).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ type: INVALID_INPUT, nonRetryable: true });
    expect(error.message).toContain('instanceId');
    expect(questions).toHaveLength(asked);
  });

  test('a run scheduled for later reads no policy now', async () => {
    const admission = await inActivity(() =>
      admitSwitchover(question({ notBefore: '2026-12-01T11:00:00Z' })),
    );
    expect(admission.policy).toBeUndefined();
    expect(admission.policyError).toBeUndefined();
  });

  test('a policy that cannot be read is retried, and the last attempt answers with why', async () => {
    policy = () => Promise.reject(new Error('cannot check the cooldown: no source answered'));
    await expect(inActivity(() => admitSwitchover(question({})), 2)).rejects.toThrow(/no source answered/);
    const last = await inActivity(() => admitSwitchover(question({})), 3);
    expect(last.policy).toBeUndefined();
    expect(last.policyError).toMatch(/no source answered/);
    expect(last.params).toMatchObject({ instanceId: 'redis-1' });
  });
});

describe('admitSwitchover with the preflight (PATCHES.verifyInAwait)', () => {
  const report = { ok: true, summary: 'ready', observedAt: 1, facts: {}, state: {} };
  let preflight: (params: unknown) => Promise<typeof report> = async () => report;
  const calls: unknown[] = [];
  const { admitSwitchover } = createAdmitActivities({
    validate: createValidateActivities().validateSwitchoverInput,
    policy: async () => ANSWER,
    preflight: (kind, params) => {
      calls.push({ kind, params });
      return preflight(params);
    },
    now: () => Date.parse('2026-12-01T10:00:00Z'),
  });
  const question = (input: Record<string, unknown> = {}) => ({
    kind: 'dcs' as const,
    input: { projectId: PROJECT, instanceId: 'redis-1', ...input },
    workflowId: `dcs:${PROJECT}:redis-1`,
    runId: 'run-1',
    maxAttempts: 3,
    preflight: true,
  });

  test("answers with the service's preflight of the parsed params", async () => {
    const admission = await inActivity(() => admitSwitchover(question()));
    expect(admission.preflight).toEqual(report);
    expect(calls.at(-1)).toMatchObject({ kind: 'dcs', params: { instanceId: 'redis-1', dryRun: false } });
  });

  test('without the flag (runs of the older skeleton) or for a run scheduled later, no preflight now', async () => {
    const before = calls.length;
    const older = { ...question(), preflight: undefined };
    expect((await inActivity(() => admitSwitchover(older))).preflight).toBeUndefined();
    const later = await inActivity(() => admitSwitchover(question({ notBefore: '2026-12-01T11:00:00Z' })));
    expect(later.preflight).toBeUndefined();
    expect(calls).toHaveLength(before);
  });

  test('a preflight that hangs fails the attempt before its timeout would; the last attempt answers with why', async () => {
    preflight = () => new Promise(() => undefined);
    // 4 s attempts leave 1 s to the reads (3 s to answer).
    await expect(inActivity(() => admitSwitchover(question()), 2, 4_000)).rejects.toThrow(
      /the preflight checks did not answer within \d\.\d s/,
    );
    const last = await inActivity(() => admitSwitchover(question()), 3, 4_000);
    expect(last.preflightError?.message).toMatch(/the preflight checks did not answer/);
    expect(last.policy).toEqual(ANSWER);
    preflight = async () => report;
  });

  test('a run under another workflow ID fails before the policy and the preflight are asked', async () => {
    const before = calls.length;
    const error = (await inActivity(() => admitSwitchover({ ...question(), workflowId: 'my-own-id' })).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ type: INVALID_INPUT, nonRetryable: true });
    expect(error.message).toContain(`workflow ID must be 'dcs:${PROJECT}:redis-1'`);
    expect(calls).toHaveLength(before);
  });

  test('a transient failure is retried; a permanent one, or the last attempt, answers with why', async () => {
    preflight = () =>
      Promise.reject(ApplicationFailure.create({ type: CloudFailure.Server, message: 'dcs: HTTP 503' }));
    await expect(inActivity(() => admitSwitchover(question()), 2)).rejects.toThrow(/503/);
    expect((await inActivity(() => admitSwitchover(question()), 3)).preflightError).toEqual({
      message: 'dcs: HTTP 503',
    });
    const cloudError = { service: 'dcs', httpStatus: 404, code: 'DCS.4001', message: 'no such instance' };
    preflight = () =>
      Promise.reject(
        ApplicationFailure.create({
          type: CloudFailure.NotFound,
          message: 'dcs DCS.4001: no such instance',
          nonRetryable: true,
          details: [cloudError],
        }),
      );
    const permanent = await inActivity(() => admitSwitchover(question()), 1);
    expect(permanent.preflightError).toEqual({ message: 'dcs DCS.4001: no such instance', cloudError });
    expect(permanent.policy).toEqual(ANSWER);
  });
});
