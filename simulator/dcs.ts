import type { SwitchInterval } from './throttle';
import { z } from 'zod';
import { dcsError } from './errors';
import { describeIssues } from './faults';
import { derivedHex, derivedIp, hexId, parseCompactUtc, stripUndefined } from './ids';
import type { Clock, HandlerContext, Route, SimRequest, SimResponse } from './types';
import { SimulatorInputError } from './types';

/**
 * DCS (Redis) master/standby switchover.
 *
 * State is advanced lazily from the clock: every read or write first calls `settle()`, which finishes the jobs
 * whose time is up (flipping replica roles on SUCCESS). So answers are correct under real time without timers.
 */

export const DCS_CACHE_MODES = ['single', 'ha', 'cluster', 'proxy', 'ha_rw_split'] as const;
export const DCS_JOB_TYPE = 'masterStandbySwapJob';

/**
 * Codes and their sources (simulator/README.md lists them): the OTC DCS error-code appendix gives the numeric
 * spellings and messages (`111401001` invalid token, `111401004` project mismatch, `111404001` URL does not exist,
 * `111404022` instance does not exist, `111400017` a background task is running, `111400800` invalid parameter);
 * cloud-apis.md gives the `DCS.` spellings (`DCS.4855`, `DCS.4049`). Which code answers an unknown job id is
 * unverified (`DCS.4001`, "The requested URL does not exist.", is the simulator's choice).
 */
export const DCS_CODES = {
  tokenInvalid: 'DCS.1001',
  projectMismatch: 'DCS.1004',
  instanceNotFound: 'DCS.3022',
  jobNotFound: 'DCS.4001',
  swapNotSupported: 'DCS.4855',
  notRunning: 'DCS.4049',
  jobRunning: 'DCS.4017',
  invalidParameter: 'DCS.4800',
} as const;

/** Cache modes whose master/standby swap the DCS user guide documents (master/standby, read/write splitting). */
export const DCS_SWAP_CACHE_MODES: readonly string[] = ['ha', 'ha_rw_split'];

/**
 * The numeric spelling of a `DCS.xxxx` code, as the OTC appendix lists them: `DCS.4NNN` = `111400NNN`, `DCS.1NNN` =
 * `111401NNN`, `DCS.3NNN` = `111403NNN`, except the 404s `DCS.4001` = `111404001` and `DCS.3022` = `111404022`.
 * Written apart from the client's normalizer on purpose.
 */
export function numericDcsCode(code: string): string {
  const exceptions: Record<string, string> = { 'DCS.4001': '111404001', 'DCS.3022': '111404022' };
  if (exceptions[code]) return exceptions[code];
  const m = /^DCS\.([134])(\d{3})$/.exec(code);
  if (!m) return code;
  const middle = { '1': '401', '3': '403', '4': '400' }[m[1] as '1' | '3' | '4'];
  return `111${middle}${m[2]}`;
}

const swapBehaviourSchema = z
  .object({
    /** Time the job spends in INIT (default 200). */
    initMs: z.number().int().min(0).max(86_400_000).optional(),
    /** Time the job spends in RUNNING before its result (default 800). */
    runMs: z.number().int().min(0).max(86_400_000).optional(),
    /** SUCCESS flips the roles; FAIL keeps them and sets fail_reason; STUCK stays RUNNING until finished by control. */
    result: z.enum(['SUCCESS', 'FAIL', 'STUCK']).optional(),
    failReason: z.string().optional(),
    /** Instance `status` shown while the swap job is unfinished; default: the instance keeps its status. */
    statusDuringSwap: z.string().min(1).optional(),
  })
  .strict();

export interface SwapBehaviour {
  initMs: number;
  runMs: number;
  result: 'SUCCESS' | 'FAIL' | 'STUCK';
  failReason?: string;
  statusDuringSwap?: string;
}

const instanceFields = {
  name: z.string().min(1).max(128).optional(),
  cacheMode: z.enum(DCS_CACHE_MODES).optional(),
  /** Stored status, e.g. RUNNING, RESTARTING, ERROR, FROZEN. */
  status: z.string().min(1).optional(),
  /** A running task that is not a swap job (e.g. BACKUPING): the instance is busy (DCS.4017); null = none. */
  task: z.string().min(1).nullable().optional(),
  engineVersion: z.string().min(1).optional(),
  swapBehaviour: swapBehaviourSchema.optional(),
  /** false: `PUT .../async-swap` answers 404 as on Open Telekom Cloud. */
  asyncSwapSupported: z.boolean().optional(),
  /** `numeric`: this instance's errors carry the numeric spelling (`111400017` for `DCS.4017`). Default `dcs`. */
  errorCodeSpelling: z.enum(['dcs', 'numeric']).optional(),
  /**
   * false: `/jobs/{job_id}` answers 404 for the ids of jobs started by the 204 swap (task-list ids), which the
   * reference does not promise it accepts. Default true.
   */
  jobsApiKnowsTaskIds: z.boolean().optional(),
};

