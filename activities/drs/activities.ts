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
import { DRS_HEALTHY_STATUS, VIP_STATUS, type DrsApi } from './api';

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
  const vipStatus = async (params: DrsSwitchoverParams) =>
    (await api.switchVipStatus(params.projectId, params.jobId))?.status ?? NO_SWITCH_YET;

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
            const current = await vipStatus(params);
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
      deadlineAt,
    }: AwaitArgs<DrsSwitchoverParams, DrsPreflightState>): Promise<AwaitReport> {
      return pollUntilDone({
        ...pollScheduleOf(params),
        deadlineAt,
        jobId: params.jobId,
        now,
        async observe(): Promise<Observation> {
          const status = await api.switchVipStatus(params.projectId, params.jobId);
          switch (status?.status) {
            case VIP_STATUS.complete:
              return { state: 'succeeded', cloudStatus: status.status };
            case VIP_STATUS.failed:
              return {
                state: 'failed',
                cloudStatus: status.status,
                cloudError: {
                  service: 'drs',
                  code: status.error_code ?? undefined,
                  message: status.error_msg ?? 'the VIP switchover failed',
                },
              };
            default:
              return { state: 'running', cloudStatus: status?.status ?? 'no switch status yet' };
          }
        },
      });
    },

    async drsVerify({ params }: VerifyArgs<DrsSwitchoverParams, DrsPreflightState>): Promise<VerifyReport> {
      const task = await api.taskStatus(params.projectId, params.jobId);
      const vip = await vipStatus(params);
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
