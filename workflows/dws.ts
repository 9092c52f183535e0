import type { DwsPreflightState } from '../activities/dws/activities';
import { dwsDefinition } from '../domain/catalog';
import type { DwsSwitchoverInput, DwsSwitchoverParams } from '../domain/inputs';
import type { SwitchoverOutcome } from '../domain/outcome';
import type { ServicePhases } from './activity-calls';
import { runSwitchover, settle } from './switchover';

/** The phase names of the service module, checked here against the phase contract. */
const dwsPhases: ServicePhases<DwsSwitchoverParams, DwsPreflightState> = dwsDefinition.phases;

/** DWS disaster-recovery planned switchover or exception failover. */
export async function dwsDisasterRecoverySwitchover(input: DwsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(await runSwitchover({ service: dwsDefinition, input, phases: dwsPhases }));
}
