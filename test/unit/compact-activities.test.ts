/**
 * The compact skeleton's admission on its own: input and policy in one local activity (one marker).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAdmitActivities } from '../../activities/admit';
import { createValidateActivities } from '../../activities/validate';
import { INVALID_INPUT } from '../../domain/failures';
import type { PolicyAnswer } from '../../activities/safety';

const PROJECT = 'a4d31cb63d724fdc8ec96e3a41e47f71';
const ANSWER: PolicyAnswer = { cooldownMinutes: 10, approvalRequired: false, notificationsEnabled: false };

function inActivity<T>(fn: () => Promise<T>, attempt = 1): Promise<T> {
  return new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') }).run(fn);
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
