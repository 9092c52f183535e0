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
import { isCloudFailure } from '../http/failures';
import { pollScheduleOf, pollUntilDone, type Observation } from '../polling';
import { preflightAnswer } from '../preflight';
import { DEFAULT_LATE_ACCEPTANCE_WINDOW_MS } from '../late-acceptance';
import { acceptedUnreadable, runTriggerProtocol, type StartedSwitch } from '../trigger';
import { SWAP_JOB_TYPE, type DcsApi, type DcsTask } from './api';

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
  /** The cloud client's per-request timeout: the hard deadline of one send. */
  requestTimeoutMs?: number;
  /** After a send that may have reached the cloud, how long to look for the swap it may have started. */
  lateAcceptanceWindowMs?: number;
  /** Pause between those looks. */
  lookIntervalMs?: number;
}

/**
 * What the later phases need from preflight, as the cloud showed it: the master before the switch (unknown
 * without `/groups`) and the swap tasks already in the instance's task list, so "new since preflight" is judged by
 * the cloud's own ids and `created_at`, never against the worker's clock.
 */
export interface DcsPreflightState {
  masterBefore?: string;
  /** Swap tasks listed at preflight (absent in runs started before this was recorded). */
  swapTaskIds?: string[];
  /** The newest `created_at` of any task listed at preflight, in the cloud's own clock and format. */
  newestTaskCreatedAt?: string;
}

type DcsPreflight = PreflightReport<DcsPreflightState>;

/** The task listing's window: wide, so that neither clock skew nor the filter's exact semantics matter. */
const TASK_WINDOW_MS = 24 * 3600_000;

/** DCS master/standby switchover: the phase activities the switchover skeleton calls. */
export function createDcsActivities({
  api,
  now = Date.now,
  verifySettleMs = 60_000,
  requestTimeoutMs = 15_000,
  lateAcceptanceWindowMs = DEFAULT_LATE_ACCEPTANCE_WINDOW_MS,
  lookIntervalMs,
}: DcsActivityDeps) {
  const listTasks = (params: DcsSwitchoverParams, preflight: { observedAt: number }) =>
    api.listTasks(
      params.projectId,
      params.instanceId,
      preflight.observedAt - TASK_WINDOW_MS,
      now() + TASK_WINDOW_MS,
    );

  /**
   * Swap tasks started since preflight, newest first, judged by the cloud's own data only: a task id preflight did
   * not list, created no earlier than the newest task preflight saw. Runs without that record fall back to the
   * preflight time.
   */
  async function newSwapTasks(params: DcsSwitchoverParams, preflight: DcsPreflight): Promise<DcsTask[]> {
    const tasks = (await listTasks(params, preflight)).filter((task) => task.name === SWAP_JOB_TYPE);
    const { swapTaskIds, newestTaskCreatedAt } = preflight.state;
    const cloudTime = (value?: string | null) => (value ? Date.parse(value) : NaN);
    const fresh =
      swapTaskIds === undefined
        ? tasks.filter((task) => !(cloudTime(task.created_at) < preflight.observedAt - 1000))
        : tasks.filter(
            (task) =>
              !swapTaskIds.includes(task.id) &&
              !(cloudTime(task.created_at) < cloudTime(newestTaskCreatedAt)),
          );
    return fresh.sort((a, b) => String(b.created_at ?? '').localeCompare(String(a.created_at ?? '')));
  }

  /** A swap started since preflight, if any (ours or not: the caller knows whether anything of ours was sent). */
  async function findStartedSwap(
    params: DcsSwitchoverParams,
    preflight: DcsPreflight,
  ): Promise<StartedSwitch | undefined> {
    const { projectId, instanceId } = params;
    const swapTask = (await newSwapTasks(params, preflight))[0];
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

  /** The swap job this run started: the newest swap task new since preflight, never an older one. */
  async function findSwapJobId(
    params: DcsSwitchoverParams,
    preflight: DcsPreflight,
  ): Promise<string | undefined> {
    return (await newSwapTasks(params, preflight))[0]?.id;
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
      const tasks = await listTasks(params, { observedAt });
      state.swapTaskIds = tasks.filter((task) => task.name === SWAP_JOB_TYPE).map((task) => task.id);
      state.newestTaskCreatedAt =
        tasks
          .map((task) => task.created_at)
          .filter((at): at is string => Boolean(at))
          .sort((a, b) => (Date.parse(b) || 0) - (Date.parse(a) || 0))[0] ?? undefined;
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
      ambiguousSince,
    }: TriggerArgs<DcsSwitchoverParams, DcsPreflightState>): Promise<TriggerReceipt> {
      return runTriggerProtocol(
        {
          service: 'dcs',
          subject: `instance ${params.instanceId}`,
          look: async () => ({ seen: undefined, started: await findStartedSwap(params, preflight) }),
          async send(_seen, options) {
            if (params.swapMode === 'async') {
              const answer = await api.asyncSwap(params.projectId, params.instanceId, options);
              if (answer.unreadable)
                return acceptedUnreadable('async-swap', answer.status, answer.unreadable);
              return { jobId: answer.jobId, summary: `async-swap accepted, job ${answer.jobId}` };
            }
            await api.swap(params.projectId, params.instanceId, options);
            // 204 carries no job id: find the swap job in the instance's task list (it may appear a little later).
            const jobId = await findSwapJobId(params, preflight).catch(() => undefined);
            return {
              jobId,
              summary: jobId
                ? `swap accepted (204), job ${jobId}`
                : 'swap accepted (204), job not listed yet',
            };
          },
        },
        { mayHaveSent, ambiguousSince },
        { now, requestTimeoutMs, lateAcceptanceWindowMs, lookIntervalMs },
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
          const found = progress.jobId ?? (await findSwapJobId(params, preflight));
          const jobId = found === unknownJobId ? undefined : found;
          if (!jobId) return observeInstance();
          let seen: Observation;
          try {
            seen = observeJob(await api.getJob(params.projectId, jobId));
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
          if (seen.state !== 'failed' || masterBefore === undefined) return seen;
          // The job says FAIL: did the master move all the same? A switch that moved is never `failed`.
          const master = await api.getMaster(params.projectId, params.instanceId);
          return master && master !== masterBefore
            ? { ...seen, moved: true, facts: { ...seen.facts, masterAfter: master } }
            : seen;
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
        if (now() >= settleBy && moved && masterBefore !== undefined) {
          // The switch happened (the master moved); the instance is busy with something else (a scheduled backup,
          // another operator's task) or not RUNNING yet. Switched, with a warning: never `failed`.
          return {
            ok: true,
            summary: `master moved ${masterBefore} → ${master}`,
            warning: `the instance is ${instance.status} with task ${instance.task ?? 'none'} after the switch`,
            facts,
          };
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
