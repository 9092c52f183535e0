/**
 * Issue 12, cloud fidelity: the client (activities/http, activities/{dcs,dws,drs}) against the simulator over real
 * HTTP, each item with the behaviour the API references document. Activities run in a MockActivityEnvironment
 * (their Context: logger, heartbeats, sleep); nothing is mocked on the wire. Where the simulator cannot express
 * a case (answer shapes it never sends), the parser is tested directly.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DefaultLogger } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import type { AuditStore } from '../../activities/audit';
import {
  DCS_ERROR_CODES,
  dcsApi,
  instanceSchema,
  jobSchema,
  normalizeDcsErrorCode,
} from '../../activities/dcs/api';
import { DRS_ERROR_CODES, drsApi } from '../../activities/drs/api';
import { drDetailsSchema, parseCloudTime } from '../../activities/dws/api';
import { iamPasswordAuth, staticTokenAuth, type CloudAuth } from '../../activities/http/auth';
import { CloudClient } from '../../activities/http/cloud-client';
import { cloudErrorOf } from '../../activities/http/failures';
import { canonicalRequest } from '../../activities/http/signer';
import { CloudFailure } from '../../domain/failures';
import { dcsSwitchoverInputSchema, dwsSwitchoverInputSchema } from '../../domain/inputs';
import type { PreflightReport } from '../../domain/reports';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { call } from '../../simulator/testing';

const P = '0605767a3300d5762fb7c0186d7ff0a5';
const run = promisify(execFile);

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ quiet: true });
});
afterEach(async () => {
  await sim.close();
});

/** The worker's own wiring (activities/index.ts), pointed at the simulator. */
function activities(auth: CloudAuth = staticTokenAuth('sim-token')) {
  return createActivities({
    endpoints: { dcs: sim.url, dws: sim.url, drs: sim.url },
    auth,
    requestTimeoutMs: 5000,
    audit: {} as AuditStore,
    verifySettleMs: 3000,
  });
}

/** A client configured like the worker's DCS client, for calls below the activities. */
function dcs(auth: CloudAuth = staticTokenAuth('sim-token')) {
  return dcsApi(
    new CloudClient({
      service: 'dcs',
      endpoint: sim.url,
      auth,
      errorCodes: DCS_ERROR_CODES,
      normalizeErrorCode: normalizeDcsErrorCode,
      timeoutMs: 5000,
    }),
  );
}

function drs(auth: CloudAuth = staticTokenAuth('sim-token')) {
  return drsApi(
    new CloudClient({
      service: 'drs',
      endpoint: sim.url,
      auth,
      errorCodes: DRS_ERROR_CODES,
      timeoutMs: 5000,
    }),
  );
}

function inActivity<R>(fn: () => Promise<R>): Promise<R> {
  return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(fn);
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const dcsParams = (instanceId: string) =>
  dcsSwitchoverInputSchema.parse({
    projectId: P,
    instanceId,
    pollIntervalSeconds: 0.1,
    maxPollIntervalSeconds: 0.2,
  });

describe('1. DCS task list: start_time, not begin_time', () => {
  it('sends start_time (which the simulator, like the cloud, filters by) and end_time', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'inst-1' });
    await call(sim.url, 'POST', `/v2/${P}/instances/inst-1/swap`);
    const api = dcs();
    expect(await api.listTasks(P, 'inst-1', Date.now() - 60_000, Date.now() + 60_000)).toHaveLength(1);
    // a window that starts after the swap: an unfiltered list (begin_time ignored) would still show it
    expect(await api.listTasks(P, 'inst-1', Date.now() + 60_000, Date.now() + 120_000)).toEqual([]);
    const queries = sim.control.requests({ path: '/tasks$' }).map((r) => Object.keys(r.query).sort());
    expect(queries).toEqual([
      ['end_time', 'start_time'],
      ['end_time', 'start_time'],
    ]);
  });
});

