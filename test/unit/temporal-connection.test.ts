import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions, WorkerOptions } from '@temporalio/worker';
import {
  describeTemporalConnection,
  temporalConnectionOptions,
  workerDeploymentOptions,
  type SwitchoverDeploymentOptions,
  type TemporalConnectionOptions,
} from '../../shared/temporal-connection';

// Compile-time: one options object fits both the worker's and the client's connect().
const forWorker = (o: TemporalConnectionOptions): NativeConnectionOptions => o;
const forClient = (o: TemporalConnectionOptions): ConnectionOptions => o;
const forDeployment = (o: SwitchoverDeploymentOptions): WorkerOptions['workerDeploymentOptions'] => o;

const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const certFile = path.join(dir, 'client.pem');
const keyFile = path.join(dir, 'client.key');
const caFile = path.join(dir, 'ca.pem');
writeFileSync(certFile, CERT);
writeFileSync(keyFile, KEY);
writeFileSync(caFile, CERT);

describe('temporalConnectionOptions', () => {
  it('plaintext localhost by default', () => {
    const options = temporalConnectionOptions({});
    expect(options).toEqual({ address: 'localhost:7233' });
    expect(forWorker(options)).toBe(options);
    expect(forClient(options)).toBe(options);
    expect(describeTemporalConnection(options)).toBe('localhost:7233 plaintext');
  });

  it('TEMPORAL_TLS=true: TLS with the system roots', () => {
    expect(
      temporalConnectionOptions({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'true' }),
    ).toEqual({
      address: 'temporal.internal:7233',
      tls: true,
    });
    expect(temporalConnectionOptions({ TEMPORAL_TLS: 'false' })).toEqual({ address: 'localhost:7233' });
    expect(() => temporalConnectionOptions({ TEMPORAL_TLS: 'maybe' })).toThrow(
      /TEMPORAL_TLS must be true or false/,
    );
  });

  it('mTLS from files, custom CA and server name (TLS implied)', () => {
    const options = temporalConnectionOptions({
      TEMPORAL_TLS_CERT: certFile,
      TEMPORAL_TLS_KEY: keyFile,
      TEMPORAL_TLS_CA: caFile,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example',
    });
    expect(options.tls).toEqual({
      serverNameOverride: 'temporal.example',
      serverRootCACertificate: Buffer.from(CERT),
      clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) },
    });
    expect(describeTemporalConnection(options)).toBe(
      'localhost:7233 mTLS, custom CA, server name temporal.example',
    );
  });

  it('PEM given inline in the variable', () => {
    const options = temporalConnectionOptions({ TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: KEY });
    expect(options.tls).toEqual({ clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } });
  });

  it('refuses half an mTLS pair, an unreadable file and TLS=false with TLS settings', () => {
    expect(() => temporalConnectionOptions({ TEMPORAL_TLS_CERT: certFile })).toThrow(
      /TEMPORAL_TLS_KEY is missing/,
    );
    expect(() => temporalConnectionOptions({ TEMPORAL_TLS_CA: path.join(dir, 'nope.pem') })).toThrow(
      /TEMPORAL_TLS_CA names a file that cannot be read \(ENOENT\)/,
    );
    expect(() => temporalConnectionOptions({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toThrow(
      /TEMPORAL_TLS=false contradicts TEMPORAL_API_KEY/,
    );
  });

  it('Temporal Cloud API key implies TLS and is never described', () => {
    const options = temporalConnectionOptions({
      TEMPORAL_ADDRESS: 'eu-central-1.aws.api.temporal.io:7233',
      TEMPORAL_API_KEY: ' key-123\n',
    });
    expect(options).toEqual({
      address: 'eu-central-1.aws.api.temporal.io:7233',
      tls: true,
      apiKey: 'key-123',
    });
    expect(describeTemporalConnection(options)).toBe(
      'eu-central-1.aws.api.temporal.io:7233 TLS (system roots) API key',
    );
  });
});

describe('workerDeploymentOptions', () => {
  it('absent unless configured', () => {
    expect(workerDeploymentOptions({})).toBeUndefined();
  });

  it('deployment name + build id → versioned worker, PINNED by default', () => {
    const options = workerDeploymentOptions({
      SWITCHOVER_DEPLOYMENT_NAME: 'switchover',
      SWITCHOVER_BUILD_ID: 'git-abc123',
    });
    expect(options).toEqual({
      useWorkerVersioning: true,
      version: { deploymentName: 'switchover', buildId: 'git-abc123' },
      defaultVersioningBehavior: 'PINNED',
    });
    expect(forDeployment(options!)).toBe(options);
    expect(
      workerDeploymentOptions({
        SWITCHOVER_DEPLOYMENT_NAME: 'switchover',
        SWITCHOVER_BUILD_ID: 'b',
        SWITCHOVER_DEFAULT_VERSIONING_BEHAVIOR: 'AUTO_UPGRADE',
      })?.defaultVersioningBehavior,
    ).toBe('AUTO_UPGRADE');
  });

  it('refuses half a version, a dotted name and an unknown behavior', () => {
    expect(() => workerDeploymentOptions({ SWITCHOVER_BUILD_ID: 'b' })).toThrow(
      /SWITCHOVER_DEPLOYMENT_NAME is missing/,
    );
    expect(() => workerDeploymentOptions({ SWITCHOVER_DEPLOYMENT_NAME: 'd' })).toThrow(
      /SWITCHOVER_BUILD_ID is missing/,
    );
    expect(() =>
      workerDeploymentOptions({ SWITCHOVER_DEPLOYMENT_NAME: 'a.b', SWITCHOVER_BUILD_ID: 'b' }),
    ).toThrow(/dot/);
    expect(() =>
      workerDeploymentOptions({
        SWITCHOVER_DEPLOYMENT_NAME: 'd',
        SWITCHOVER_BUILD_ID: 'b',
        SWITCHOVER_DEFAULT_VERSIONING_BEHAVIOR: 'pinned',
      }),
    ).toThrow(/PINNED or AUTO_UPGRADE/);
    expect(() => workerDeploymentOptions({ SWITCHOVER_DEFAULT_VERSIONING_BEHAVIOR: 'PINNED' })).toThrow(
      /needs SWITCHOVER_DEPLOYMENT_NAME/,
    );
  });
});
