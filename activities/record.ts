import { Context } from '@temporalio/activity';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SwitchoverOutcome } from '../domain/outcome';

export interface RecordDeps {
  /** Append-only JSON Lines file, one outcome per workflow run. */
  auditFile: string;
}

/** Reads every outcome in the audit file (skipping a torn last line left by a crash mid-write). */
export async function readAuditFile(auditFile: string): Promise<SwitchoverOutcome[]> {
  let text: string;
  try {
    text = await fs.readFile(auditFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const outcomes: SwitchoverOutcome[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      outcomes.push(JSON.parse(line) as SwitchoverOutcome);
    } catch {
      // A partial line from an interrupted append; the retried activity writes the record again.
    }
  }
  return outcomes;
}

/** The record phase: the outcome goes to the audit store exactly once per workflow run, even when retried. */
export function createRecordActivities({ auditFile }: RecordDeps) {
  return {
    async recordOutcome(outcome: SwitchoverOutcome): Promise<void> {
      const log = Context.current().log;
      const existing = await readAuditFile(auditFile);
      if (existing.some((r) => r.workflowId === outcome.workflowId && r.runId === outcome.runId)) {
        log.info('outcome already recorded', { workflowId: outcome.workflowId, runId: outcome.runId });
        return;
      }
      await fs.mkdir(path.dirname(auditFile), { recursive: true });
      const handle = await fs.open(auditFile, 'a');
      try {
        await handle.appendFile(`${JSON.stringify(outcome)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      log.info('switchover outcome recorded', {
        workflowId: outcome.workflowId,
        status: outcome.status,
        message: outcome.message,
      });
    },
  };
}