describe('2. DCS numeric error codes', () => {
  it('maps the numeric spelling to the DCS.xxxx one (OTC appendix pairs)', () => {
    expect(normalizeDcsErrorCode('111400017')).toBe('DCS.4017');
    expect(normalizeDcsErrorCode('111400086')).toBe('DCS.4086');
    expect(normalizeDcsErrorCode('111400063')).toBe('DCS.4063');
    expect(normalizeDcsErrorCode('111400842')).toBe('DCS.4842');
    expect(normalizeDcsErrorCode('111401001')).toBe('DCS.1001');
    expect(normalizeDcsErrorCode('111403002')).toBe('DCS.3002');
    expect(normalizeDcsErrorCode('111404022')).toBe('DCS.3022');
    expect(normalizeDcsErrorCode('111404001')).toBe('DCS.4001');
    expect(normalizeDcsErrorCode('111500000')).toBe('111500000');
    expect(normalizeDcsErrorCode('DCS.4017')).toBe('DCS.4017');
  });

  it('a busy answer in the numeric spelling (111400017) is busy (retryable) with code DCS.4017, not permanent', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'num-1',
      task: 'BACKUPING',
      errorCodeSpelling: 'numeric',
    });
    const error = await failure(dcs().swap(P, 'num-1', { deadlineMs: 10_000 }));
    expect(error.type).toBe(CloudFailure.Busy);
    expect(error.nonRetryable).toBe(false);
    expect(cloudErrorOf(error)).toMatchObject({ code: 'DCS.4017', httpStatus: 400 });
    expect(cloudErrorOf(error)?.message).toContain('111400017');
    // nothing was started by the refused call
    expect(sim.control.getDcsInstance('num-1')?.jobs).toHaveLength(0);
  });

  it('an unknown instance in the numeric spelling (111404022) is NotFound with code DCS.3022', async () => {
    sim.control.addFault({
      match: { service: 'dcs', path: '/instances/gone-1$' },
      fault: {
        type: 'status',
        status: 404,
        body: {
          error_code: '111404022',
          error_msg: 'This DCS instance does not exist.',
          error_ext_msg: null,
        },
      },
    });
    const error = await failure(dcs().getInstance(P, 'gone-1'));
    expect(error.type).toBe(CloudFailure.NotFound);
    expect(cloudErrorOf(error)?.code).toBe('DCS.3022');
  });
});

describe('3. DRS batch-status reason: error_message', () => {
  it("keeps the cloud's reason for an unknown task", async () => {
    const status = await drs().taskStatus(P, 'no-such-task');
    expect(status).toEqual({
      status: '',
      errorCode: 'DRS.M05003',
      errorMsg: 'The task does not exist.',
    });
  });
});

describe('4. DRS error codes', () => {
  it('DRS.M01503 "Operation too frequent" with 400 is a throttle (retryable), not a refusal', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1' });
    sim.control.addFault({
      match: { service: 'drs', path: 'batch-status' },
      fault: {
        type: 'status',
        status: 400,
        body: { error_code: 'DRS.M01503', error_msg: 'Operation too frequent.' },
      },
    });
    const error = await failure(drs().taskStatus(P, 'job-1'));
    expect(error.type).toBe(CloudFailure.Throttled);
    expect(error.nonRetryable).toBe(false);
    // the next call goes through
    expect((await drs().taskStatus(P, 'job-1')).status).toBe('INCRE_TRANSFER_STARTED');
  });

  it('DRS.M01504 with 202 (another operation is being performed) is busy, and nothing new is started', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1', behaviour: { result: 'STUCK' } });
    await drs().switchVip(P, 'job-1', 'target', { deadlineMs: 10_000 });
    const error = await failure(drs().switchVip(P, 'job-1', 'target', { deadlineMs: 10_000 }));
    expect(error.type).toBe(CloudFailure.Busy);
    expect(cloudErrorOf(error)).toMatchObject({ code: 'DRS.M01504', httpStatus: 202 });
    expect(sim.control.getDrsJob('job-1')?.switchStatus).toBe('SWITCH_VIP_START');
  });

  it('DRS.M00100 (invalid token) with 403 refreshes the token once, like a 401', async () => {
    sim.control.createDrsJob({ projectId: P, jobId: 'job-1' });
    const auth = iamPasswordAuth({
      iamEndpoint: sim.url,
      userName: 'demo',
      password: 'demo-password',
      domainName: 'demo',
      projectId: P,
    });
    expect((await drs(auth).taskStatus(P, 'job-1')).status).toBe('INCRE_TRANSFER_STARTED');
    sim.control.addFault({
      match: { service: 'drs', path: 'batch-status' },
      fault: {
        type: 'status',
        status: 403,
        body: { error_code: 'DRS.M00100', error_msg: 'Invalid token.' },
      },
    });
    expect((await drs(auth).taskStatus(P, 'job-1')).status).toBe('INCRE_TRANSFER_STARTED');
    expect(sim.control.requests({ service: 'iam' })).toHaveLength(2);
  });

  it('DRS.M00004 is "service abnormal" (500): retryable', async () => {
    sim.control.addFault({
      match: { service: 'drs', path: 'batch-status' },
      fault: {
        type: 'status',
        status: 500,
        body: { error_code: 'DRS.M00004', error_msg: 'Service abnormal.' },
      },
    });
    const error = await failure(drs().taskStatus(P, 'job-1'));
    expect(error.type).toBe(CloudFailure.Server);
  });
});

