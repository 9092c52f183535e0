/**
 * The chaos suite (issue 13): N mixed switchovers against the simulator over real HTTP, on a Temporal dev server
 * with a SQLite file, run by several worker processes, while workers are SIGKILLed (also while a trigger is
 * held at the simulator), the dev server is kill -9'd and restarted, the audit store goes away for a while (the
 * JSONL file's directory, or the PostgreSQL server: ./audit.ts), the cloud's clock is offset, connections are
 * refused, a fault matrix is injected per resource, runs are cancelled and resources are started twice. Then it
 * checks the invariants against what the simulator accepted and what the audit store holds.
 */
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { AuditBackend } from '../../activities/audit/store';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  awaitOutcome,
  startSwitchover,
  SwitchoverAlreadyRunningError,
  type SwitchoverOutcome,
} from '../../client';
import { switchoverWorkflowId } from '../../domain/kinds';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { buildWorkflowBundle } from '../build-workflow-bundle';
import { pickFreePort } from '../dev-server';
import { openChaosAudit, recordKey, type ChaosAudit } from './audit';
import { makePlan, type ChaosPlan, type FaultKind, type GlobalEvent, type PlannedRun } from './plan';
import { alive, DevServer, sigkill, spawnWorker, stopGracefully, type WorkerSlot } from './processes';
import { Prng } from './prng';

export const PROJECT = 'c4a05e1f0b7d4e0c9a3f2b1d0e9c8a7b';

export interface ChaosOptions {
  runs: number;
  seed: number;
  workers: number;
  /** Runs start over this many ms. */
  spreadMs: number;
  requestTimeoutMs: number;
  runTimeoutSeconds: number;
  devServerKills: number;
  workerKills: number;
  auditOutageMs: number;
  audit: AuditBackend;
  verbose: boolean;
  keepDir: boolean;
}

export interface RunRecord {
  planned: PlannedRun;
  attempt: 'first' | 'twin' | 'rerun';
  workflowId: string;
  runId?: string;
  refusedByLock?: boolean;
  startError?: string;
  outcome?: SwitchoverOutcome;
  noOutcome?: string;
  cancelRequested?: boolean;
}

interface Counters {
  workerSigkills: number;
  holdKills: number;
  workerRestarts: number;
  unexpectedWorkerExits: number;
  devServerKills: number;
  auditOutages: number;
  clockOffsets: number;
  refusals: number;
  held: number;
  heldDropped: number;
  cancels: number;
  lockRefusals: number;
  startRetries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function log(verbose: boolean, t0: number, message: string): void {
  if (verbose) console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);
}

