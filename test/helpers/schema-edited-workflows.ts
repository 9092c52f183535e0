/**
 * A copy of the workflows whose DCS input schema gained a required field (`changeTicket`), for
 * test/unit/replay.test.ts to prove that replay is decoupled from schema edits: runs recorded since the input is
 * parsed in a local activity (PATCHES.validateInLocalActivity) replay with the params in their history; runs from
 * before it re-parse inline and fail with the edited schema. Everything else is the current code.
 */
import { z } from 'zod';
import type { DcsPreflightState } from '../../activities/dcs/activities';
import { dcsDefinition } from '../../domain/catalog';
import type { DcsSwitchoverInput, DcsSwitchoverParams } from '../../domain/inputs';
import type { SwitchoverOutcome } from '../../domain/outcome';
import type { ServicePhases } from '../../workflows/activity-calls';
import { runSwitchover, settle } from '../../workflows/switchover';

export * from '../../workflows';

const dcsPhases: ServicePhases<DcsSwitchoverParams, DcsPreflightState> = {
  preflight: 'dcsPreflight',
  trigger: 'dcsTrigger',
  await: 'dcsAwaitSwap',
  verify: 'dcsVerify',
};

const editedSchema = z.looseObject({ changeTicket: z.string({ error: 'changeTicket is required' }) });

export async function dcsMasterStandbySwitchover(input: DcsSwitchoverInput): Promise<SwitchoverOutcome> {
  return settle(
    await runSwitchover({
      service: { ...dcsDefinition, schema: editedSchema as unknown as typeof dcsDefinition.schema },
      input,
      phases: dcsPhases,
    }),
  );
}