describe('5. a 404 from /jobs does not end the DCS wait', () => {
  it('drops a task-list id unknown to /jobs and judges by instance state and /groups', async () => {
    sim.control.createDcsInstance({
      projectId: P,
      instanceId: 'hide-1',
      jobsApiKnowsTaskIds: false,
      swapBehaviour: { initMs: 100, runMs: 300 },
    });
    const a = activities();
    const params = dcsParams('hide-1');
    const preflight = await inActivity(() => a.dcsPreflight(params));
    expect(preflight.ok).toBe(true);
    const triggeredAt = Date.now();
    await call(sim.url, 'POST', `/v2/${P}/instances/hide-1/swap`);
    const taskId = sim.control.getDcsInstance('hide-1')!.jobs[0]!.jobId;
    const awaited = await inActivity(() =>
      a.dcsAwaitSwap({
        params,
        preflight,
        receipt: { jobId: taskId, adopted: false, triggeredAt, summary: '', facts: {} },
        deadlineAt: Date.now() + 15_000,
      }),
    );
    expect(awaited.state).toBe('succeeded');
    expect(awaited.facts).toMatchObject({
      jobIdNotFound: taskId,
      masterAfter: sim.control.getDcsInstance('hide-1')!.masterNodeId,
    });
    expect(awaited.facts.masterAfter).not.toBe(preflight.facts.masterBefore);
    // /jobs was asked about the id once, then no more
    expect(sim.control.requests({ path: `/jobs/${taskId}$` })).toHaveLength(1);
  });
});

