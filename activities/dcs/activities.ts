import { Context } from '@temporalio/activity';
import { CloudFailure } from '../../domain/failures';
import type { DcsSwitchoverParams } from '../../domain/inputs';
import type {
  AwaitArgs,
  AwaitReport,
  PreflightReport,
  TriggerArgs,
  TriggerReceipt,
  VerifyArgs,
  VerifyReport,
} from '../../domain/reports';
import { cloudErrorOf, isCloudFailure } from '../http/failures';
import { pollScheduleOf, pollUntilDone, type Observation } from '../polling';
import { preflightAnswer } from '../preflight';
import { runTriggerProtocol, type StartedSwitch } from '../trigger';
import { SWAP_JOB_TYPE, type DcsApi } from './api';

/**
 * Cache modes whose master/standby switchover the DCS user guide documents: master/standby and read/write
 * splitting instances. The cloud's own DCS.4855/DCS.4086 still decides for anything else.
 */
const SWAP_CACHE_MODES: readonly string[] = ['ha', 'ha_rw_split'];

export interface DcsActivityDeps {
  api: DcsApi;
  now?: () => number;
  /** How long verify waits for the instance to settle (RUNNING, no task) after the job ended. */
  verifySettleMs?: number;
  /** After an ambiguous send, how long to wait before the second look at the task list. */
  ambiguousSettleMs?: number;
  /** The cloud client's per-request timeout: a send is started only when it can resolve within the attempt. */
  requestTimeoutMs?: number;
}

/** What the later phases need from preflight: the master before the switch (unknown without `/groups`). */
export interface DcsPreflightState {
  masterBefore?: string;
}

type DcsPreflight = PreflightReport<DcsPreflightState>;

