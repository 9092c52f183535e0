/**
 * Parsing a workflow input with its schema, and the error naming each bad field. Zod-free at run time (types
 * only), so the workflow bundle can import it without evaluating zod (services/definition.ts, `inputSchemas`).
 */
import type { z } from 'zod';

/** Turns zod issues into one clear message naming each field and its rule. */
export function describeInputIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : '(input)';
      if (issue.code === 'unrecognized_keys') return `${field}: unknown field(s) ${issue.keys.join(', ')}`;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

export class InputValidationError extends Error {
  constructor(
    readonly workflowType: string,
    readonly issues: string,
  ) {
    super(`invalid ${workflowType} input: ${issues}`);
    this.name = 'InputValidationError';
  }
}

export function parseInput<S extends z.ZodType>(
  workflowType: string,
  schema: S,
  input: unknown,
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InputValidationError(workflowType, describeInputIssues(result.error));
  return result.data;
}