describe('6. DWS times and roles', () => {
  /** The preflight and the parser in a child process whose time zone is Asia/Tokyo (UTC+9). */
  async function inTokyo(drId: string) {
    const { stdout } = await run(
      path.join(__dirname, '../../node_modules/.bin/tsx'),
      [path.join(__dirname, '../helpers/tz-probe.ts'), sim.url, P, drId],
      { env: { ...process.env, TZ: 'Asia/Tokyo' }, timeout: 60_000 },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as {
      offsetMinutes: number;
      parsed: number;
      dateParse: number;
      preflight: PreflightReport;
    };
  }

  it('reads a zone-less last_success_time as UTC: the failover data-loss gate is right on a UTC+9 host', async () => {
    sim.control.createDwsDisasterRecovery({
      projectId: P,
      drId: 'dr-1',
      lastSuccessAgeSeconds: 20,
      timeFormat: 'zoneless',
    });
    const detail = await call<{ disaster_recovery: { standby_cluster: { last_success_time: string } } }>(
      sim.url,
      'GET',
      `/v2/${P}/disaster-recovery/dr-1`,
    );
    expect(detail.body.disaster_recovery.standby_cluster.last_success_time).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
    );
    const probe = await inTokyo('dr-1');
    expect(probe.offsetMinutes).toBe(-540); // the child really ran in UTC+9
    expect(probe.dateParse).toBe(Date.UTC(2023, 2, 27, 11, 16, 34)); // what Date.parse alone would make of it
    expect(probe.parsed).toBe(Date.UTC(2023, 2, 27, 20, 16, 34));
    expect(probe.preflight.ok).toBe(true);
    const window = probe.preflight.facts.dataLossWindowSecondsAtPreflight as number;
    expect(window).toBeGreaterThanOrEqual(19);
    expect(window).toBeLessThan(60);
  });

  it('keeps explicit zones and offsets', () => {
    expect(parseCloudTime('2023-03-27T20:16:34')).toBe(Date.UTC(2023, 2, 27, 20, 16, 34));
    expect(parseCloudTime('2023-03-27T20:16:34Z')).toBe(Date.UTC(2023, 2, 27, 20, 16, 34));
    expect(parseCloudTime('2023-03-27T20:16:34+08:00')).toBe(Date.UTC(2023, 2, 27, 12, 16, 34));
    expect(parseCloudTime(null)).toBeNaN();
  });

  it('detects the swap by the primary cluster id when the role values do not move', async () => {
    sim.control.createDwsDisasterRecovery({
      projectId: P,
      drId: 'dr-2',
      clusterRoles: 'static',
      behaviour: { switchMs: 300 },
    });
    const a = activities();
    const params = dwsSwitchoverInputSchema.parse({
      projectId: P,
      disasterRecoveryId: 'dr-2',
      mode: 'switchover',
      pollIntervalSeconds: 0.1,
      maxPollIntervalSeconds: 0.2,
    });
    const preflight = await inActivity(() => a.dwsPreflight(params));
    expect(preflight.ok).toBe(true);
    const formerStandby = sim.control.getDwsDisasterRecovery('dr-2')!.standbyCluster.id;
    expect((await call(sim.url, 'POST', `/v2/${P}/disaster-recovery/dr-2/switchover`)).status).toBe(200);
    const receipt = { jobId: 'dr-2', adopted: false, triggeredAt: Date.now(), summary: '', facts: {} };
    const awaited = await inActivity(() =>
      a.dwsAwaitSwitch({ params, preflight, receipt, deadlineAt: Date.now() + 10_000 }),
    );
    expect(awaited.state).toBe('succeeded');
    const verified = await inActivity(() => a.dwsVerify({ params, preflight, receipt, awaited }));
    expect(verified.ok).toBe(true);
    expect(verified.facts.primaryAfter).toBe(formerStandby);
    // the roles really did not move: the swap was seen by the cluster in the primary_cluster field
    const after = await call<{ disaster_recovery: { primary_cluster: { id: string; role: string } } }>(
      sim.url,
      'GET',
      `/v2/${P}/disaster-recovery/dr-2`,
    );
    expect(after.body.disaster_recovery.primary_cluster).toMatchObject({
      id: formerStandby,
      role: 'standby',
    });
  });

  it('logs undocumented role values and keeps them in the preflight facts', async () => {
    sim.control.createDwsDisasterRecovery({ projectId: P, drId: 'dr-3' });
    sim.control.addFault({
      match: { service: 'dws', path: '/disaster-recovery/dr-3$' },
      fault: { type: 'unknown-enum', field: 'disaster_recovery.primary_cluster.role', value: 'MASTER' },
    });
    const params = dwsSwitchoverInputSchema.parse({
      projectId: P,
      disasterRecoveryId: 'dr-3',
      mode: 'switchover',
    });
    const preflight = await inActivity(() => activities().dwsPreflight(params));
    expect(preflight.facts.unknownClusterRoles).toBe('MASTER');
  });
});

describe('8. read/write-splitting DCS instances', () => {
  it('preflight accepts ha_rw_split (the cloud still decides with DCS.4855/DCS.4086)', async () => {
    sim.control.createDcsInstance({ projectId: P, instanceId: 'rw-1', cacheMode: 'ha_rw_split' });
    sim.control.createDcsInstance({ projectId: P, instanceId: 'cl-1', cacheMode: 'cluster' });
    const a = activities();
    const rw = await inActivity(() => a.dcsPreflight(dcsParams('rw-1')));
    expect(rw).toMatchObject({ ok: true, facts: { cacheMode: 'ha_rw_split' } });
    expect(rw.facts.masterBefore).toEqual(expect.any(String));
    const cluster = await inActivity(() => a.dcsPreflight(dcsParams('cl-1')));
    expect(cluster.ok).toBe(false);
    expect(cluster.refusal).toMatch(/'cluster'.*'ha'.*'ha_rw_split'/);
  });
});

