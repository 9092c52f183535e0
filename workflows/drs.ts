import { drsDefinition } from '../domain/catalog';
import type { DrsSwitchoverInput } from '../domain/inputs';
import type { SwitchoverOutcome } from '../domain/outcome';
import { runSwitchover, settle } from './switchover';

/** DRS dual-virtual-IP switchover of one task. */
export async function drsVipSwitchover(input: DrsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(
    await runSwitchover({
      ...drsDefinition,
      input,
      phases: { preflight: 'drsPreflight', trigger: 'drsTrigger', await: 'drsAwaitVip', verify: 'drsVerify' },
    }),
  );
}
