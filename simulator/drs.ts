import type { SwitchInterval } from './throttle';
import { z } from 'zod';
import { drsError } from './errors';
import { describeIssues } from './faults';
import { stripUndefined } from './ids';
import type { Clock, HandlerContext, Route, SimRequest, SimResponse } from './types';
import { SimulatorInputError } from './types';

/**
 * DRS dual-virtual-IP switchover. A switch shows SWITCH_VIP_START for `switchMs`, then SWITCH_VIP_COMPLETE
 * (the VIP of the chosen side moves to the other node) or SWITCH_VIP_FAILED. State advances lazily from the clock.
 */

export const DRS_HEALTHY_STATUS = 'INCRE_TRANSFER_STARTED';

/**
 * Codes of the DRS error-code appendix as cloud-apis.md lists them (`DRS.M05003` task not found, 400;
 * `DRS.M00304` the API cannot be called in the task's current status, 400; `DRS.M01504` another operation is
 * being performed, **202**). Which code answers which situation of these three APIs is not documented per API;
 * the rest are the simulator's choice (unverified; simulator/README.md).
 */
export const DRS_CODES = {
  /** unverified */
  invalidParameter: 'DRS.M00001',
  jobNotFound: 'DRS.M05003',
  statusNotAllowed: 'DRS.M00304',
  /** with 202 and status "failed" */
  switchInProgress: 'DRS.M01504',
  /** unverified: which code the status call answers before any switch (400) */
  noSwitchRecord: 'DRS.M05003',
  /** unverified: error_code of a SWITCH_VIP_FAILED status */
  switchFailed: 'DRS.M05100',
  /** unverified: error_code of a REJECT answer (202, status "failed") */
  switchRejected: 'DRS.M05101',
} as const;