export const dcsInstanceCreateSchema = z
  .object({
    projectId: z.string().min(1),
    instanceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'instanceId must be a cloud ID'),
    ...instanceFields,
  })
  .strict();

export const dcsInstancePatchSchema = z
  .object({
    ...instanceFields,
    /** Ends the unfinished swap job now with this result (e.g. to release a STUCK job). */
    finishActiveJob: z.enum(['SUCCESS', 'FAIL']).optional(),
  })
  .strict();

export type DcsInstanceCreate = z.input<typeof dcsInstanceCreateSchema>;
export type DcsInstancePatch = z.input<typeof dcsInstancePatchSchema>;

export type DcsJobStatus = 'INIT' | 'RUNNING' | 'SUCCESS' | 'FAIL';

interface Replica {
  replicationId: string;
  nodeId: string;
  ip: string;
  azCode: string;
}

interface InstanceState {
  projectId: string;
  instanceId: string;
  name: string;
  cacheMode: (typeof DCS_CACHE_MODES)[number];
  status: string;
  task: string | null;
  engineVersion: string;
  swapBehaviour: SwapBehaviour;
  asyncSwapSupported: boolean;
  errorCodeSpelling: 'dcs' | 'numeric';
  jobsApiKnowsTaskIds: boolean;
  createdAt: number;
  ip: string;
  /** Groups (shards) of replicas; in each, `masterIndex` points at the master. */
  groups: Array<{ groupId: string; groupName: string; replicas: Replica[]; masterIndex: number }>;
  activeJobId: string | null;
  swapCount: number;
}

interface DcsJob {
  id: string;
  projectId: string;
  instanceId: string;
  jobType: typeof DCS_JOB_TYPE;
  createdAt: number;
  initMs: number;
  runMs: number;
  result: 'SUCCESS' | 'FAIL' | 'STUCK';
  failReason: string;
  /** Effects (role flip) applied and the instance released. */
  settled: boolean;
  /** Set when the job was ended by control (`finishActiveJob`). */
  endedAt?: number;
  via: 'swap' | 'async-swap';
}

/** Internal view of an instance for the control API. */
export interface DcsInstanceView {
  projectId: string;
  instanceId: string;
  name: string;
  cacheMode: string;
  status: string;
  effectiveStatus: string;
  task: string | null;
  effectiveTask: string | null;
  engineVersion: string;
  swapBehaviour: SwapBehaviour;
  asyncSwapSupported: boolean;
  errorCodeSpelling: 'dcs' | 'numeric';
  jobsApiKnowsTaskIds: boolean;
  /** Node ID of the master replica of the first group. */
  masterNodeId: string;
  replicas: Array<{
    groupName: string;
    nodeId: string;
    replicationId: string;
    ip: string;
    role: 'master' | 'slave';
  }>;
  activeJobId: string | null;
  swapCount: number;
  jobs: Array<{ jobId: string; status: DcsJobStatus; result: string; createdAt: string; via: string }>;
}

const DEFAULT_BEHAVIOUR: SwapBehaviour = { initMs: 200, runMs: 800, result: 'SUCCESS' };

export class DcsStore {
  private readonly instances = new Map<string, InstanceState>();
  /** Told about every switch started (the switch meter, simulator/throttle.ts). */
  onSwitchStarted?: (interval: SwitchInterval) => void;
  private readonly jobs = new Map<string, DcsJob>();

  constructor(private readonly clock: Clock) {}

  reset(): void {
    this.instances.clear();
    this.jobs.clear();
  }

  // ---- control ----

