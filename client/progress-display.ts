/**
 * Live progress of a plan on the terminal: on a TTY a block redrawn in place (stage, counts, running steps with
 * their phase and last cloud status, the last finished steps); when piped, plain lines, one per event (stage
 * entered, step started, step finished, approval awaited), nothing redrawn.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PlanProgress, PlanStepReport } from '../domain/plan';
import type { SwitchoverProgress } from '../workflows/switchover';

export interface PlanDisplay {
  /** The latest progress, and the progress of (some of) its running steps by workflow ID. */
  update(progress: PlanProgress, steps?: Map<string, SwitchoverProgress>): void;
  /** Leaves the last frame on screen (TTY) and stops drawing. */
  close(): void;
}

const ICON: Record<string, string> = {
  succeeded: '✓',
  dry_run: '○',
  skipped: '·',
  rejected: '✗',
  failed: '✗',
  unknown: '?',
  cancelled: '⊘',
  cancelled_after_trigger: '⊘',
  approval_timed_out: '✗',
};

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`;
}

function counts(progress: PlanProgress): string {
  return (
    Object.entries(progress.counts)
      .map(([status, n]) => `${status} ${n}`)
      .join(', ') || 'none yet'
  );
}

export function stepLine(step: PlanStepReport): string {
  const verdict =
    step.status === 'dry_run'
      ? step.wouldProceed
        ? 'dry run: would proceed'
        : 'dry run: WOULD BE REFUSED'
      : step.status;
  return `${ICON[step.status] ?? '-'} ${verdict} ${step.kind} ${step.resourceId} [${step.stage}]${step.durationMs !== undefined ? ` ${seconds(step.durationMs)}` : ''}: ${step.message.replace(/^dry run: /, '')}`;
}

function stageText(progress: PlanProgress): string {
  return progress.stage
    ? `stage ${progress.stage.index + 1}/${progress.stages} '${progress.stage.name}' (parallelism ${progress.stage.parallelism})`
    : `${progress.stages} stages`;
}

/** The redrawn block for a terminal. */
export function renderFrame(
  progress: PlanProgress,
  steps: Map<string, SwitchoverProgress> = new Map(),
  now = Date.now(),
  width = 120,
): string[] {
  const cut = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
  const elapsed = seconds(now - Date.parse(progress.startedAt));
  const lines = [
    `Plan ${progress.plan}${progress.reverse ? ' (reverse)' : ''}${progress.dryRun ? ' [DRY RUN]' : ''}  ${progress.status.toUpperCase()}  ${stageText(progress)}  ${elapsed}`,
    `  steps ${progress.done}/${progress.totalSteps} done: ${counts(progress)}`,
  ];
  if (progress.status === 'waiting_for_approval') {
    lines.push(`  ⏸ waiting for approval of ${progress.waitingFor} until ${progress.approvalUntil}`);
  }
  if (progress.running.length) {
    lines.push(`  running (${progress.running.length}):`);
    for (const r of progress.running.slice(0, 8)) {
      const p = steps.get(r.workflowId);
      const detail = p
        ? `${p.phase}${p.lastCloudStatus ? `, last cloud status ${p.lastCloudStatus} (${p.polls} polls)` : ''}`
        : 'starting';
      lines.push(`    ▸ ${r.label}  ${detail}  ${seconds(now - Date.parse(r.startedAt))}`);
    }
    if (progress.running.length > 8) lines.push(`    ... and ${progress.running.length - 8} more`);
  }
  const recent = progress.recent.slice(-5);
  if (recent.length) {
    lines.push('  last finished:');
    for (const step of recent) lines.push(`    ${stepLine(step)}`);
  }
  if (progress.message) lines.push(`  ${progress.message}`);
  return lines.map(cut);
}

export function createPlanDisplay(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
): PlanDisplay {
  return stream.isTTY ? ttyDisplay(stream) : lineDisplay(stream);
}

function ttyDisplay(stream: NodeJS.WritableStream & { columns?: number }): PlanDisplay {
  let drawn = 0;
  let closed = false;
  return {
    update(progress, steps) {
      if (closed) return;
      const lines = renderFrame(progress, steps, Date.now(), Math.max(40, (stream.columns ?? 120) - 1));
      // Up to the first line of the last frame, clear to the end of the screen, draw the new frame.
      stream.write(`${drawn ? `\x1b[${drawn}F` : ''}\x1b[0J${lines.join('\n')}\n`);
      drawn = lines.length;
    },
    close() {
      closed = true;
    },
  };
}

function lineDisplay(stream: NodeJS.WritableStream): PlanDisplay {
  let lastStatus = '';
  let lastStage = -1;
  let lastDone = -1;
  const running = new Set<string>();
  const print = (line: string) => stream.write(`${new Date().toISOString()} ${line}\n`);
  return {
    update(progress) {
      if (lastDone === -1) {
        print(
          `plan ${progress.plan}${progress.reverse ? ' (reverse)' : ''}${progress.dryRun ? ' [DRY RUN]' : ''}: ${progress.stages} stages, ${progress.totalSteps} steps`,
        );
        lastDone = 0;
      }
      if (progress.stage && progress.stage.index !== lastStage) {
        lastStage = progress.stage.index;
        print(stageText(progress));
      }
      for (const r of progress.running) {
        if (!running.has(r.workflowId)) print(`▸ started ${r.label} (${r.workflowId})`);
      }
      running.clear();
      for (const r of progress.running) running.add(r.workflowId);
      if (progress.done > lastDone) {
        const fresh = progress.done - lastDone;
        const shown = progress.recent.slice(-fresh);
        if (fresh > shown.length) print(`... ${fresh - shown.length} more steps finished`);
        for (const step of shown) print(stepLine(step));
        print(`steps ${progress.done}/${progress.totalSteps} done: ${counts(progress)}`);
        lastDone = progress.done;
      }
      if (progress.status !== lastStatus && progress.status !== 'running') {
        print(
          progress.status === 'waiting_for_approval'
            ? `waiting for approval of ${progress.waitingFor} until ${progress.approvalUntil}`
            : `plan ${progress.status}${progress.message ? `: ${progress.message}` : ''}`,
        );
      }
      lastStatus = progress.status;
    },
    close() {},
  };
}

/** One line of a single switchover's progress: phase, polls, last cloud status. */
export function switchoverLine(workflowId: string, p: SwitchoverProgress): string {
  return [
    `${workflowId}: ${p.phase}`,
    p.preflight && p.phase === 'preflight' ? p.preflight : '',
    p.jobId ? `job ${p.jobId}` : '',
    p.lastCloudStatus ? `last cloud status ${p.lastCloudStatus} (${p.polls} polls)` : '',
    p.phase === 'approval' && p.approvalUntil ? `waiting for approval until ${p.approvalUntil}` : '',
    p.phase === 'scheduled' && p.scheduledFor ? `scheduled for ${p.scheduledFor}` : '',
    p.outcome ? `outcome ${p.outcome}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * Follows a single switchover until `done` settles: on a TTY one line rewritten in place, piped one line per
 * change. `progress` reads the workflow's `progress` query (errors are skipped: the next poll tries again).
 */
export async function followSwitchover(
  workflowId: string,
  progress: () => Promise<SwitchoverProgress>,
  done: Promise<unknown>,
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stdout,
): Promise<void> {
  let finished = false;
  done.then(
    () => (finished = true),
    () => (finished = true),
  );
  let last = '';
  while (!finished) {
    const p = await progress().catch(() => undefined);
    if (p) {
      const line = switchoverLine(workflowId, p);
      if (stream.isTTY) {
        const width = Math.max(40, (stream.columns ?? 120) - 1);
        stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      } else if (line !== last) {
        stream.write(`${new Date().toISOString()} ${line}\n`);
      }
      last = line;
    }
    await Promise.race([
      done.catch(() => undefined),
      new Promise((r) => setTimeout(r, stream.isTTY ? 500 : 1000)),
    ]);
  }
  if (stream.isTTY && last) stream.write('\n');
}

/**
 * The await activity's last heartbeat (polls, last cloud status, job), which the server keeps with the pending
 * activity: during a long await the `progress` query has nothing newer. Heartbeats reach the server at most
 * every ~16 s (the SDK throttles them), so this can lag that much.
 */
export async function awaitHeartbeat(
  handle: WorkflowHandle,
): Promise<Pick<SwitchoverProgress, 'polls' | 'lastCloudStatus' | 'jobId'> | undefined> {
  const description = await handle.describe();
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    const details = defaultPayloadConverter.fromPayload<{
      polls?: number;
      lastCloudStatus?: string;
      jobId?: string;
    }>(payload);
    if (details && typeof details.polls === 'number') {
      return { polls: details.polls, lastCloudStatus: details.lastCloudStatus, jobId: details.jobId };
    }
  }
  return undefined;
}

/** The `progress` query, completed during the await phase with the await activity's last heartbeat. */
export async function liveSwitchoverProgress(
  handle: WorkflowHandle,
  query: () => Promise<SwitchoverProgress>,
): Promise<SwitchoverProgress> {
  const progress = await query();
  if (progress.phase !== 'await' || progress.lastCloudStatus) return progress;
  const beat = await awaitHeartbeat(handle).catch(() => undefined);
  return beat ? { ...progress, ...beat, jobId: beat.jobId ?? progress.jobId } : progress;
}
