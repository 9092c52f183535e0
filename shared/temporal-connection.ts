/**
 * How the worker and the client reach a production Temporal service (self-hosted with TLS/mTLS, or
 * Temporal Cloud with an API key), and the worker's deployment version, both from the environment.
 *
 * | variable                   | meaning                                                                        |
 * | -------------------------- | ------------------------------------------------------------------------------ |
 * | `TEMPORAL_ADDRESS`         | host:port (default `localhost:7233`)                                           |
 * | `TEMPORAL_TLS`             | `true`/`false`; TLS with the system's roots (implied by every variable below)  |
 * | `TEMPORAL_TLS_CERT`/`_KEY` | mTLS client certificate and key: a file path or the PEM text itself            |
 * | `TEMPORAL_TLS_CA`          | CA that signed the server certificate (path or PEM); default: system roots     |
 * | `TEMPORAL_TLS_SERVER_NAME` | server name to verify (SNI) when it differs from the address' host            |
 * | `TEMPORAL_API_KEY`         | Temporal Cloud API key (sent as a bearer token; needs TLS)                     |
 * | `SWITCHOVER_DEPLOYMENT_NAME` + `SWITCHOVER_BUILD_ID` | worker deployment versioning (both or neither)    |
 * | `SWITCHOVER_DEFAULT_VERSIONING_BEHAVIOR` | `PINNED` (default) or `AUTO_UPGRADE`                             |
 */
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { VersioningBehavior, WorkerDeploymentVersion } from '@temporalio/common';

/** Accepted as is by both `NativeConnection.connect` (worker) and `Connection.connect` (client). */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** Structurally the worker's `WorkerDeploymentOptions` with versioning on. */
export interface SwitchoverDeploymentOptions {
  useWorkerVersioning: true;
  version: WorkerDeploymentVersion;
  defaultVersioningBehavior: VersioningBehavior;
}

export class TemporalConfigError extends Error {
  override name = 'TemporalConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/** Connection options for the worker's NativeConnection and the client's Connection. Reads certificate files now. */
export function temporalConnectionOptions(env: Env = process.env): TemporalConnectionOptions {
  const address = value(env, 'TEMPORAL_ADDRESS') ?? DEFAULT_TEMPORAL_ADDRESS;
  const tlsFlag = booleanValue(env, 'TEMPORAL_TLS');
  const cert = value(env, 'TEMPORAL_TLS_CERT');
  const key = value(env, 'TEMPORAL_TLS_KEY');
  const ca = value(env, 'TEMPORAL_TLS_CA');
  const serverName = value(env, 'TEMPORAL_TLS_SERVER_NAME');
  const apiKey = value(env, 'TEMPORAL_API_KEY')?.trim();

  if ((cert === undefined) !== (key === undefined)) {
    throw new TemporalConfigError(
      `${cert === undefined ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'} is missing: mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY`,
    );
  }
  const tlsImpliedBy = [
    cert !== undefined && 'TEMPORAL_TLS_CERT',
    ca !== undefined && 'TEMPORAL_TLS_CA',
    serverName !== undefined && 'TEMPORAL_TLS_SERVER_NAME',
    apiKey !== undefined && 'TEMPORAL_API_KEY',
  ].filter((name): name is string => typeof name === 'string');
  if (tlsFlag === false && tlsImpliedBy.length > 0) {
    throw new TemporalConfigError(
      `TEMPORAL_TLS=false contradicts ${tlsImpliedBy.join(', ')}: ` +
        'these need TLS (an API key must never travel in clear text); unset them or TEMPORAL_TLS',
    );
  }

  const options: TemporalConnectionOptions = { address };
  if (tlsFlag === true || tlsImpliedBy.length > 0) {
    const tls: TLSConfig = {};
    if (serverName !== undefined) tls.serverNameOverride = serverName;
    if (ca !== undefined) tls.serverRootCACertificate = pem(ca, 'TEMPORAL_TLS_CA');
    if (cert !== undefined && key !== undefined) {
      tls.clientCertPair = { crt: pem(cert, 'TEMPORAL_TLS_CERT'), key: pem(key, 'TEMPORAL_TLS_KEY') };
    }
    options.tls = Object.keys(tls).length > 0 ? tls : true;
  }
  if (apiKey !== undefined) options.apiKey = apiKey;
  return options;
}

/** For logs: address and security mode, never the API key or key material. */
export function describeTemporalConnection(options: TemporalConnectionOptions): string {
  const parts = [options.address];
  if (!options.tls) parts.push('plaintext');
  else if (options.tls === true) parts.push('TLS (system roots)');
  else {
    const tls = options.tls;
    parts.push(
      [
        tls.clientCertPair ? 'mTLS' : 'TLS',
        tls.serverRootCACertificate ? 'custom CA' : 'system roots',
        ...(tls.serverNameOverride ? [`server name ${tls.serverNameOverride}`] : []),
      ].join(', '),
    );
  }
  if (options.apiKey !== undefined) parts.push('API key');
  return parts.join(' ');
}

/**
 * Worker deployment versioning (`workerDeploymentOptions`), or undefined when not configured: then
 * the worker runs unversioned, as in development and tests.
 */
export function workerDeploymentOptions(env: Env = process.env): SwitchoverDeploymentOptions | undefined {
  const deploymentName = value(env, 'SWITCHOVER_DEPLOYMENT_NAME')?.trim();
  const buildId = value(env, 'SWITCHOVER_BUILD_ID')?.trim();
  const behavior = value(env, 'SWITCHOVER_DEFAULT_VERSIONING_BEHAVIOR')?.trim();
  if (deploymentName === undefined && buildId === undefined) {
    if (behavior !== undefined) {
      throw new TemporalConfigError(
        'SWITCHOVER_DEFAULT_VERSIONING_BEHAVIOR needs SWITCHOVER_DEPLOYMENT_NAME and SWITCHOVER_BUILD_ID',
      );
    }
    return undefined;
  }
  if (deploymentName === undefined || buildId === undefined) {
    throw new TemporalConfigError(
      `${deploymentName === undefined ? 'SWITCHOVER_DEPLOYMENT_NAME' : 'SWITCHOVER_BUILD_ID'} is missing: ` +
        'worker versioning needs both SWITCHOVER_DEPLOYMENT_NAME and SWITCHOVER_BUILD_ID',
    );
  }
  // The server joins them as `deploymentName.buildId`: a dot in the name would make that ambiguous.
  if (deploymentName.includes('.')) {
    throw new TemporalConfigError('SWITCHOVER_DEPLOYMENT_NAME must not contain a dot');
  }
  if (behavior !== undefined && behavior !== 'PINNED' && behavior !== 'AUTO_UPGRADE') {
    throw new TemporalConfigError('SWITCHOVER_DEFAULT_VERSIONING_BEHAVIOR must be PINNED or AUTO_UPGRADE');
  }
  return {
    useWorkerVersioning: true,
    version: { deploymentName, buildId },
    defaultVersioningBehavior: behavior ?? 'PINNED',
  };
}

/** PEM text given inline, or read from the file the variable names. */
function pem(valueOrPath: string, name: string): Buffer {
  if (valueOrPath.trimStart().startsWith('-----BEGIN')) return Buffer.from(valueOrPath);
  try {
    return readFileSync(valueOrPath);
  } catch (error) {
    throw new TemporalConfigError(
      `${name} names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'read error'}): ${valueOrPath}`,
    );
  }
}

function booleanValue(env: Env, name: string): boolean | undefined {
  const v = value(env, name)?.trim().toLowerCase();
  if (v === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new TemporalConfigError(`${name} must be true or false`);
}

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}