const behaviourSchema = z
  .object({
    /** How long SWITCH_VIP_START lasts (default 1000). */
    switchMs: z.number().int().min(0).max(86_400_000).optional(),
    /**
     * SUCCESS: ends SWITCH_VIP_COMPLETE; FAIL: ends SWITCH_VIP_FAILED; STUCK: stays SWITCH_VIP_START;
     * REJECT: the trigger answers 202 with status "failed" and nothing starts.
     */
    result: z.enum(['SUCCESS', 'FAIL', 'STUCK', 'REJECT']).optional(),
    failCode: z.string().min(1).optional(),
    failMessage: z.string().min(1).optional(),
    /**
     * After a trigger, get-switch-vip-status keeps showing the previous switch's final status (or "no switch
     * record") for this long before the new switch shows (the real API is asynchronous). Default 0.
     */
    staleStatusMs: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();

export interface DrsBehaviour {
  switchMs: number;
  result: 'SUCCESS' | 'FAIL' | 'STUCK' | 'REJECT';
  failCode?: string;
  failMessage?: string;
  staleStatusMs?: number;
}

const jobFields = {
  name: z.string().min(1).max(128).optional(),
  /** Task status, e.g. INCRE_TRANSFER_STARTED (healthy), INCRE_TRANSFER_FAILED, PAUSING. */
  status: z.string().min(1).optional(),
  behaviour: behaviourSchema.optional(),
};

export const drsJobCreateSchema = z
  .object({
    projectId: z.string().min(1),
    jobId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'jobId must be a cloud ID'),
    ...jobFields,
  })
  .strict();

export const drsJobPatchSchema = z
  .object({
    ...jobFields,
    /** Ends the unfinished switch now with this result (e.g. to release a STUCK switch). */
    finishSwitch: z.enum(['SUCCESS', 'FAIL']).optional(),
  })
  .strict();

export type DrsJobCreate = z.input<typeof drsJobCreateSchema>;
export type DrsJobPatch = z.input<typeof drsJobPatchSchema>;

type Side = 'source' | 'target';
type SwitchStatus = 'SWITCH_VIP_START' | 'SWITCH_VIP_COMPLETE' | 'SWITCH_VIP_FAILED';

interface SwitchState {
  mode: Side;
  startedAt: number;
  endsAt: number | null;
  result: 'SUCCESS' | 'FAIL';
  errorCode: string;
  errorMessage: string;
  settled: boolean;
  /** Until this time the status shows `previous` (the earlier switch's final answer; null = no record). */
  staleUntil: number;
  previous: { status: SwitchStatus; errorCode: string; errorMessage: string } | null;
}

interface JobState {
  projectId: string;
  jobId: string;
  name: string;
  status: string;
  behaviour: DrsBehaviour;
  /** Which node holds the VIP on each side. */
  vip: Record<Side, 'primary-node' | 'standby-node'>;
  lastSwitch: SwitchState | null;
  switchCount: number;
}

export interface DrsJobView {
  projectId: string;
  jobId: string;
  name: string;
  status: string;
  behaviour: DrsBehaviour;
  vip: Record<Side, string>;
  switchStatus: SwitchStatus | null;
  lastSwitch: { mode: Side; startedAt: string; result: string } | null;
  switchCount: number;
}

const DEFAULT_BEHAVIOUR: DrsBehaviour = { switchMs: 1000, result: 'SUCCESS' };

export class DrsStore {
  private readonly jobs = new Map<string, JobState>();
  /** Told about every switch started (the switch meter, simulator/throttle.ts). */
  onSwitchStarted?: (interval: SwitchInterval) => void;

  constructor(private readonly clock: Clock) {}

  reset(): void {
    this.jobs.clear();
  }

  // ---- control ----

  create(input: unknown): DrsJobView {
    const parsed = drsJobCreateSchema.safeParse(input);
    if (!parsed.success) throw new SimulatorInputError(`invalid DRS job: ${describeIssues(parsed.error)}`);
    const spec = parsed.data;
    if (this.jobs.has(spec.jobId)) throw new SimulatorInputError(`DRS job ${spec.jobId} already exists`, 409);
    const state: JobState = {
      projectId: spec.projectId,
      jobId: spec.jobId,
      name: spec.name ?? `drs-${spec.jobId.slice(0, 8)}`,
      status: spec.status ?? DRS_HEALTHY_STATUS,
      behaviour: { ...DEFAULT_BEHAVIOUR, ...stripUndefined(spec.behaviour ?? {}) },
      vip: { source: 'primary-node', target: 'primary-node' },
      lastSwitch: null,
      switchCount: 0,
    };
    this.jobs.set(spec.jobId, state);
    return this.view(state);
  }

  patch(jobId: string, input: unknown): DrsJobView {
    const state = this.jobs.get(jobId);
    if (!state) throw new SimulatorInputError(`DRS job ${jobId} does not exist`, 404);
    const parsed = drsJobPatchSchema.safeParse(input ?? {});
    if (!parsed.success)
      throw new SimulatorInputError(`invalid DRS job patch: ${describeIssues(parsed.error)}`);
    this.settle();
    const p = parsed.data;
    if (p.name !== undefined) state.name = p.name;
    if (p.status !== undefined) state.status = p.status;
    if (p.behaviour !== undefined) state.behaviour = { ...state.behaviour, ...stripUndefined(p.behaviour) };
    if (p.finishSwitch !== undefined) {
      const sw = state.lastSwitch;
      if (!sw || sw.settled) throw new SimulatorInputError(`DRS job ${jobId} has no unfinished switch`, 409);
      sw.result = p.finishSwitch;
      sw.endsAt = this.clock();
      this.settle();
    }
    return this.view(state);
  }

  get(jobId: string): DrsJobView | undefined {
    this.settle();
    const state = this.jobs.get(jobId);
    return state ? this.view(state) : undefined;
  }

  list(): DrsJobView[] {
    this.settle();
    return [...this.jobs.values()].map((s) => this.view(s));
  }

  // ---- state machine ----

  private switchStatus(sw: SwitchState, now = this.clock()): SwitchStatus {
    if (sw.endsAt === null || now < sw.endsAt) return 'SWITCH_VIP_START';
    return sw.result === 'SUCCESS' ? 'SWITCH_VIP_COMPLETE' : 'SWITCH_VIP_FAILED';
  }

  settle(now = this.clock()): void {
    for (const state of this.jobs.values()) {
      const sw = state.lastSwitch;
      if (!sw || sw.settled || this.switchStatus(sw, now) === 'SWITCH_VIP_START') continue;
      sw.settled = true;
      if (sw.result === 'SUCCESS') {
        state.vip[sw.mode] = state.vip[sw.mode] === 'primary-node' ? 'standby-node' : 'primary-node';
        state.switchCount += 1;
      }
    }
  }

  private find(req: SimRequest): JobState | undefined {
    const state = this.jobs.get(req.params.job_id as string);
    return state && state.projectId === req.params.project_id ? state : undefined;
  }

  private switchVip(req: SimRequest, ctx: HandlerContext): SimResponse {
    this.settle();
    const mode = (req.body as { mode?: unknown } | undefined)?.mode;
    if (mode !== 'source' && mode !== 'target') {
      return drsError(
        400,
        DRS_CODES.invalidParameter,
        'Invalid parameter: mode must be "source" or "target".',
      );
    }
    const state = this.find(req);
    if (!state) return jobNotFound(req.params.job_id as string);
    if (state.status !== DRS_HEALTHY_STATUS) {
      return drsError(
        400,
        DRS_CODES.statusNotAllowed,
        `The job status is ${state.status}; the virtual IP can be switched only in ${DRS_HEALTHY_STATUS}.`,
      );
    }
    if (state.lastSwitch && this.switchStatus(state.lastSwitch) === 'SWITCH_VIP_START') {
      // DRS.M01504 "another operation is being performed" comes with 202 (cloud-apis.md, the error-code appendix).
      return {
        status: 202,
        body: {
          id: state.jobId,
          status: 'failed',
          error_code: DRS_CODES.switchInProgress,
          error_msg: 'Another operation is being performed on the task. Try again later.',
        },
      };
    }
    const b = state.behaviour;
    if (b.result === 'REJECT' && !ctx.forceJobFail) {
      return {
        status: 202,
        body: {
          id: state.jobId,
          status: 'failed',
          error_code: b.failCode ?? DRS_CODES.switchRejected,
          error_msg: b.failMessage ?? 'The virtual IP switchover was rejected.',
        },
      };
    }
    const now = this.clock();
    const fail = Boolean(ctx.forceJobFail) || b.result === 'FAIL';
    const prev = state.lastSwitch;
    state.lastSwitch = {
      staleUntil: now + (b.staleStatusMs ?? 0),
      previous: prev
        ? { status: this.switchStatus(prev), errorCode: prev.errorCode, errorMessage: prev.errorMessage }
        : null,
      mode,
      startedAt: now,
      endsAt: b.result === 'STUCK' && !ctx.forceJobFail ? null : now + b.switchMs,
      result: fail ? 'FAIL' : 'SUCCESS',
      errorCode: b.failCode ?? DRS_CODES.switchFailed,
      errorMessage: ctx.forceJobFail?.reason ?? b.failMessage ?? 'Failed to switch the virtual IP address.',
      settled: false,
    };
    this.onSwitchStarted?.({
      service: 'drs',
      projectId: state.projectId,
      resourceId: state.jobId,
      startMs: now,
      endMs: state.lastSwitch.endsAt ?? undefined,
    });
    return { status: 202, body: { id: state.jobId, status: 'success' } };
  }

  private switchVipStatus(req: SimRequest): SimResponse {
    this.settle();
    const state = this.find(req);
    if (!state) return jobNotFound(req.params.job_id as string);
    const current = state.lastSwitch;
    const sw = current && this.clock() < current.staleUntil ? current.previous : current;
    if (!sw) {
      return drsError(400, DRS_CODES.noSwitchRecord, 'No virtual IP switchover record exists for this job.');
    }
    const status = 'status' in sw ? sw.status : this.switchStatus(sw);
    return {
      status: 200,
      body:
        status === 'SWITCH_VIP_FAILED'
          ? { id: state.jobId, status, error_code: sw.errorCode, error_msg: sw.errorMessage }
          : { id: state.jobId, status },
    };
  }

  private batchStatus(req: SimRequest): SimResponse {
    this.settle();
    const jobs = (req.body as { jobs?: unknown } | undefined)?.jobs;
    if (
      !Array.isArray(jobs) ||
      jobs.length === 0 ||
      jobs.length > 10 ||
      !jobs.every((j) => typeof j === 'string')
    ) {
      return drsError(
        400,
        DRS_CODES.invalidParameter,
        'Invalid parameter: jobs must be a list of 1 to 10 job IDs.',
      );
    }
    const results = (jobs as string[]).map((id) => {
      const state = this.jobs.get(id);
      if (!state || state.projectId !== req.params.project_id) {
        // `error_message` here, not `error_msg` (OTC "Querying Task Statuses in Batches", huaweicloud-sdk-go-v3
        // QueryJobStatusResp, gophertelekomcloud BatchListJobStatus).
        return {
          id,
          status: '',
          error_code: DRS_CODES.jobNotFound,
          error_message: 'The task does not exist.',
        };
      }
      return { id, status: state.status };
    });
    return { status: 200, body: { count: results.length, results } };
  }

  view(state: JobState): DrsJobView {
    const sw = state.lastSwitch;
    return {
      projectId: state.projectId,
      jobId: state.jobId,
      name: state.name,
      status: state.status,
      behaviour: { ...state.behaviour },
      vip: { ...state.vip },
      switchStatus: sw ? this.switchStatus(sw) : null,
      lastSwitch: sw
        ? { mode: sw.mode, startedAt: new Date(sw.startedAt).toISOString(), result: sw.result }
        : null,
      switchCount: state.switchCount,
    };
  }

  // ---- routes ----

  routes(): Route[] {
    return [
      {
        method: 'POST',
        pattern: '/v3/{project_id}/jobs/batch-status',
        service: 'drs',
        handler: (req) => this.batchStatus(req),
      },
      {
        method: 'POST',
        pattern: '/v3/{project_id}/jobs/{job_id}/switch-vip',
        service: 'drs',
        trigger: true,
        handler: (req, ctx) => this.switchVip(req, ctx),
      },
      {
        method: 'GET',
        pattern: '/v3/{project_id}/jobs/{job_id}/get-switch-vip-status',
        service: 'drs',
        handler: (req) => this.switchVipStatus(req),
      },
    ];
  }
}

function jobNotFound(id: string): SimResponse {
  return drsError(400, DRS_CODES.jobNotFound, `The job ${id} does not exist.`);
}