/** Runs the suite; whatever it started (workers, dev server, simulator, PostgreSQL) is stopped, also on failure. */
export async function runChaos(o: ChaosOptions): Promise<{ ok: boolean; report: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `chaos-${o.seed}-`));
  const started: Started = { slots: [] };
  // Ctrl-C or a kill: nothing of ours is left running (the postmaster is not in our process group).
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // Once: tsx relays the terminal's SIGINT, so it may arrive twice (a second one must not kill us mid-cleanup).
    if (signalled) return;
    signalled = true;
    console.error(`chaos: ${signal}: stopping workers, dev server and audit store`);
    for (const slot of started.slots) if (alive(slot.child)) slot.child.kill('SIGKILL');
    if (started.dev?.handle) process.kill(started.dev.handle.pid, 'SIGKILL');
    started.audit?.closeNow();
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    started.audit = await openChaosAudit(o.audit, dir, o.seed);
    return await runSuite(o, dir, started.audit, started);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all(started.slots.map((s) => stopGracefully(s.child, 5000)));
    await started.connection?.close().catch(() => undefined);
    await started.dev?.stop().catch(() => undefined);
    await started.sim?.close().catch(() => undefined);
    await started.audit?.close(o.keepDir).catch((error: unknown) => console.error(`chaos: ${String(error)}`));
    if (!o.keepDir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** What a run has started so far, for the teardown. */
interface Started {
  slots: WorkerSlot[];
  audit?: ChaosAudit;
  sim?: RunningSimulator;
  dev?: DevServer;
  connection?: Connection;
}

async function runSuite(
  o: ChaosOptions,
  dir: string,
  audit: ChaosAudit,
  started: Started,
): Promise<{ ok: boolean; report: string }> {
  const wallStart = Date.now();
  const plan: ChaosPlan = makePlan({
    runs: o.runs,
    seed: o.seed,
    workers: o.workers,
    projectId: PROJECT,
    spreadMs: o.spreadMs,
    requestTimeoutMs: o.requestTimeoutMs,
    runTimeoutSeconds: o.runTimeoutSeconds,
    devServerKills: o.devServerKills,
    auditOutageMs: o.auditOutageMs,
    workerKills: o.workerKills,
  });
  const counters: Counters = {
    workerSigkills: 0,
    holdKills: 0,
    workerRestarts: 0,
    unexpectedWorkerExits: 0,
    devServerKills: 0,
    auditOutages: 0,
    clockOffsets: 0,
    refusals: 0,
    held: 0,
    heldDropped: 0,
    cancels: 0,
    lockRefusals: 0,
    startRetries: 0,
  };

  console.log(
    `chaos: seed ${o.seed}, ${o.runs} runs over ${o.spreadMs / 1000}s, ${o.workers} workers, dir ${dir}, ` +
      `audit ${audit.backend} ${audit.where}`,
  );
  const { file: bundleFile } = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
  const sim: RunningSimulator = await startSimulator({ quiet: true });
  started.sim = sim;
  const dev = new DevServer(await pickFreePort(), path.join(dir, 'temporal.db'));
  started.dev = dev;
  await dev.start();
  const connection = await Connection.connect({ address: dev.address });
  started.connection = connection;
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = `chaos-${o.seed}`;
  const workerEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: dev.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    SWITCHOVER_CLOUD: 'simulator',
    SWITCHOVER_SIMULATOR_URL: sim.url,
    SWITCHOVER_AUTH_TOKEN: 'sim-token',
    SWITCHOVER_REQUEST_TIMEOUT_MS: String(o.requestTimeoutMs),
    ...audit.workerEnv,
    SWITCHOVER_WORKFLOW_BUNDLE: bundleFile,
  };

  // ---- workers ----
  let shuttingDown = false;
  const slots: WorkerSlot[] = Array.from({ length: o.workers }, (_, slot) => ({ slot, log: '', starts: 0 }));
  started.slots = slots;
  const restarting = new Set<number>();
  const startSlot = (slot: WorkerSlot) => {
    const child = spawnWorker(slot, workerEnv);
    child.once('exit', (code, signal) => {
      if (shuttingDown || signal === 'SIGKILL' || restarting.has(slot.slot)) return;
      // The worker died on its own (e.g. the dev server was gone too long): count it and start another.
      counters.unexpectedWorkerExits += 1;
      log(o.verbose, wallStart, `worker ${slot.slot} exited (${code ?? signal}); restarting`);
      void restartSlot(slot, 1000);
    });
  };
  const restartSlot = async (slot: WorkerSlot, afterMs: number) => {
    if (restarting.has(slot.slot)) return;
    restarting.add(slot.slot);
    try {
      await sigkill(slot.child);
      await sleep(afterMs);
      if (!shuttingDown) {
        startSlot(slot);
        counters.workerRestarts += 1;
      }
    } finally {
      restarting.delete(slot.slot);
    }
  };
  const killSlot = async (slot: WorkerSlot, restartAfterMs: number) => {
    if (!alive(slot.child) || restarting.has(slot.slot)) return;
    counters.workerSigkills += 1;
    await restartSlot(slot, restartAfterMs);
  };
  slots.forEach(startSlot);
  await Promise.all(
    slots.map(async (slot) => {
      const deadline = Date.now() + 120_000;
      while (!slot.log.includes('polling task queue')) {
        if (Date.now() > deadline)
          throw new Error(`worker ${slot.slot} did not start:\n${slot.log.slice(-2000)}`);
        await sleep(200);
      }
    }),
  );
  console.log(`chaos: ${o.workers} workers polling '${taskQueue}' on ${dev.address}; simulator ${sim.url}`);

  // ---- resources ----
  const preTriggers = new Map<string, number>();
  for (const run of plan.runs) {
    const id = run.resourceId;
    if (run.workflowKind === 'dcs')
      sim.control.createDcsInstance({ projectId: PROJECT, instanceId: id, ...run.setup });
    else if (run.workflowKind === 'dws')
      sim.control.createDwsDisasterRecovery({ projectId: PROJECT, drId: id, ...run.setup });
    else {
      sim.control.createDrsJob({
        projectId: PROJECT,
        jobId: id,
        behaviour: { switchMs: 0, result: run.earlierSwitch === 'FAIL' ? 'FAIL' : 'SUCCESS' },
      });
      if (run.earlierSwitch) {
        const res = await fetch(`${sim.url}/v3/${PROJECT}/jobs/${id}/switch-vip`, {
          method: 'POST',
          headers: { 'X-Auth-Token': 'sim-token', 'Content-Type': 'application/json' },
          body: JSON.stringify({ mode: 'target' }),
        });
        await res.text();
        preTriggers.set(id, 1);
      }
      sim.control.patchDrsJob(id, { behaviour: { result: 'SUCCESS', ...(run.setup.behaviour as object) } });
    }
    for (const spec of run.faultSpecs) sim.control.addFault(spec);
  }

  const t0 = Date.now();
  const hardDeadline = t0 + o.spreadMs + o.runTimeoutSeconds * 1000 + 240_000;

  // ---- held triggers: kill workers while they are held, then release ----
  const holdPrng = new Prng(o.seed).fork('holds');
  const seenHeld = new Set<string>();
  const holdTasks: Promise<void>[] = [];
  const holdLoop = (async () => {
    while (!shuttingDown) {
      for (const held of sim.control.heldRequests()) {
        if (seenHeld.has(held.id)) continue;
        seenHeld.add(held.id);
        counters.held += 1;
        const roll = holdPrng.next();
        const releaseAfter = holdPrng.int(...plan.holdKill.releaseAfterMs);
        const drop = holdPrng.chance(plan.holdKill.dropShare);
        const victim = holdPrng.int(0, slots.length - 1);
        holdTasks.push(
          (async () => {
            if (roll < plan.holdKill.killAll) {
              counters.holdKills += 1;
              log(o.verbose, wallStart, `held ${held.path}: SIGKILL all workers`);
              await Promise.all(slots.map((s) => killSlot(s, holdPrng.int(0, 3000))));
            } else if (roll < plan.holdKill.killAll + plan.holdKill.killOne) {
              counters.holdKills += 1;
              log(o.verbose, wallStart, `held ${held.path}: SIGKILL worker ${victim}`);
              await killSlot(slots[victim]!, holdPrng.int(0, 3000));
            }
            await sleep(releaseAfter);
            try {
              sim.control.releaseHeld({ id: held.id, apply: !drop });
              if (drop) counters.heldDropped += 1;
            } catch {
              // already released (simulator reset/close)
            }
          })(),
        );
      }
      await sleep(100);
    }
  })();

  // ---- global events ----
  /** Events that could not be carried out (e.g. the audit store did not come back): each fails the suite. */
  const eventErrors: string[] = [];
  const runEvent = async (event: GlobalEvent): Promise<void> => {
    switch (event.type) {
      case 'kill-worker':
        log(o.verbose, wallStart, `SIGKILL worker ${event.slot}`);
        await killSlot(slots[event.slot]!, event.restartAfterMs);
        return;
      case 'kill-dev-server':
        log(o.verbose, wallStart, `kill -9 dev server (down ${event.downMs} ms)`);
        counters.devServerKills += 1;
        await dev.restart(event.downMs);
        log(o.verbose, wallStart, 'dev server back');
        return;
      case 'audit-outage':
        log(o.verbose, wallStart, `audit outage (${audit.outageKind}) for ${event.downMs} ms`);
        counters.auditOutages += 1;
        await audit.outage(event.downMs);
        log(o.verbose, wallStart, 'audit store back');
        return;
      case 'clock-offset':
        counters.clockOffsets += 1;
        sim.control.setClockOffset(event.offsetMs);
        await sleep(event.forMs);
        sim.control.setClockOffset(0);
        return;
      case 'refuse-connections':
        counters.refusals += 1;
        await sim.control.refuseConnections(event.forMs);
        return;
    }
  };
  const eventTasks = plan.events.map(async (event: GlobalEvent) => {
    await sleep(Math.max(0, t0 + event.atMs - Date.now()));
    if (shuttingDown) return;
    try {
      await runEvent(event);
    } catch (error) {
      eventErrors.push(`event ${event.type} at +${event.atMs} ms failed: ${String(error)}`);
    }
  });

  // ---- runs ----
  const records: RunRecord[] = [];
  const cancelPrng = new Prng(o.seed).fork('cancel');
  void cancelPrng;

  const transient = (error: unknown) =>
    !(error instanceof SwitchoverAlreadyRunningError) && !(error instanceof WorkflowFailedError);

  const startRecord = async (rec: RunRecord): Promise<void> => {
    let hadTransient = false;
    for (;;) {
      try {
        const handle = await startSwitchover(client, rec.planned.workflowKind, rec.planned.input, {
          taskQueue,
        });
        rec.runId = handle.firstExecutionRunId;
        return;
      } catch (error) {
        if (error instanceof SwitchoverAlreadyRunningError) {
          const taken = records.some((r) => r !== rec && r.runId !== undefined && r.runId === error.runId);
          if (hadTransient && error.runId && !taken) {
            // Our earlier attempt reached the server before its answer was lost.
            rec.runId = error.runId;
            return;
          }
          rec.refusedByLock = true;
          counters.lockRefusals += 1;
          return;
        }
        if (!transient(error) || Date.now() > hardDeadline) {
          rec.startError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          return;
        }
        hadTransient = true;
        counters.startRetries += 1;
        await sleep(1000);
      }
    }
  };

  const collect = async (rec: RunRecord): Promise<void> => {
    const handle = client.workflow.getHandle(rec.workflowId, rec.runId);
    for (;;) {
      try {
        rec.outcome = await awaitOutcome(handle);
        return;
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          const cause = error.cause;
          rec.noOutcome = `workflow ended without a typed outcome: ${cause?.name ?? 'unknown'}: ${cause?.message ?? error.message}`;
          return;
        }
        if (Date.now() > hardDeadline) {
          rec.noOutcome = `no outcome by the suite's deadline (${error instanceof Error ? error.message : String(error)})`;
          return;
        }
        await sleep(1000);
      }
    }
  };

  const cancelLater = async (rec: RunRecord, afterMs: number): Promise<void> => {
    await sleep(afterMs);
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await client.workflow.getHandle(rec.workflowId, rec.runId).cancel();
        rec.cancelRequested = true;
        counters.cancels += 1;
        return;
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (name === 'WorkflowNotFoundError' || /already completed|not found/i.test(String(error))) return;
        await sleep(500);
      }
    }
  };

  const runOne = async (rec: RunRecord): Promise<void> => {
    records.push(rec);
    await startRecord(rec);
    if (!rec.runId) return;
    if (rec.attempt === 'first' && rec.planned.cancelAfterMs !== undefined) {
      void cancelLater(rec, rec.planned.cancelAfterMs);
    }
    await collect(rec);
  };

  const runTasks = plan.runs.map(async (run) => {
    await sleep(Math.max(0, t0 + run.startAtMs - Date.now()));
    const workflowId = switchoverWorkflowId(run.workflowKind, PROJECT, run.resourceId);
    const first: RunRecord = { planned: run, attempt: 'first', workflowId };
    if (run.twice === 'concurrent') {
      await Promise.all([runOne(first), runOne({ planned: run, attempt: 'twin', workflowId })]);
    } else {
      await runOne(first);
    }
    if (run.twice === 'rerun') await runOne({ planned: run, attempt: 'rerun', workflowId });
  });

  let progressTimer: NodeJS.Timeout | undefined;
  if (!o.verbose) {
    progressTimer = setInterval(() => {
      const done = records.filter((r) => r.outcome || r.noOutcome || r.refusedByLock || r.startError).length;
      console.log(
        `chaos: +${Math.round((Date.now() - t0) / 1000)}s ${done}/${records.length} started runs done, ` +
          `${counters.workerSigkills} worker kills, ${counters.devServerKills} dev server kills`,
      );
    }, 30_000);
  }
  await Promise.all(runTasks);
  const lastOutcomeAt = Date.now();
  // Late acceptances still pending at the simulator land within this time (accept-late waits at most
  // the request timeout + 15 s after arrival; every request arrived before its run ended).
  await sleep(Math.max(0, o.requestTimeoutMs + 16_000 - (Date.now() - lastOutcomeAt)));
  shuttingDown = true;
  if (progressTimer) clearInterval(progressTimer);
  await holdLoop;
  sim.control.releaseHeld({ apply: true });
  await Promise.all(holdTasks);
  await Promise.all(eventTasks);
  const wallMs = Date.now() - wallStart;

  // ---- analysis ----
  const analysis = analyse(plan, records, sim, preTriggers, await settledRecords(audit, records));
  analysis.violations.push(...eventErrors);
  const faultsApplied = new Map<string, number>();
  for (const r of sim.control.requests({})) {
    for (const f of r.fault?.split(',') ?? []) faultsApplied.set(f, (faultsApplied.get(f) ?? 0) + 1);
  }

  const report = formatReport(o, plan, records, counters, analysis, faultsApplied, wallMs, slots, audit);
  return { ok: analysis.violations.length === 0, report };
}

