import { Context } from '@temporalio/activity';
import { CloudFailure, type CloudError } from '../../domain/failures';
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
import { pollUntilDone, type Observation } from '../polling';
import { ensureTimeToSend, triggerFailure } from '../trigger';
import { DRS_HEALTHY_STATUS, VIP_STATUS, type DrsApi } from './api';

export interface DrsActivityDeps {
  api: DrsApi;
  now?: () => number;
  ambiguousSettleMs?: number;
  /** The cloud client's per-request timeout: a send is started only when it can resolve within the attempt. */
  requestTimeoutMs?: number;
}

const NO_SWITCH_YET = 'none';

/** DRS dual-virtual-IP switchover. */
export function createDrsActivities({
  api,
  now = Date.now,
  ambiguousSettleMs = 3_000,
  requestTimeoutMs = 15_000,
}: DrsActivityDeps) {
  const vipStatus = async (params: DrsSwitchoverParams) =>
    (await api.switchVipStatus(params.projectId, params.jobId))?.status ?? NO_SWITCH_YET;

  return {
    async drsPreflight(params: DrsSwitchoverParams): Promise<PreflightReport> {
      const observedAt = now();
      const task = await api.taskStatus(params.projectId, params.jobId);
      const facts: Facts = { mode: params.mode, taskStatus: task.status || null };
      const refuse = (refusal: string, cloudError?: CloudError): PreflightReport => ({
        ok: false,
        refusal,
        summary: `refused: ${refusal}`,
        cloudError,
        observedAt,
        facts,
      });
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
      facts.vipStatusBefore = before;
      if (before === VIP_STATUS.started)
        return refuse(`a VIP switchover of task ${params.jobId} is already in progress`);
      return {
        ok: true,
        summary: `DRS task ${params.jobId} ${task.status}, last VIP switch ${before}`,
        observedAt,
        facts,
      };
    },

    async drsTrigger({
      params,
      preflight,
      mayHaveSent,
    }: TriggerArgs<DrsSwitchoverParams>): Promise<TriggerReceipt> {
      const ctx = Context.current();
      const before = preflight.facts.vipStatusBefore;
      let current = await vipStatus(params);
      if (current === before && mayHaveSent) {
        await ctx.sleep(ambiguousSettleMs);
        current = await vipStatus(params);
      }
      if (current === VIP_STATUS.started || current !== before) {
        if (!mayHaveSent) {
          // This run sent nothing: the switch is someone else's. Never switch on top of it, nor claim it.
          throw cloudFailure(CloudFailure.Permanent, {
            service: 'drs',
            message: `the VIP status changed since preflight (${String(before)} -> ${current}) although this switchover sent nothing; not switching on top of another switch`,
          });
        }
        ctx.log.warn('VIP switch already started for this switchover; adopting it, not resending', {
          current,
          before,
        });
        return {
          jobId: params.jobId,
          adopted: true,
          triggeredAt: now(),
          summary: `adopted: VIP status ${current}`,
          facts: {},
        };
      }
      if (mayHaveSent && before !== NO_SWITCH_YET) {
        // The status still shows an earlier switch's end: the API cannot tell whether ours was accepted and
        // already finished. Resending could switch twice, so stop here.
        throw cloudFailure(CloudFailure.TriggerUnresolvable, {
          service: 'drs',
          message: `an earlier switch-vip attempt may have been accepted; the VIP status is still ${current} as before, which cannot tell`,
        });
      }
      ensureTimeToSend(requestTimeoutMs, now);
      const sentAt = now();
      let answer;
      try {
        answer = await api.switchVip(params.projectId, params.jobId, params.mode);
      } catch (error) {
        throw triggerFailure(error);
      }
      if (answer.status === 'failed') {
        throw cloudFailure(CloudFailure.Permanent, {
          service: 'drs',
          httpStatus: 202,
          code: answer.error_code ?? undefined,
          message: answer.error_msg ?? 'switch-vip answered status failed',
        });
      }
      if (answer.status !== 'success') {
        // Neither documented answer: whether the switch was accepted is unknown, so the next attempt looks first.
        throw cloudFailure(CloudFailure.TriggerAmbiguous, {
          service: 'drs',
          httpStatus: 202,
          message: `switch-vip answered status '${String(answer.status)}', neither success nor failed; the next attempt looks before sending again`,
        });
      }
      return {
        jobId: params.jobId,
        adopted: false,
        triggeredAt: sentAt,
        summary: `switch-vip to ${params.mode} accepted`,
        facts: {},
      };
    },

    async drsAwaitVip({ params, deadlineAt }: AwaitArgs<DrsSwitchoverParams>): Promise<AwaitReport> {
      return pollUntilDone({
        firstIntervalMs: params.pollIntervalSeconds * 1000,
        maxIntervalMs: params.maxPollIntervalSeconds * 1000,
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

    async drsVerify({ params }: VerifyArgs<DrsSwitchoverParams>): Promise<VerifyReport> {
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
