/**
 * Access to the test run's shared Temporal dev server and workflow bundle (started/built once by
 * test/global-setup.ts, handed over through TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, SWITCHOVER_TEST_WORKFLOW_BUNDLE).
 */
import fs from 'fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export interface TestConnection {
  client: Client;
  /** For Worker.create({ connection }). */
  nativeConnection: NativeConnection;
  namespace: string;
  close(): Promise<void>;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run tests through jest with test/global-setup.ts (npm test)`);
  }
  return value;
}

/** Where a test's client and worker connect; default: the run's dev server. */
export interface TemporalTarget {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
}

/**
 * A client and a worker connection to the run's dev server, or to `target` (a server the test file started
 * itself). Call close() in afterAll.
 */
export async function testConnection(target?: TemporalTarget): Promise<TestConnection> {
  const address = target?.address ?? requireEnv('TEMPORAL_ADDRESS');
  const namespace = target?.namespace ?? (process.env.TEMPORAL_NAMESPACE || 'default');
  const connection = await Connection.connect({ address });
  let nativeConnection: NativeConnection;
  try {
    nativeConnection = await NativeConnection.connect({ address });
  } catch (err) {
    await connection.close();
    throw err;
  }
  return {
    client: new Client({ connection, namespace }),
    nativeConnection,
    namespace,
    async close() {
      await Promise.allSettled([nativeConnection.close(), connection.close()]);
    },
  };
}

let cachedBundle: { code: string } | undefined;

/** The workflow bundle built once per run, for Worker.create({ workflowBundle: workflowBundle() }). */
export function workflowBundle(): { code: string } {
  if (!cachedBundle) {
    const file = process.env.SWITCHOVER_TEST_WORKFLOW_BUNDLE;
    if (!file) {
      throw new Error(
        'no workflow bundle: SWITCHOVER_TEST_WORKFLOW_BUNDLE is unset (global setup found no workflows/index.ts, ' +
          'or tests are not run through jest with test/global-setup.ts)',
      );
    }
    cachedBundle = { code: fs.readFileSync(file, 'utf8') };
  }
  return cachedBundle;
}