/**
 * The audit store's record counts, once every outcome's record is there or a minute has passed: a record the
 * store refused during an outage is retried with backoff (at most 30 s apart, workflows/record.ts), and a run
 * that waited its record time out hands it to a record workflow, so it may land after the run's outcome.
 */
async function settledRecords(audit: ChaosAudit, records: RunRecord[]): Promise<Map<string, number>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const counts = await audit.recordCounts();
    const missing = records.some((r) => r.outcome && !counts.has(recordKey(r)));
    if (!missing || Date.now() > deadline) return counts;
    await sleep(2000);
  }
}

// ---- invariants ----

export interface Analysis {
  violations: string[];
  outcomesByStatus: Record<string, number>;
  accepted: number;
  duplicates: number;
  lostRecords: number;
  duplicateRecords: number;
  misclassified: number;
  noOutcome: number;
  resourcesSwitchedMoreThanClaimed: number;
  failedWithoutTrigger: number;
  byFault: Map<FaultKind, { runs: number; violations: number }>;
}

/** What the simulator knows happened to a resource: switches completed, failed and unfinished. */
function truthOf(
  run: PlannedRun,
  sim: RunningSimulator,
): { succeeded: number; failed: number; unfinished: number } {
  if (run.workflowKind === 'dcs') {
    const jobs = sim.control.getDcsInstance(run.resourceId)?.jobs ?? [];
    return {
      succeeded: jobs.filter((j) => j.status === 'SUCCESS').length,
      failed: jobs.filter((j) => j.status === 'FAIL').length,
      unfinished: jobs.filter((j) => j.status === 'INIT' || j.status === 'RUNNING').length,
    };
  }
  if (run.workflowKind === 'dws') {
    const dr = sim.control.getDwsDisasterRecovery(run.resourceId);
    const events = dr?.events ?? [];
    return {
      succeeded: events.filter((e) => e.result === 'SUCCESS').length,
      failed: events.filter((e) => e.result === 'FAIL').length,
      unfinished: dr?.operation ? 1 : 0,
    };
  }
  const job = sim.control.getDrsJob(run.resourceId);
  const earlierSucceeded = run.earlierSwitch === 'SUCCESS' ? 1 : 0;
  return {
    succeeded: (job?.switchCount ?? 0) - earlierSucceeded,
    failed: 0,
    unfinished: job?.switchStatus === 'SWITCH_VIP_START' ? 1 : 0,
  };
}

