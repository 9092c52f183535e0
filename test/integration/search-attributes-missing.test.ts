/**
 * A namespace without the project's search attributes: a start names the missing attributes and the command
 * that registers them (instead of Temporal's bare "Failed to start Workflow"), the worker's start-up check
 * refuses the same way, and after running that command both pass. Real dev server (a fresh namespace on it).
 */
import { execFileSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { SearchAttributesMissingError, startSwitchover } from '../../client';
import { findTemporalCli } from '../../scripts/temporal-cli';
import { checkSearchAttributes } from '../../shared/search-attributes-check';
import { uniqueId } from '../helpers/switchover-env';

const address = process.env.TEMPORAL_ADDRESS!;
const namespace = uniqueId('nosa').replace(/[^A-Za-z0-9-]/g, '-');
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address });
  execFileSync(findTemporalCli(), [
    'operator',
    'namespace',
    'create',
    '--namespace',
    namespace,
    '--address',
    address,
  ]);
});
afterAll(async () => {
  await connection?.close();
});

/** A new namespace takes a moment to be known everywhere: retry what fails with "not found". */
async function eventually<T>(action: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await action();
    } catch (error) {
      if (i > 100 || !/not found|NotFound/i.test(String((error as Error).message))) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

test('a start and the worker name the missing search attributes and the command that registers them', async () => {
  const client = new Client({ connection, namespace });
  const input = { projectId: 'p1', instanceId: uniqueId('redis') };
  const error = await eventually(() =>
    startSwitchover(client, 'dcs', input, { taskQueue: uniqueId('q') }),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SearchAttributesMissingError);
  const message = (error as Error).message;
  expect(message).toContain(
    `the Temporal namespace '${namespace}' lacks the search attributes SwitchoverKind,`,
  );
  const command = message.split('\n')[1]!.trim();
  expect(command).toBe(
    `temporal operator search-attribute create --namespace ${namespace} --name SwitchoverKind --type Keyword ` +
      '--name SwitchoverProject --type Keyword --name SwitchoverResource --type Keyword --name SwitchoverOutcome --type Keyword ' +
      '--name SwitchoverTriggered --type Keyword',
  );

  const native = await NativeConnection.connect({ address });
  try {
    await expect(checkSearchAttributes(native.operatorService, namespace)).rejects.toThrow(
      SearchAttributesMissingError,
    );
    // The printed command, as printed, fixes it.
    execFileSync(findTemporalCli(), [...command.split(' ').slice(1), '--address', address]);
    await expect(checkSearchAttributes(native.operatorService, namespace)).resolves.toEqual({
      checked: true,
    });
  } finally {
    await native.close();
  }
  const handle = await startSwitchover(client, 'dcs', input, { taskQueue: uniqueId('q') });
  await handle.terminate('test: no worker polls this queue');
});
