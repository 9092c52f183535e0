/**
 * A deliberately changed copy of the workflows, for test/unit/replay.test.ts to prove that replaying the recorded
 * histories catches a change: the DCS switchover now waits a second before it starts, which adds a timer the
 * recorded histories do not have. The kind of change that, deployed without `patched()`, breaks every DCS
 * switchover running at the time. Everything else is the current code.
 */
import { sleep } from '@temporalio/workflow';
import type { DcsSwitchoverInput } from '../../domain/inputs';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { dcsMasterStandbySwitchover as currentDcsSwitchover } from '../../workflows/dcs';

export * from '../../workflows';

export async function dcsMasterStandbySwitchover(input: DcsSwitchoverInput): Promise<SwitchoverOutcome> {
  await sleep('1 second');
  return currentDcsSwitchover(input);
}
