import { ApplicationFailure } from '@temporalio/common';
import { SWITCHOVER_DEFINITIONS } from '../domain/catalog';
import { INVALID_INPUT } from '../domain/failures';
import { InputValidationError, parseInput } from '../domain/inputs';
import type { SwitchoverKind } from '../domain/kinds';

/**
 * Input validation as a local activity: the parsed params land in the history (a marker), so a run replays with
 * the params it was started with, whatever the schema has become since (a schema edit cannot break replay).
 */
export function createValidateActivities() {
  return {
    async validateSwitchoverInput({
      kind,
      input,
    }: {
      kind: SwitchoverKind;
      input: unknown;
    }): Promise<unknown> {
      const definition = SWITCHOVER_DEFINITIONS[kind];
      try {
        return parseInput(definition.workflowType, definition.schema, input);
      } catch (error) {
        if (error instanceof InputValidationError)
          throw ApplicationFailure.nonRetryable(error.message, INVALID_INPUT);
        throw error;
      }
    },
  };
}