  create(input: unknown): DcsInstanceView {
    const parsed = dcsInstanceCreateSchema.safeParse(input);
    if (!parsed.success)
      throw new SimulatorInputError(`invalid DCS instance: ${describeIssues(parsed.error)}`);
    const spec = parsed.data;
    if (this.instances.has(spec.instanceId)) {
      throw new SimulatorInputError(`DCS instance ${spec.instanceId} already exists`, 409);
    }
    const cacheMode = spec.cacheMode ?? 'ha';
    const state: InstanceState = {
      projectId: spec.projectId,
      instanceId: spec.instanceId,
      name: spec.name ?? `dcs-${spec.instanceId.slice(0, 8)}`,
      cacheMode,
      status: spec.status ?? 'RUNNING',
      task: spec.task ?? null,
      engineVersion: spec.engineVersion ?? '5.0',
      swapBehaviour: { ...DEFAULT_BEHAVIOUR, ...stripUndefined(spec.swapBehaviour ?? {}) },
      asyncSwapSupported: spec.asyncSwapSupported ?? true,
      errorCodeSpelling: spec.errorCodeSpelling ?? 'dcs',
      jobsApiKnowsTaskIds: spec.jobsApiKnowsTaskIds ?? true,
      createdAt: this.clock(),
      ip: derivedIp(`dcs:${spec.instanceId}`),
      groups: buildGroups(spec.instanceId, cacheMode),
      activeJobId: null,
      swapCount: 0,
    };
    this.instances.set(spec.instanceId, state);
    return this.view(state);
  }

  patch(instanceId: string, input: unknown): DcsInstanceView {
    const state = this.instances.get(instanceId);
    if (!state) throw new SimulatorInputError(`DCS instance ${instanceId} does not exist`, 404);
    const parsed = dcsInstancePatchSchema.safeParse(input ?? {});
    if (!parsed.success)
      throw new SimulatorInputError(`invalid DCS instance patch: ${describeIssues(parsed.error)}`);
    this.settle();
    const p = parsed.data;
    if (p.name !== undefined) state.name = p.name;
    if (p.cacheMode !== undefined && p.cacheMode !== state.cacheMode) {
      state.cacheMode = p.cacheMode;
      state.groups = buildGroups(state.instanceId, p.cacheMode);
    }
    if (p.status !== undefined) state.status = p.status;
    if (p.task !== undefined) state.task = p.task;
    if (p.engineVersion !== undefined) state.engineVersion = p.engineVersion;
    if (p.asyncSwapSupported !== undefined) state.asyncSwapSupported = p.asyncSwapSupported;
    if (p.errorCodeSpelling !== undefined) state.errorCodeSpelling = p.errorCodeSpelling;
    if (p.jobsApiKnowsTaskIds !== undefined) state.jobsApiKnowsTaskIds = p.jobsApiKnowsTaskIds;
    if (p.swapBehaviour !== undefined) {
      state.swapBehaviour = { ...state.swapBehaviour, ...stripUndefined(p.swapBehaviour) };
    }
    if (p.finishActiveJob !== undefined) {
      const job = state.activeJobId ? this.jobs.get(state.activeJobId) : undefined;
      if (!job) throw new SimulatorInputError(`DCS instance ${instanceId} has no unfinished swap job`, 409);
      job.result = p.finishActiveJob;
      job.endedAt = this.clock();
      if (p.finishActiveJob === 'FAIL' && !job.failReason) job.failReason = 'Master standby swap failed.';
      this.settle();
    }
    return this.view(state);
  }

  get(instanceId: string): DcsInstanceView | undefined {
    this.settle();
    const state = this.instances.get(instanceId);
    return state ? this.view(state) : undefined;
  }

  list(): DcsInstanceView[] {
    this.settle();
    return [...this.instances.values()].map((s) => this.view(s));
  }

  // ---- state machine ----

  private jobEnd(job: DcsJob): number | undefined {
    if (job.endedAt !== undefined) return job.endedAt;
    if (job.result === 'STUCK') return undefined;
    return job.createdAt + job.initMs + job.runMs;
  }

  jobStatus(job: DcsJob, now = this.clock()): DcsJobStatus {
    const end = this.jobEnd(job);
    if (end !== undefined && now >= end) return job.result === 'FAIL' ? 'FAIL' : 'SUCCESS';
    if (job.endedAt === undefined && now < job.createdAt + job.initMs) return 'INIT';
    return 'RUNNING';
  }

  /** Applies the effects of every job whose end time has passed. */
  settle(now = this.clock()): void {
    for (const job of this.jobs.values()) {
      if (job.settled) continue;
      const status = this.jobStatus(job, now);
      if (status !== 'SUCCESS' && status !== 'FAIL') continue;
      job.settled = true;
      const instance = this.instances.get(job.instanceId);
      if (!instance) continue;
      if (status === 'SUCCESS') {
        const group = instance.groups[0];
        if (group && group.replicas.length > 1)
          group.masterIndex = (group.masterIndex + 1) % group.replicas.length;
        instance.swapCount += 1;
      }
      if (instance.activeJobId === job.id) instance.activeJobId = null;
    }
  }

