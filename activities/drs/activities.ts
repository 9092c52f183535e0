import { CloudFailure } from '../../domain/failures';
import type { DrsSwitchoverParams } from '../../domain/inputs';
import type {
  AwaitArgs,
  AwaitReport,
  Facts,
  PreflightReport,
  TriggerArgs,
  TriggerReceipt,
  VerifyArgs,
  VerifyReport,
} from '../../domain/reports';
import { cloudFailure } from '../http/failures';
import { pollScheduleOf, pollUntilDone, type Observation } from '../polling';
import { preflightAnswer } from '../preflight';
import { DEFAULT_LATE_ACCEPTANCE_WINDOW_MS } from '../late-acceptance';
import { acceptedUnreadable, runTriggerProtocol } from '../trigger';
import { DRS_HEALTHY_STATUS, DRS_NO_SWITCH_RECORD, VIP_STATUS, type DrsApi } from './api';

export interface DrsActivityDeps {
  api: DrsApi;
  now?: () => number;
  /** The cloud client's per-request timeout: the hard deadline of one send. */
  requestTimeoutMs?: number;
  /** After a send that may have reached the cloud, how long to look for the switch it may have started. */
  lateAcceptanceWindowMs?: number;
  /** Pause between those looks. */
  lookIntervalMs?: number;
}

const NO_SWITCH_YET = 'none';

/** What the later phases need from preflight: the VIP switch status before this switch (`none`: never switched). */
export interface DrsPreflightState {
  vipStatusBefore: string;
}

