import { dwsDefinition } from '../domain/catalog';
import type { DwsSwitchoverInput } from '../domain/inputs';
import type { SwitchoverOutcome } from '../domain/outcome';
import { runSwitchover, settle } from './switchover';

/** DWS disaster-recovery planned switchover or exception failover. */
export async function dwsDisasterRecoverySwitchover(input: DwsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(
    await runSwitchover({
      ...dwsDefinition,
      input,
      phases: {
        preflight: 'dwsPreflight',
        trigger: 'dwsTrigger',
        await: 'dwsAwaitSwitch',
        verify: 'dwsVerify',
      },
    }),
  );
}