  private startSwap(
    req: SimRequest,
    ctx: HandlerContext,
    via: 'swap' | 'async-swap',
  ): { job: DcsJob } | { error: SimResponse } {
    this.settle();
    const instance = this.findInstance(req);
    if (!instance) return { error: notFound(req.params.instance_id as string) };
    const error = (status: number, code: string, message: string) =>
      instanceError(instance, status, code, message);
    if (!DCS_SWAP_CACHE_MODES.includes(instance.cacheMode)) {
      return { error: error(400, DCS_CODES.swapNotSupported, 'Master standby swap is not supported.') };
    }
    if (instance.status !== 'RUNNING') {
      return {
        error: error(
          400,
          DCS_CODES.notRunning,
          `The instance status is ${instance.status}; the operation is allowed only when it is RUNNING.`,
        ),
      };
    }
    if (instance.activeJobId || instance.task) {
      return {
        error: error(400, DCS_CODES.jobRunning, 'A job is still running on the instance. Try again later.'),
      };
    }
    const b = instance.swapBehaviour;
    const job: DcsJob = {
      id: hexId(),
      projectId: instance.projectId,
      instanceId: instance.instanceId,
      jobType: DCS_JOB_TYPE,
      createdAt: this.clock(),
      initMs: b.initMs,
      runMs: b.runMs,
      result: ctx.forceJobFail ? 'FAIL' : b.result,
      failReason: ctx.forceJobFail?.reason ?? b.failReason ?? 'Master standby swap failed.',
      settled: false,
      via,
    };
    this.jobs.set(job.id, job);
    instance.activeJobId = job.id;
    this.onSwitchStarted?.({
      service: 'dcs',
      projectId: instance.projectId,
      resourceId: instance.instanceId,
      startMs: job.createdAt,
      endMs: this.jobEnd(job),
    });
    return { job };
  }

  // ---- API views ----

  private findInstance(req: SimRequest): InstanceState | undefined {
    const instance = this.instances.get(req.params.instance_id as string);
    return instance && instance.projectId === req.params.project_id ? instance : undefined;
  }

  private activeJob(instance: InstanceState): DcsJob | undefined {
    return instance.activeJobId ? this.jobs.get(instance.activeJobId) : undefined;
  }

  private apiInstance(instance: InstanceState): Record<string, unknown> {
    const job = this.activeJob(instance);
    const status =
      job && instance.swapBehaviour.statusDuringSwap
        ? instance.swapBehaviour.statusDuringSwap
        : instance.status;
    const task = job ? DCS_JOB_TYPE : instance.task;
    const replicas = instance.groups.flatMap((g) => g.replicas);
    return {
      instance_id: instance.instanceId,
      name: instance.name,
      engine: 'Redis',
      engine_version: instance.engineVersion,
      cache_mode: instance.cacheMode,
      status,
      task,
      task_status: task ? 'RUNNING' : null,
      ip: instance.ip,
      port: 6379,
      domain_name: `redis-${instance.instanceId}.dcs.sim.local`,
      capacity: 1,
      max_memory: 1024,
      used_memory: 12,
      spec_code: instance.cacheMode === 'single' ? 'redis.single.xu1.large.1' : 'redis.ha.xu1.large.r2.1',
      charging_mode: 0,
      vpc_id: derivedHex(`vpc:${instance.projectId}`, 32),
      subnet_id: derivedHex(`subnet:${instance.projectId}`, 32),
      available_zones: [...new Set(replicas.map((r) => r.azCode))],
      description: 'Simulated DCS instance',
      created_at: new Date(instance.createdAt).toISOString(),
      enterprise_project_id: '0',
      product_type: 'generic',
      cpu_type: 'x86_64',
      storage_type: 'DRAM',
      no_password_access: 'false',
    };
  }

  private apiJob(job: DcsJob): Record<string, unknown> {
    const status = this.jobStatus(job);
    const end = this.jobEnd(job);
    const finished = status === 'SUCCESS' || status === 'FAIL';
    return {
      job_id: job.id,
      job_type: job.jobType,
      status,
      begin_time: String(job.createdAt),
      end_time: finished && end !== undefined ? String(end) : null,
      fail_reason: status === 'FAIL' ? job.failReason : null,
    };
  }

