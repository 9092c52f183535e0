/**
 * Stands in for zod in a workflow bundle (test/unit/replay.test.ts): a workflow that evaluates zod fails its
 * workflow task with this error, so a replay shows whether the sandbox needed zod.
 */
throw new Error('zod was evaluated in the workflow sandbox');

export {};
