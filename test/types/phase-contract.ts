/**
 * Type-level tests of the workflow/activity seam, checked by `npm run typecheck` (never executed). Each
 * `@ts-expect-error` fails the typecheck if the line below it stops being an error, so the compiler provably
 * catches a misspelt phase name, another service's activity, and a wrong activity argument.
 */
import type { DcsPreflightState } from '../../activities/dcs/activities';
import type { DwsPreflightState } from '../../activities/dws/activities';
import type { DcsSwitchoverParams, DwsSwitchoverParams } from '../../domain/inputs';
import type { SwitchoverOutcome } from '../../domain/outcome';
import { activities, type ServicePhases } from '../../workflows/activity-calls';

export const dcsPhases: ServicePhases<DcsSwitchoverParams, DcsPreflightState> = {
  preflight: 'dcsPreflight',
  // @ts-expect-error a misspelt phase name is not a registered activity
  trigger: 'dcsTriger',
  await: 'dcsAwaitSwap',
  verify: 'dcsVerify',
};

export const mixedPhases: ServicePhases<DwsSwitchoverParams, DwsPreflightState> = {
  preflight: 'dwsPreflight',
  trigger: 'dwsTrigger',
  // @ts-expect-error another service's activity does not take this service's arguments
  await: 'dcsAwaitSwap',
  // @ts-expect-error an activity of another phase does not fulfil this phase's contract
  verify: 'dwsAwaitSwitch',
};

export async function wrongArgument(outcome: SwitchoverOutcome): Promise<void> {
  const { recordOutcome, switchoverPolicy } = activities({ startToCloseTimeout: '1s' });
  await recordOutcome(outcome);
  // @ts-expect-error recordOutcome takes an outcome, not its id
  await recordOutcome(outcome.workflowId);
  // @ts-expect-error the policy question needs the resource's identity
  await switchoverPolicy({ kind: 'dcs' });
}