/** DRS dual-virtual-IP switchover. */
export function createDrsActivities({
  api,
  now = Date.now,
  requestTimeoutMs = 15_000,
  lateAcceptanceWindowMs = DEFAULT_LATE_ACCEPTANCE_WINDOW_MS,
  lookIntervalMs,
}: DrsActivityDeps) {
  /**
   * The VIP switch status, `none` for the no-switch-record answer. That answer counts as "never switched" only when
   * it agrees with what was read before (`before`): preflight confirms the task exists (batch-status) just before;
   * after a switch record was seen, a no-record answer proves nothing and is looked at again (transient).
   */
  const vipStatus = async (params: DrsSwitchoverParams, before?: string) => {
    const status = (await api.switchVipStatus(params.projectId, params.jobId))?.status ?? NO_SWITCH_YET;
    if (status === NO_SWITCH_YET && before !== undefined && before !== NO_SWITCH_YET) {
      throw cloudFailure(CloudFailure.Busy, {
        service: 'drs',
        httpStatus: 400,
        code: DRS_NO_SWITCH_RECORD,
        message: `get-switch-vip-status answered "no switch record" although ${before} was read before; not evidence, looking again`,
      });
    }
    return status;
  };

  return {
    async drsPreflight(params: DrsSwitchoverParams): Promise<PreflightReport<DrsPreflightState>> {
      const observedAt = now();
      const task = await api.taskStatus(params.projectId, params.jobId);
      const facts: Facts = { mode: params.mode, taskStatus: task.status || null };
      const state: DrsPreflightState = { vipStatusBefore: NO_SWITCH_YET };
      const { refuse, proceed } = preflightAnswer(observedAt, facts, state);
      if (task.errorCode || task.errorMsg) {
        // batch-status answers 200 for an unknown task, with the error in the task's entry.
        const cloudError = {
          service: 'drs',
          code: task.errorCode,
          message: task.errorMsg ?? 'task status unknown',
        };
        return refuse(
          `DRS task ${params.jobId}: ${[task.errorCode, task.errorMsg].filter(Boolean).join(' ')}`,
          cloudError,
        );
      }
      if (task.status !== DRS_HEALTHY_STATUS) {
        return refuse(
          `DRS task ${params.jobId} is ${task.status || 'of unknown status'}; a VIP switchover needs ${DRS_HEALTHY_STATUS}`,
        );
      }
      const before = await vipStatus(params);
      state.vipStatusBefore = before;
      facts.vipStatusBefore = before;
      if (before === VIP_STATUS.started)
        return refuse(`a VIP switchover of task ${params.jobId} is already in progress`);
      return proceed(`DRS task ${params.jobId} ${task.status}, last VIP switch ${before}`);
    },

    async drsTrigger({
      params,
      preflight,
      mayHaveSent,
      ambiguousSince,
    }: TriggerArgs<DrsSwitchoverParams, DrsPreflightState>): Promise<TriggerReceipt> {
      const before = preflight.state.vipStatusBefore;
      return runTriggerProtocol<string>(
        {
          service: 'drs',
          subject: 'the VIP switch status',
          async look() {
            const current = await vipStatus(params, before);
            const started = current === VIP_STATUS.started || current !== before;
            return {
              seen: current,
              started: started
                ? { jobId: params.jobId, how: `VIP status ${before} -> ${current}` }
                : undefined,
            };
          },
          async send(_seen, options) {
            const answer = await api.switchVip(params.projectId, params.jobId, params.mode, options);
            if (!answer.data)
              return {
                jobId: params.jobId,
                ...acceptedUnreadable('switch-vip', answer.status, answer.unreadable ?? 'no body'),
              };
            if (answer.data.status === 'failed') {
              // The documented refusal inside a 202: the switch was not accepted.
              throw cloudFailure(CloudFailure.Permanent, {
                service: 'drs',
                httpStatus: answer.status,
                code: answer.data.error_code ?? undefined,
                message: answer.data.error_msg ?? 'switch-vip answered status failed',
              });
            }
            if (answer.data.status !== 'success') {
              // Neither documented answer, but a 2xx: accepted, with a receipt that says nothing.
              return {
                jobId: params.jobId,
                ...acceptedUnreadable(
                  'switch-vip',
                  answer.status,
                  `status '${String(answer.data.status)}', neither success nor failed`,
                ),
              };
            }
            return { jobId: params.jobId, summary: `switch-vip to ${params.mode} accepted` };
          },
        },
        { mayHaveSent, ambiguousSince },
        { now, requestTimeoutMs, lateAcceptanceWindowMs, lookIntervalMs },
      );
    },

    async drsAwaitVip({
      params,
      preflight,
      deadlineAt,
    }: AwaitArgs<DrsSwitchoverParams, DrsPreflightState>): Promise<AwaitReport> {
      const before = preflight.state.vipStatusBefore;
      return pollUntilDone({
        ...pollScheduleOf(params),
        deadlineAt,
        jobId: params.jobId,
        now,
        async observe(progress): Promise<Observation> {
          const status = await api.switchVipStatus(params.projectId, params.jobId);
          const value = status?.status ?? NO_SWITCH_YET;
          // The answer names no switch and no time: a terminal value is this switch's only once START was seen
          // after the trigger, or when it differs from the value read before it (cloud-apis.md, DRS).
          const sawStart = progress.facts.sawSwitchStart === true || value === VIP_STATUS.started;
          const attributable = sawStart || value !== before;
          const facts = { sawSwitchStart: sawStart };
          const terminal = value === VIP_STATUS.complete || value === VIP_STATUS.failed;
          if (terminal && !attributable) {
            return {
              state: 'running',
              cloudStatus: `${value} as before the trigger (no ${VIP_STATUS.started} seen since): an earlier switch's status, not attributable to this one`,
              facts: { ...facts, unattributedStatus: value },
            };
          }
          if (value === NO_SWITCH_YET && before !== NO_SWITCH_YET) {
            return {
              state: 'running',
              cloudStatus: `"no switch record" answered although ${before} was read before (not evidence)`,
              facts,
            };
          }
          switch (value) {
            case VIP_STATUS.complete:
              return {
                state: 'succeeded',
                cloudStatus: value,
                facts: { ...facts, unattributedStatus: null },
              };
            case VIP_STATUS.failed:
              return {
                state: 'failed',
                cloudStatus: value,
                facts: { ...facts, unattributedStatus: null },
                cloudError: {
                  service: 'drs',
                  code: status?.error_code ?? undefined,
                  message: status?.error_msg ?? 'the VIP switchover failed',
                },
              };
            default:
              return {
                state: 'running',
                cloudStatus: value === NO_SWITCH_YET ? 'no switch status yet' : value,
                facts,
              };
          }
        },
      });
    },

    async drsVerify({
      params,
      preflight,
    }: VerifyArgs<DrsSwitchoverParams, DrsPreflightState>): Promise<VerifyReport> {
      const task = await api.taskStatus(params.projectId, params.jobId);
      const vip = await vipStatus(params, preflight.state.vipStatusBefore);
      const facts = { taskStatusAfter: task.status ?? null, vipStatusAfter: vip };
      if (vip !== VIP_STATUS.complete) return { ok: false, summary: `VIP status is ${vip}`, facts };
      return {
        ok: true,
        summary: `VIP switched to ${params.mode}; task ${task.status ?? 'status unknown'}`,
        facts,
      };
    },
  };
}

export type DrsActivities = ReturnType<typeof createDrsActivities>;