export function analyse(
  plan: ChaosPlan,
  records: RunRecord[],
  sim: RunningSimulator,
  preTriggers: Map<string, number>,
  raw: Map<string, number>,
): Analysis {
  const violations: string[] = [];
  const outcomesByStatus: Record<string, number> = {};
  let accepted = 0;
  let duplicates = 0;
  let lostRecords = 0;
  let duplicateRecords = 0;
  let misclassified = 0;
  let noOutcome = 0;
  let switchedMore = 0;
  let failedWithoutTrigger = 0;
  const byFault = new Map<FaultKind, { runs: number; violations: number }>();

  for (const run of plan.runs) {
    const runs = records.filter((r) => r.planned === run && r.runId !== undefined);
    const where = `seed ${plan.seed} run ${run.index} ${run.kind} ${run.resourceId} (fault ${run.fault}${
      run.cancelAfterMs !== undefined ? `, cancel after ${run.cancelAfterMs} ms` : ''
    }${run.twice ? `, ${run.twice}` : ''})`;
    const before = violations.length;
    const acceptedHere =
      sim.control.acceptedTriggers({ resourceId: run.resourceId }).length -
      (preTriggers.get(run.resourceId) ?? 0);
    accepted += acceptedHere;

    for (const rec of runs) {
      if (!rec.outcome) {
        noOutcome += 1;
        violations.push(`${where}: ${rec.attempt} run ${rec.runId}: ${rec.noOutcome ?? 'no outcome'}`);
        continue;
      }
      const o = rec.outcome;
      outcomesByStatus[o.status] = (outcomesByStatus[o.status] ?? 0) + 1;
      const lines = raw.get(recordKey(rec)) ?? 0;
      if (lines === 0) {
        lostRecords += 1;
        violations.push(`${where}: outcome ${o.status} of run ${rec.runId} was never recorded`);
      } else if (lines > 1) {
        duplicateRecords += 1;
        violations.push(`${where}: outcome of run ${rec.runId} recorded ${lines} times`);
      }
      if (o.status === 'unknown' && o.message.trim().length < 10) {
        misclassified += 1;
        violations.push(`${where}: unknown without saying why: '${o.message}'`);
      }
      if (o.status === 'failed' && !o.triggered) failedWithoutTrigger += 1;
    }
    for (const rec of records.filter((r) => r.planned === run && r.startError)) {
      violations.push(`${where}: could not be started: ${rec.startError}`);
    }

    const outcomes = runs.map((r) => r.outcome).filter((x): x is SwitchoverOutcome => x !== undefined);
    const claims = outcomes.filter((x) => x.triggered).length;
    if (acceptedHere > claims) {
      switchedMore += 1;
      duplicates += acceptedHere - claims;
      violations.push(
        `${where}: the simulator accepted ${acceptedHere} trigger(s), runs claim ${claims} ` +
          `(outcomes: ${outcomes.map((x) => `${x.status}/triggered=${x.triggered}`).join(', ') || 'none'})`,
      );
    }
    const truth = truthOf(run, sim);
    const succeededRuns = outcomes.filter((x) => x.status === 'succeeded').length;
    if (succeededRuns > truth.succeeded) {
      misclassified += succeededRuns - truth.succeeded;
      violations.push(
        `${where}: ${succeededRuns} run(s) say succeeded, the simulator completed ${truth.succeeded} switch(es) ` +
          `(failed ${truth.failed}, unfinished ${truth.unfinished})`,
      );
    }
    const mayHaveMoved = outcomes.filter((x) =>
      ['succeeded', 'unknown', 'cancelled_after_trigger'].includes(x.status),
    ).length;
    if (truth.succeeded + truth.unfinished > mayHaveMoved) {
      misclassified += truth.succeeded + truth.unfinished - mayHaveMoved;
      violations.push(
        `${where}: the simulator switched ${truth.succeeded} time(s) (+${truth.unfinished} unfinished) but the ` +
          `outcomes say ${outcomes.map((x) => `${x.status}: ${x.message}`).join(' | ') || 'nothing'}`,
      );
    }
    const entry = byFault.get(run.fault) ?? { runs: 0, violations: 0 };
    entry.runs += 1;
    if (violations.length > before) entry.violations += 1;
    byFault.set(run.fault, entry);
  }
  return {
    violations,
    outcomesByStatus,
    accepted,
    duplicates,
    lostRecords,
    duplicateRecords,
    misclassified,
    noOutcome,
    resourcesSwitchedMoreThanClaimed: switchedMore,
    failedWithoutTrigger,
    byFault,
  };
}

