import { ConfigError, loadWorkerConfig, WORKER_TUNING_DEFAULTS } from '../../worker/config';

const base = { SWITCHOVER_AUTH_TOKEN: 'sim-token' };

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadWorkerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadWorkerConfig: worker tuning', () => {
  it('defaults: activity slots well above the switchovers in flight, a bounded cache, learned polling on', () => {
    const config = loadWorkerConfig(base);
    expect(config.tuning).toEqual(WORKER_TUNING_DEFAULTS);
    // A sleeping await holds an activity slot for the whole switch: 1000 in flight must not exhaust them.
    expect(config.tuning.maxConcurrentActivityTaskExecutions).toBeGreaterThanOrEqual(1000);
    expect(config.tuning.maxCachedWorkflows).toBeGreaterThan(0);
    expect(config.polling).toEqual({ learned: true, denseIntervalMs: 900, maxDensePolls: 12 });
    expect(config.describe()).toContain('2000 activity slots');
    expect(config.describe()).toContain('learned polling on');
  });

  it('reads every variable', () => {
    const config = loadWorkerConfig({
      ...base,
      SWITCHOVER_MAX_CONCURRENT_ACTIVITIES: '500',
      SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS: '40',
      SWITCHOVER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '30',
      SWITCHOVER_MAX_CACHED_WORKFLOWS: '250',
      SWITCHOVER_ACTIVITY_TASK_POLLERS: '5',
      SWITCHOVER_WORKFLOW_TASK_POLLERS: '4',
      SWITCHOVER_LEARNED_POLLING: 'false',
      SWITCHOVER_POLL_DENSE_INTERVAL_MS: '500',
      SWITCHOVER_POLL_MAX_DENSE_POLLS: '12',
    });
    expect(config.tuning).toEqual({
      maxConcurrentActivityTaskExecutions: 500,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentLocalActivityExecutions: 30,
      maxCachedWorkflows: 250,
      maxConcurrentActivityTaskPolls: 5,
      maxConcurrentWorkflowTaskPolls: 4,
    });
    expect(config.polling).toEqual({ learned: false, denseIntervalMs: 500, maxDensePolls: 12 });
    expect(config.describe()).toContain('learned polling off');
  });

  it.each([
    ['SWITCHOVER_MAX_CONCURRENT_ACTIVITIES', '0', 'SWITCHOVER_MAX_CONCURRENT_ACTIVITIES must be at least 1'],
    [
      'SWITCHOVER_MAX_CONCURRENT_ACTIVITIES',
      'lots',
      'SWITCHOVER_MAX_CONCURRENT_ACTIVITIES must be a whole number',
    ],
    [
      'SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS',
      '1',
      'SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS must be at least 2',
    ],
    ['SWITCHOVER_MAX_CACHED_WORKFLOWS', '-1', 'SWITCHOVER_MAX_CACHED_WORKFLOWS must be at least 0'],
    ['SWITCHOVER_WORKFLOW_TASK_POLLERS', '1', 'SWITCHOVER_WORKFLOW_TASK_POLLERS must be at least 2'],
    ['SWITCHOVER_LEARNED_POLLING', 'maybe', 'SWITCHOVER_LEARNED_POLLING must be true or false'],
    ['SWITCHOVER_POLL_DENSE_INTERVAL_MS', '10', 'SWITCHOVER_POLL_DENSE_INTERVAL_MS must be at least 100'],
    ['SWITCHOVER_POLL_MAX_DENSE_POLLS', '2.5', 'SWITCHOVER_POLL_MAX_DENSE_POLLS must be a whole number'],
  ])('refuses %s=%s with a message naming it', (name, value, message) => {
    expect(failure({ ...base, [name]: value })).toContain(message);
  });

  it('refuses more pollers than slots (the SDK would refuse it later, less clearly)', () => {
    expect(
      failure({
        ...base,
        SWITCHOVER_MAX_CONCURRENT_ACTIVITIES: '10',
        SWITCHOVER_ACTIVITY_TASK_POLLERS: '11',
      }),
    ).toContain(
      'SWITCHOVER_ACTIVITY_TASK_POLLERS (11) must not exceed SWITCHOVER_MAX_CONCURRENT_ACTIVITIES (10)',
    );
    expect(
      failure({
        ...base,
        SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS: '4',
        SWITCHOVER_WORKFLOW_TASK_POLLERS: '5',
      }),
    ).toContain(
      'SWITCHOVER_WORKFLOW_TASK_POLLERS (5) must not exceed SWITCHOVER_MAX_CONCURRENT_WORKFLOW_TASKS (4)',
    );
  });
});