  private apiTask(job: DcsJob): Record<string, unknown> {
    const status = this.jobStatus(job);
    const end = this.jobEnd(job);
    const finished = status === 'SUCCESS' || status === 'FAIL';
    const updated =
      finished && end !== undefined ? end : status === 'RUNNING' ? job.createdAt + job.initMs : job.createdAt;
    return {
      id: job.id,
      name: job.jobType,
      details: null,
      user_name: 'demo',
      user_id: derivedHex('user:demo', 32),
      params: JSON.stringify({ instance_id: job.instanceId, via: job.via }),
      // Tasks show INIT as RUNNING: the platform has accepted the task and works on it.
      status: status === 'INIT' ? 'RUNNING' : status,
      created_at: new Date(job.createdAt).toISOString(),
      updated_at: new Date(updated).toISOString(),
      enable_show: true,
    };
  }

  view(state: InstanceState): DcsInstanceView {
    const job = this.activeJob(state);
    const first = state.groups[0];
    return {
      projectId: state.projectId,
      instanceId: state.instanceId,
      name: state.name,
      cacheMode: state.cacheMode,
      status: state.status,
      effectiveStatus:
        job && state.swapBehaviour.statusDuringSwap ? state.swapBehaviour.statusDuringSwap : state.status,
      task: state.task,
      effectiveTask: job ? DCS_JOB_TYPE : state.task,
      engineVersion: state.engineVersion,
      swapBehaviour: { ...state.swapBehaviour },
      asyncSwapSupported: state.asyncSwapSupported,
      errorCodeSpelling: state.errorCodeSpelling,
      jobsApiKnowsTaskIds: state.jobsApiKnowsTaskIds,
      masterNodeId: first?.replicas[first.masterIndex]?.nodeId ?? '',
      replicas: state.groups.flatMap((g) =>
        g.replicas.map((r, i) => ({
          groupName: g.groupName,
          nodeId: r.nodeId,
          replicationId: r.replicationId,
          ip: r.ip,
          role: i === g.masterIndex ? ('master' as const) : ('slave' as const),
        })),
      ),
      activeJobId: state.activeJobId,
      swapCount: state.swapCount,
      jobs: [...this.jobs.values()]
        .filter((j) => j.instanceId === state.instanceId)
        .map((j) => ({
          jobId: j.id,
          status: this.jobStatus(j),
          result: j.result,
          createdAt: new Date(j.createdAt).toISOString(),
          via: j.via,
        })),
    };
  }

  // ---- routes ----