// ---- report ----

function formatReport(
  o: ChaosOptions,
  plan: ChaosPlan,
  records: RunRecord[],
  c: Counters,
  a: Analysis,
  faultsApplied: Map<string, number>,
  wallMs: number,
  slots: WorkerSlot[],
  audit: ChaosAudit,
): string {
  const started = records.filter((r) => r.runId !== undefined).length;
  const rows: Array<[string, string | number]> = [
    ['seed', o.seed],
    ['planned switchovers (resources)', plan.runs.length],
    ['runs started (incl. twins and reruns)', started],
    ['  starts refused by the per-resource lock', c.lockRefusals],
    ['  start retries (server unreachable)', c.startRetries],
    ['cancels requested', c.cancels],
    ['worker SIGKILLs (total)', c.workerSigkills],
    ['  of which while a trigger was held', c.holdKills],
    ['worker restarts', c.workerRestarts],
    ['worker exits on their own', c.unexpectedWorkerExits],
    ['dev server kill -9 + restart', c.devServerKills],
    ['audit store', `${audit.backend} (${audit.where})`],
    [`audit store outages: ${audit.outageKind}, ${o.auditOutageMs / 1000} s`, c.auditOutages],
    [
      '  record attempts the store refused (worker logs)',
      slots.reduce((n, s) => n + (s.auditRefusals ?? 0), 0),
    ],
    [
      '  outcomes returned not recorded yet (recorded later)',
      records.filter((r) => r.outcome?.notRecorded).length,
    ],
    ['cloud clock offsets (±5 min)', c.clockOffsets],
    ['connection refusals', c.refusals],
    ['triggers held / dropped', `${c.held} / ${c.heldDropped}`],
    ['accepted triggers (simulator)', a.accepted],
    ['DUPLICATES (accepted > claimed)', a.duplicates],
    ['resources switched more than claimed', a.resourcesSwitchedMoreThanClaimed],
    ['LOST RECORDS', a.lostRecords],
    ['records written more than once', a.duplicateRecords],
    ['MISCLASSIFIED', a.misclassified],
    ['runs without a typed outcome', a.noOutcome],
    ["'failed' with triggered=false (issue 11: should be rejected)", a.failedWithoutTrigger],
    ['wall time', `${(wallMs / 1000).toFixed(0)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ['', '=== chaos figures ===', ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`)];
  lines.push('', 'outcomes by status:');
  for (const [status, n] of Object.entries(a.outcomesByStatus).sort())
    lines.push(`  ${status.padEnd(24)} ${n}`);
  const reasons = new Map<string, number>();
  for (const r of records) {
    if (!r.outcome || r.outcome.status === 'succeeded') continue;
    const text = `${r.outcome.status}: ${r.outcome.message}`
      .replace(/chaos-\d+-\d+-[a-z-]+/g, '<resource>')
      .replace(/[0-9a-f]{32}/g, '<id>')
      .slice(0, 160);
    reasons.set(text, (reasons.get(text) ?? 0) + 1);
  }
  lines.push('', 'outcomes other than succeeded, by message:');
  for (const [text, n] of [...reasons.entries()].sort((x, y) => y[1] - x[1]).slice(0, 15)) {
    lines.push(`  ${String(n).padStart(4)}  ${text}`);
  }
  lines.push('', 'faults planned (runs, runs with a violation) / applied per the request log:');
  const applied = (kind: FaultKind): string => {
    const type: Partial<Record<FaultKind, string>> = {
      'read-5xx-burst': 'status',
      'trigger-5xx': 'status',
      'throttle-storm': 'throttle',
      'reset-before': 'reset',
      'reset-after-accept': 'reset-after-accept',
      'latency-beyond-timeout': 'latency',
      'accept-late': 'accept-late',
      'accept-late-504': 'accept-late',
      'unreadable-2xx': 'replace-body',
      'malformed-json-read': 'malformed-json',
      'malformed-json-trigger': 'malformed-json',
      'unknown-enum': 'unknown-enum',
      'job-fail': 'job-fail',
      hold: 'hold',
    };
    const t = type[kind];
    return t ? `${t}: ${faultsApplied.get(t) ?? 0}` : '-';
  };
  for (const [kind, v] of [...a.byFault.entries()].sort()) {
    lines.push(
      `  ${kind.padEnd(24)} ${String(v.runs).padStart(4)} runs, ${String(v.violations).padStart(3)} with a violation   (${applied(kind)})`,
    );
  }
  if (a.violations.length) {
    lines.push(
      '',
      `INVARIANTS VIOLATED (${a.violations.length}); reproduce with --seed ${o.seed} --runs ${o.runs}:`,
    );
    for (const v of a.violations.slice(0, 60)) lines.push(`  - ${v}`);
    if (a.violations.length > 60) lines.push(`  ... ${a.violations.length - 60} more`);
  } else {
    lines.push('', 'all invariants hold');
  }
  if (o.verbose) {
    for (const s of slots)
      lines.push('', `--- worker ${s.slot} (started ${s.starts}x), log tail ---`, s.log.slice(-1500));
  }
  return lines.join('\n');
}