/** DCS master/standby switchover: the phase activities the switchover skeleton calls. */
export function createDcsActivities({
  api,
  now = Date.now,
  verifySettleMs = 60_000,
  ambiguousSettleMs = 3_000,
  requestTimeoutMs = 15_000,
}: DcsActivityDeps) {
  /** Our own swap, if one was already started since preflight: the answer to "did an earlier attempt send it?". */
  async function findStartedSwap(
    params: DcsSwitchoverParams,
    preflight: DcsPreflight,
  ): Promise<StartedSwitch | undefined> {
    const { projectId, instanceId } = params;
    const since = preflight.observedAt - 1000;
    const tasks = await api.listTasks(projectId, instanceId, since, now() + 60_000);
    const swapTask = tasks
      .filter((task) => task.name === SWAP_JOB_TYPE)
      .filter((task) => !task.created_at || !(Date.parse(task.created_at) < since))
      .sort((a, b) => String(b.created_at ?? '').localeCompare(String(a.created_at ?? '')))[0];
    if (swapTask)
      return {
        jobId: swapTask.id,
        how: `swap task ${swapTask.id} (${swapTask.status ?? 'no status'}) found`,
      };
    const instance = await api.getInstance(projectId, instanceId);
    if (instance.task === SWAP_JOB_TYPE) return { how: `instance is running task ${SWAP_JOB_TYPE}` };
    const { masterBefore } = preflight.state;
    if (masterBefore !== undefined) {
      const master = await api.getMaster(projectId, instanceId);
      if (master && master !== masterBefore)
        return { how: `master already moved from ${masterBefore} to ${master}` };
    }
    return undefined;
  }

  async function findSwapJobId(params: DcsSwitchoverParams, since: number): Promise<string | undefined> {
    const tasks = await api.listTasks(params.projectId, params.instanceId, since - 1000, now() + 60_000);
    return tasks.find((task) => task.name === SWAP_JOB_TYPE)?.id;
  }

  return {
    async dcsPreflight(params: DcsSwitchoverParams): Promise<DcsPreflight> {
      const observedAt = now();
      const instance = await api.getInstance(params.projectId, params.instanceId);
      const facts = {
        instanceName: instance.name ?? null,
        cacheMode: instance.cache_mode,
        instanceStatus: instance.status,
        engineVersion: instance.engine_version ?? null,
        masterBefore: null as string | null,
      };
      const state: DcsPreflightState = {};
      const { refuse, proceed } = preflightAnswer(observedAt, facts, state);
      if (!SWAP_CACHE_MODES.includes(instance.cache_mode)) {
        return refuse(
          `instance ${params.instanceId} has cache_mode '${instance.cache_mode}'; only master/standby ('ha') and read/write-splitting ('ha_rw_split') instances support a master/standby switchover (DCS.4855)`,
        );
      }
      if (instance.status !== 'RUNNING') {
        return refuse(
          `instance ${params.instanceId} is ${instance.status}; a switchover needs RUNNING (DCS.4049)`,
        );
      }
      if (instance.task) {
        return refuse(
          `instance ${params.instanceId} is busy with task ${instance.task}; try again when it has finished`,
        );
      }
      try {
        state.masterBefore = await api.getMaster(params.projectId, params.instanceId);
        facts.masterBefore = state.masterBefore ?? null;
      } catch (error) {
        // Redis 3.0 instances have no /groups; verification then relies on the job and instance state.
        if (!isCloudFailure(error, CloudFailure.NotFound, CloudFailure.Permanent)) throw error;
        Context.current().log.warn('replication groups unavailable; master change cannot be verified', {
          error: error.message,
        });
      }
      return proceed(
        `instance ${instance.name ?? params.instanceId} RUNNING, ${instance.cache_mode}, master ${facts.masterBefore ?? 'unknown'}`,
      );
    },

    async dcsTrigger({
      params,
      preflight,
      mayHaveSent,
    }: TriggerArgs<DcsSwitchoverParams, DcsPreflightState>): Promise<TriggerReceipt> {
      const look = async () => ({ seen: undefined, started: await findStartedSwap(params, preflight) });
      return runTriggerProtocol(
        {
          service: 'dcs',
          subject: `instance ${params.instanceId}`,
          look,
          // A swap found while nothing of ours was sent is adopted: the task list does not say who started it.
          foreignSwitch: 'adopt',
          async send(sentAt) {
            if (params.swapMode === 'async') {
              const jobId = await api.asyncSwap(params.projectId, params.instanceId);
              return { jobId, summary: `async-swap accepted, job ${jobId}` };
            }
            await api.swap(params.projectId, params.instanceId);
            // 204 carries no job id: find the swap job in the instance's task list (it may appear a little later).
            const jobId = await findSwapJobId(params, sentAt).catch(() => undefined);
            return {
              jobId,
              summary: jobId
                ? `swap accepted (204), job ${jobId}`
                : 'swap accepted (204), job not listed yet',
            };
          },
          async adoptAfterFailedSend(error) {
            // "A job is still running": possibly our own swap from an ambiguous attempt. Look, never resend blindly.
            if (!isCloudFailure(error, CloudFailure.Busy) || cloudErrorOf(error)?.code !== 'DCS.4017')
              return undefined;
            return (await look()).started;
          },
        },
        { mayHaveSent },
        { now, ambiguousSettleMs, requestTimeoutMs },
      );
    },

    async dcsAwaitSwap({
      params,
      preflight,
      receipt,
      deadlineAt,
    }: AwaitArgs<DcsSwitchoverParams, DcsPreflightState>): Promise<AwaitReport> {
      const { masterBefore } = preflight.state;
      /** No job to follow (204 swap, job not listed or unknown to /jobs): judge by the instance itself. */
      const observeInstance = async (): Promise<Observation> => {
        const instance = await api.getInstance(params.projectId, params.instanceId);
        if (instance.status !== 'RUNNING' || instance.task) {
          return {
            state: 'running',
            cloudStatus: `instance ${instance.status}, task ${instance.task ?? 'none'}`,
          };
        }
        const master =
          masterBefore !== undefined ? await api.getMaster(params.projectId, params.instanceId) : undefined;
        if (master && master !== masterBefore) {
          return {
            state: 'succeeded',
            cloudStatus: 'instance RUNNING, master moved',
            facts: { masterAfter: master },
          };
        }
        return { state: 'running', cloudStatus: 'instance RUNNING, master not moved yet' };
      };
      return pollUntilDone({
        ...pollScheduleOf(params),
        deadlineAt,
        jobId: receipt.jobId,
        now,
        async observe(progress): Promise<Observation> {
          const unknownJobId = progress.facts.jobIdNotFound;
          const found = progress.jobId ?? (await findSwapJobId(params, receipt.triggeredAt));
          const jobId = found === unknownJobId ? undefined : found;
          if (!jobId) return observeInstance();
          try {
            return observeJob(await api.getJob(params.projectId, jobId));
          } catch (error) {
            // Whether /jobs/{job_id} accepts a task-list id is unverified: a 404 drops the id (for good: the fact
            // rides in the heartbeat) and the instance state and /groups judge the swap instead.
            if (!isCloudFailure(error, CloudFailure.NotFound)) throw error;
            Context.current().log.warn('swap job unknown to /jobs; judging by instance state and groups', {
              jobId,
              error: error.message,
            });
            const judged = await observeInstance();
            return { ...judged, facts: { ...judged.facts, jobIdNotFound: jobId } };
          }
        },
      });
    },

    async dcsVerify({
      params,
      preflight,
    }: VerifyArgs<DcsSwitchoverParams, DcsPreflightState>): Promise<VerifyReport> {
      const ctx = Context.current();
      const { masterBefore } = preflight.state;
      const settleBy = now() + verifySettleMs;
      for (;;) {
        const instance = await api.getInstance(params.projectId, params.instanceId);
        const master =
          masterBefore !== undefined ? await api.getMaster(params.projectId, params.instanceId) : undefined;
        const settled = instance.status === 'RUNNING' && !instance.task;
        const moved = masterBefore === undefined || (master !== undefined && master !== masterBefore);
        const facts = { instanceStatusAfter: instance.status, masterAfter: master ?? null };
        if (settled && moved) {
          const how =
            masterBefore !== undefined
              ? `master moved ${masterBefore} → ${master}`
              : 'master not verifiable (no /groups)';
          return { ok: true, summary: `instance RUNNING, ${how}`, facts };
        }
        if (now() >= settleBy) {
          const why = !settled
            ? `instance is ${instance.status} with task ${instance.task ?? 'none'}`
            : `master is still ${master ?? 'unknown'}`;
          return { ok: false, summary: `verification failed: ${why}`, facts };
        }
        ctx.heartbeat();
        await ctx.sleep(Math.min(2_000, params.pollIntervalSeconds * 1000));
      }
    },
  };
}

function observeJob(job: { job_id: string; status: string; fail_reason?: string | null }): Observation {
  switch (job.status) {
    case 'SUCCESS':
      return { state: 'succeeded', cloudStatus: job.status, jobId: job.job_id };
    case 'FAIL':
      return {
        state: 'failed',
        cloudStatus: job.status,
        jobId: job.job_id,
        cloudError: { service: 'dcs', message: job.fail_reason ?? 'the swap job failed without a reason' },
      };
    case 'INIT':
    case 'RUNNING':
      return { state: 'running', cloudStatus: job.status, jobId: job.job_id };
    default:
      // An undocumented status: keep polling (the deadline bounds it) and show it as it is.
      return {
        state: 'running',
        cloudStatus: job.status,
        jobId: job.job_id,
        facts: { unexpectedJobStatus: job.status },
      };
  }
}

export type DcsActivities = ReturnType<typeof createDcsActivities>;