  routes(): Route[] {
    const base = '/v2/{project_id}';
    return [
      {
        method: 'GET',
        pattern: `${base}/instances/{instance_id}`,
        service: 'dcs',
        handler: (req) => {
          this.settle();
          const instance = this.findInstance(req);
          return instance
            ? { status: 200, body: this.apiInstance(instance) }
            : notFound(req.params.instance_id as string);
        },
      },
      {
        method: 'GET',
        pattern: `${base}/instance/{instance_id}/groups`,
        service: 'dcs',
        handler: (req) => {
          this.settle();
          const instance = this.findInstance(req);
          if (!instance) return notFound(req.params.instance_id as string);
          return { status: 200, body: apiGroups(instance) };
        },
      },
      {
        method: 'POST',
        pattern: `${base}/instances/{instance_id}/swap`,
        service: 'dcs',
        trigger: true,
        handler: (req, ctx) => {
          const started = this.startSwap(req, ctx, 'swap');
          return 'error' in started ? started.error : { status: 204 };
        },
      },
      {
        method: 'PUT',
        pattern: `${base}/instances/{instance_id}/async-swap`,
        service: 'dcs',
        trigger: true,
        handler: (req, ctx) => {
          const instance = this.findInstance(req);
          if (instance && !instance.asyncSwapSupported) {
            return {
              status: 404,
              body: {
                error_code: 'APIGW.0101',
                error_msg: 'The API does not exist or has not been published in the environment',
              },
            };
          }
          const started = this.startSwap(req, ctx, 'async-swap');
          return 'error' in started ? started.error : { status: 200, body: { job_id: started.job.id } };
        },
      },
      {
        method: 'GET',
        pattern: `${base}/instances/{instance_id}/tasks`,
        service: 'dcs',
        handler: (req) => {
          this.settle();
          const instance = this.findInstance(req);
          if (!instance) return notFound(req.params.instance_id as string);
          // The parameters are `start_time` and `end_time` (huaweicloud-sdk-go-v3 ListBackgroundTaskRequest, the OTC
          // parameter table). `begin_time`, which one published example URL shows, is ignored like any unknown name.
          const range: Record<'from' | 'to', number | undefined> = { from: undefined, to: undefined };
          for (const [key, name] of [
            ['from', 'start_time'],
            ['to', 'end_time'],
          ] as const) {
            const raw = req.query[name];
            if (raw === undefined || raw === '') continue;
            const ms = parseCompactUtc(raw);
            if (ms === undefined) {
              return instanceError(
                instance,
                400,
                DCS_CODES.invalidParameter,
                `Invalid ${name}: expected yyyyMMddHHmmss (UTC).`,
              );
            }
            range[key] = ms;
          }
          const tasks = [...this.jobs.values()]
            .filter((j) => j.instanceId === instance.instanceId)
            // the filter works on whole seconds, like the yyyyMMddHHmmss parameters
            .filter((j) => range.from === undefined || Math.floor(j.createdAt / 1000) * 1000 >= range.from)
            .filter((j) => range.to === undefined || Math.floor(j.createdAt / 1000) * 1000 <= range.to)
            .sort((a, b) => b.createdAt - a.createdAt)
            .map((j) => this.apiTask(j));
          return { status: 200, body: { task_count: String(tasks.length), tasks } };
        },
      },
      {
        method: 'GET',
        pattern: `${base}/jobs/{job_id}`,
        service: 'dcs',
        handler: (req) => {
          this.settle();
          const job = this.jobs.get(req.params.job_id as string);
          const instance = job ? this.instances.get(job.instanceId) : undefined;
          const hidden = job?.via === 'swap' && instance !== undefined && !instance.jobsApiKnowsTaskIds;
          if (!job || job.projectId !== req.params.project_id || hidden) {
            const message = 'The requested URL does not exist.';
            return instance
              ? instanceError(instance, 404, DCS_CODES.jobNotFound, message)
              : dcsError(404, DCS_CODES.jobNotFound, message);
          }
          return { status: 200, body: this.apiJob(job) };
        },
      },
    ];
  }
}

function notFound(instanceId: string): SimResponse {
  return dcsError(404, DCS_CODES.instanceNotFound, `This DCS instance ${instanceId} does not exist.`);
}

/** An error about an existing instance, in the spelling the instance is set to answer with. */
function instanceError(instance: InstanceState, status: number, code: string, message: string): SimResponse {
  return dcsError(status, instance.errorCodeSpelling === 'numeric' ? numericDcsCode(code) : code, message);
}

function buildGroups(instanceId: string, cacheMode: InstanceState['cacheMode']): InstanceState['groups'] {
  const groupCount = cacheMode === 'cluster' || cacheMode === 'proxy' ? 3 : 1;
  // read/write splitting: one master and read replicas (a swap moves the master to the next replica)
  const replicaCount = cacheMode === 'single' ? 1 : cacheMode === 'ha_rw_split' ? 3 : 2;
  return Array.from({ length: groupCount }, (_, g) => ({
    groupId: derivedHex(`group:${instanceId}:${g}`, 32),
    groupName: `group-${g}`,
    masterIndex: 0,
    replicas: Array.from({ length: replicaCount }, (_, r) => ({
      replicationId: derivedHex(`replication:${instanceId}:${g}:${r}`, 32),
      nodeId: derivedHex(`node:${instanceId}:${g}:${r}`, 32),
      ip: derivedIp(`node:${instanceId}:${g}:${r}`),
      azCode: r === 0 ? 'eu-de-01' : 'eu-de-02',
    })),
  }));
}

function apiGroups(instance: InstanceState): Record<string, unknown> {
  return {
    group_count: instance.groups.length,
    group_list: instance.groups.map((g) => ({
      group_id: g.groupId,
      group_name: g.groupName,
      status: 'Active',
      replication_count: g.replicas.length,
      node_count: g.replicas.length,
      replication_list: g.replicas.map((r, i) => {
        const master = i === g.masterIndex;
        return {
          replication_role: master ? 'master' : 'slave',
          replication_ip: r.ip,
          is_replication: !master,
          replication_id: r.replicationId,
          node_id: r.nodeId,
          status: 'Active',
          az_code: r.azCode,
          dimensions: [
            { name: 'dcs_instance_id', value: instance.instanceId },
            { name: 'dcs_cluster_redis_node', value: r.nodeId },
          ],
        };
      }),
    })),
  };
}
