import type { DcsPreflightState } from '../activities/dcs/activities';
import { dcsDefinition } from '../domain/catalog';
import type { DcsSwitchoverInput, DcsSwitchoverParams } from '../domain/inputs';
import type { SwitchoverOutcome } from '../domain/outcome';
import type { ServicePhases } from './activity-calls';
import { runSwitchover, settle } from './switchover';

/** The phase names of the service module, checked here against the phase contract. */
const dcsPhases: ServicePhases<DcsSwitchoverParams, DcsPreflightState> = dcsDefinition.phases;

/** DCS (Redis) master/standby switchover of one `ha` instance. */
export async function dcsMasterStandbySwitchover(input: DcsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(await runSwitchover({ service: dcsDefinition, input, phases: dcsPhases }));
}