describe('9. schemas validate what is used and tolerate the rest', () => {
  it('DCS task as an object (AnyType in the OTC schema), odd types in unused fields', () => {
    const base = { instance_id: 'i', cache_mode: 'ha', status: 'RUNNING' };
    expect(instanceSchema.parse({ ...base, task: { name: 'BACKUPING', status: 'RUNNING' } }).task).toBe(
      'BACKUPING',
    );
    expect(instanceSchema.parse({ ...base, task: {} }).task).toBeNull();
    expect(instanceSchema.parse({ ...base, task: '' }).task).toBeNull();
    expect(instanceSchema.parse({ ...base, name: 42, engine_version: 5 })).toMatchObject({
      name: undefined,
      task: null,
    });
    expect(instanceSchema.safeParse({ ...base, status: 7 }).success).toBe(false);
  });

  it('DCS job times as numbers (or absent) do not fail the poll; the status still must be a string', () => {
    const job = jobSchema.parse({
      job_id: 'j',
      status: 'SUCCESS',
      begin_time: 1700000000000,
      end_time: null,
    });
    expect(job).toMatchObject({ job_id: 'j', status: 'SUCCESS', fail_reason: null });
    expect(jobSchema.parse({ job_id: 'j', status: 'FAIL', fail_reason: 'x' }).fail_reason).toBe('x');
    expect(jobSchema.safeParse({ job_id: 'j' }).success).toBe(false);
  });

  it('DWS details with odd types in fields the switch does not decide on', () => {
    const cluster = { id: 'c', role: 'primary', progress: { percent: 100 }, name: 1 };
    const parsed = drDetailsSchema.parse({
      disaster_recovery: {
        id: 'd',
        status: 'running',
        dr_type: 1,
        dr_sync_period: 30,
        primary_cluster: cluster,
        standby_cluster: { ...cluster, id: 'e', role: 'standby' },
      },
    });
    expect(parsed.disaster_recovery.primary_cluster).toMatchObject({ id: 'c', name: null, role: 'primary' });
  });
});

describe('11. signer and IAM', () => {
  it('lower-cases query keys in the canonical query, as the Go SDK signer does', () => {
    const canonical = canonicalRequest({
      method: 'GET',
      url: 'https://dcs.example.com/v2/p/instances?Limit=2&marker=x',
      headers: { 'X-Sdk-Date': '20240101T000000Z' },
    });
    expect(canonical.split('\n')[2]).toBe('limit=2&marker=x');
  });

  it('asks IAM for a token without the service catalog (nocatalog=true)', async () => {
    const auth = iamPasswordAuth({
      iamEndpoint: sim.url,
      userName: 'demo',
      password: 'demo-password',
      domainName: 'demo',
      projectId: P,
    });
    sim.control.createDcsInstance({ projectId: P, instanceId: 'inst-1' });
    await dcs(auth).getInstance(P, 'inst-1');
    const tokenRequests = sim.control.requests({ service: 'iam' });
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]!.query).toEqual({ nocatalog: 'true' });
    // the simulator, like IAM, sends the catalog only when not asked to leave it out
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'demo', password: 'demo-password', domain: { name: 'demo' } } },
        },
        scope: { project: { id: P } },
      },
    };
    const full = await call<{ token: Record<string, unknown> }>(sim.url, 'POST', '/v3/auth/tokens', { body });
    const lean = await call<{ token: Record<string, unknown> }>(
      sim.url,
      'POST',
      '/v3/auth/tokens?nocatalog=true',
      {
        body,
      },
    );
    expect(Array.isArray(full.body.token.catalog)).toBe(true);
    expect(lean.body.token).not.toHaveProperty('catalog');
  });
});
