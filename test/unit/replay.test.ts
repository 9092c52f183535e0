/**
 * Replay: every recorded history in test/fixtures/histories (written by `npm run replay:record`, see
 * scripts/record-histories.ts) must replay against the current workflow bundle without nondeterminism. A
 * failure here means a workflow change would break switchovers running when it is deployed: guard the change
 * with `patched()` (or worker versioning), or, if no such run can exist, re-record.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  Worker,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { WORKFLOW_TYPES } from '../../domain/kinds';
import { PATCHES } from '../../workflows/switchover';
import { workflowBundle } from '../helpers/temporal';

const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');
const fixtures = fs
  .readdirSync(FIXTURES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

interface Fixture {
  history: History;
  workflowId: string;
  workflowType: string;
}

function load(file: string): Fixture {
  const json = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as {
    events?: Array<{
      workflowExecutionStartedEventAttributes?: { workflowId?: string; workflowType?: { name?: string } };
    }>;
  };
  const started = json.events?.[0]?.workflowExecutionStartedEventAttributes;
  // The switchover checks its own ID (the per-resource lock): replay must run under the recorded one.
  if (!started?.workflowId || !started.workflowType?.name) {
    throw new Error(`${file}: the first event is not a WorkflowExecutionStarted with workflowId and type`);
  }
  return {
    history: historyFromJSON(json),
    workflowId: started.workflowId,
    workflowType: started.workflowType.name,
  };
}

/** The `patched()` IDs a recorded run took (its `core_patch` markers). */
function patchesOf(file: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as {
    events: Array<{
      markerRecordedEventAttributes?: {
        markerName?: string;
        details?: Record<string, { payloads?: Array<{ data?: string }> }>;
      };
    }>;
  };
  return json.events.flatMap(({ markerRecordedEventAttributes: marker }) => {
    const data = marker?.markerName === 'core_patch' && marker.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });
}

beforeAll(() => {
  try {
    // Replays of switchovers that did not succeed end in failed workflows, which the SDK logs at WARN.
    // The core logs the expected nondeterminism of the changed bundle at WARN too.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
    });
  } catch {
    // installed already in this file's module registry
  }
});

describe('recorded histories replay against the current workflow code', () => {
  test('there are fixtures for every workflow type the worker registers', () => {
    const types = new Set(fixtures.map((file) => load(file).workflowType));
    for (const type of [
      ...Object.values(WORKFLOW_TYPES),
      'notifySwitchoverOutcome',
      'recordSwitchoverOutcome',
    ]) {
      expect({ type, recorded: types.has(type) }).toEqual({ type, recorded: true });
    }
  });

  test.each(fixtures)('%s', async (file) => {
    const { history, workflowId } = load(file);
    await Worker.runReplayHistory(
      { workflowBundle: workflowBundle(), replayName: file },
      history,
      workflowId,
    );
  });
});

describe('replay catches a changed workflow', () => {
  test('a DCS switchover that gained a timer fails replay with DeterminismViolationError; other types still replay', async () => {
    const changed = await bundleWorkflowCode({
      workflowsPath: require.resolve('../helpers/changed-workflows'),
      logger: new DefaultLogger('ERROR'),
    });
    const dcs = load(`${WORKFLOW_TYPES.dcs}-succeeded.json`);
    const error = await Worker.runReplayHistory(
      { workflowBundle: changed, replayName: 'changed dcs' },
      dcs.history,
      dcs.workflowId,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);

    // A run recorded with the patched() paths (local-activity validation, SwitchoverTriggered) is caught too.
    const patchedRun = load(`${WORKFLOW_TYPES.dcs}-trigger-retry.json`);
    const patchedError = await Worker.runReplayHistory(
      { workflowBundle: changed, replayName: 'changed dcs (patched run)' },
      patchedRun.history,
      patchedRun.workflowId,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(patchedError).toBeInstanceOf(DeterminismViolationError);

    // The variant bundle is otherwise the current code: an unchanged type replays fine with it.
    const drs = load(`${WORKFLOW_TYPES.drs}-succeeded.json`);
    await Worker.runReplayHistory(
      { workflowBundle: changed, replayName: 'changed drs' },
      drs.history,
      drs.workflowId,
    );
  });
});

describe('replay is decoupled from input schema edits', () => {
  test('with a DCS schema that gained a required field, runs that parsed their input in the local activity replay; runs from before re-parse and fail', async () => {
    const edited = await bundleWorkflowCode({
      workflowsPath: require.resolve('../helpers/schema-edited-workflows'),
      logger: new DefaultLogger('ERROR'),
    });
    for (const name of ['trigger-retry', 'succeeded-warning', 'not-recorded']) {
      const run = load(`${WORKFLOW_TYPES.dcs}-${name}.json`);
      await Worker.runReplayHistory(
        { workflowBundle: edited, replayName: `schema-edited ${name}` },
        run.history,
        run.workflowId,
      );
    }
    // The control: a history from before the patch parses inline, so the edit breaks it (what the patch fixes).
    const old = load(`${WORKFLOW_TYPES.dcs}-succeeded.json`);
    const error = await Worker.runReplayHistory(
      { workflowBundle: edited, replayName: 'schema-edited old run' },
      old.history,
      old.workflowId,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
  });
});

describe('the workflow sandbox evaluates zod only for a run from before its input was parsed in an activity', () => {
  test('with zod replaced by a module that throws when evaluated, runs recorded with a validation patch replay; older runs fail', async () => {
    const withoutZod = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('ERROR'),
      webpackConfigHook: (config) => ({
        ...config,
        resolve: {
          ...config.resolve,
          alias: { ...config.resolve?.alias, zod$: require.resolve('../helpers/zod-unavailable') },
        },
      }),
    });
    const switchoverTypes: string[] = Object.values(WORKFLOW_TYPES);
    const results: Array<{ file: string; parsesInline: boolean; error?: string }> = [];
    for (const file of fixtures) {
      const { history, workflowId, workflowType } = load(file);
      const patches = patchesOf(file);
      // Unpatched: the input is parsed inline on replay, with the schema (workflows/switchover.ts, validatedParams).
      const parsesInline =
        switchoverTypes.includes(workflowType) &&
        !patches.includes(PATCHES.validateInLocalActivity) &&
        !patches.includes(PATCHES.compactHistory) &&
        !patches.includes(PATCHES.verifyInAwait);
      const error = await Worker.runReplayHistory(
        { workflowBundle: withoutZod, replayName: `without zod ${file}` },
        history,
        workflowId,
      ).then(
        () => undefined,
        (e: unknown) => String(e),
      );
      results.push({ file, parsesInline, error });
    }
    const compact = results.filter((r) => /-(compact|verify-in-await)-/.test(r.file));
    expect(compact.length).toBeGreaterThan(0);
    expect(compact.filter((r) => r.parsesInline)).toEqual([]);
    // Every run that does not parse inline (the compact ones, the patched ones, notify, record) replays without zod.
    expect(results.filter((r) => !r.parsesInline && r.error)).toEqual([]);
    // The control: an old run needs zod, so the bundle above really has none.
    const old = results.filter((r) => r.parsesInline);
    expect(old.length).toBeGreaterThan(0);
    for (const { file, error } of old) {
      expect({ file, error }).toEqual({
        file,
        error: expect.stringContaining('zod was evaluated in the workflow sandbox'),
      });
    }
  });
});
