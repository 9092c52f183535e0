import { dcsSwitchoverInputSchema, type DcsSwitchoverInput } from '../domain/inputs';
import type { SwitchoverOutcome } from '../domain/outcome';
import { runSwitchover, settle } from './switchover';

/** DCS (Redis) master/standby switchover of one `ha` instance. */
export async function dcsMasterStandbySwitchover(input: DcsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(
    await runSwitchover({
      kind: 'dcs',
      schema: dcsSwitchoverInputSchema,
      input,
      resourceOf: (params) => params.instanceId,
      resourceLabel: 'DCS instance',
      phases: { preflight: 'dcsPreflight', trigger: 'dcsTrigger', await: 'dcsAwaitSwap', verify: 'dcsVerify' },
    }),
  );
}
