import { dcsDefinition } from '../domain/catalog';
import type { DcsSwitchoverInput } from '../domain/inputs';
import type { SwitchoverOutcome } from '../domain/outcome';
import { runSwitchover, settle } from './switchover';

/** DCS (Redis) master/standby switchover of one `ha` instance. */
export async function dcsMasterStandbySwitchover(input: DcsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(
    await runSwitchover({
      ...dcsDefinition,
      input,
      phases: {
        preflight: 'dcsPreflight',
        trigger: 'dcsTrigger',
        await: 'dcsAwaitSwap',
        verify: 'dcsVerify',
      },
    }),
  );
}
