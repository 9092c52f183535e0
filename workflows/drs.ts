import type { DrsPreflightState } from '../activities/drs/activities';
import { drsDefinition } from '../domain/catalog';
import type { DrsSwitchoverInput, DrsSwitchoverParams } from '../domain/inputs';
import type { SwitchoverOutcome } from '../domain/outcome';
import type { ServicePhases } from './activity-calls';
import { runSwitchover, settle } from './switchover';

/** The phase names of the service module, checked here against the phase contract. */
const drsPhases: ServicePhases<DrsSwitchoverParams, DrsPreflightState> = drsDefinition.phases;

/** DRS dual-virtual-IP switchover of one task. */
export async function drsVipSwitchover(input: DrsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(await runSwitchover({ service: drsDefinition, input, phases: drsPhases }));
}
