/**
 * The custom search attributes must be registered on the namespace before any switchover starts (a start that
 * sets an unknown one fails with Temporal's bare "Failed to start Workflow"). The worker checks at start-up and
 * the client explains a failed start: which attributes are missing and the command that registers them.
 */
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../domain/search-attributes';

/** The one operator call used (NativeConnection and Connection both have it). */
interface OperatorService {
  listSearchAttributes(request: {
    namespace: string;
  }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
}

export class SearchAttributesMissingError extends Error {
  override name = 'SearchAttributesMissingError';
  constructor(
    readonly namespace: string,
    readonly missing: string[],
  ) {
    super(
      `the Temporal namespace '${namespace}' lacks the search attribute${missing.length === 1 ? '' : 's'} ` +
        `${missing.join(', ')} that switchovers set; register ${missing.length === 1 ? 'it' : 'them'} with:\n  ` +
        registerCommand(namespace, missing),
    );
  }
}

export function registerCommand(namespace: string, missing: string[]): string {
  const flags = SEARCH_ATTRIBUTE_REGISTRATIONS.filter((sa) => missing.includes(sa.name))
    .map((sa) => `--name ${sa.name} --type ${sa.type}`)
    .join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${flags}`;
}

/** The project's search attributes the namespace does not know. */
export async function missingSearchAttributes(
  operator: OperatorService,
  namespace: string,
): Promise<string[]> {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(customAttributes ?? {}));
  return SEARCH_ATTRIBUTE_REGISTRATIONS.map((sa) => sa.name).filter((name) => !known.has(name));
}

/**
 * Throws SearchAttributesMissingError when some are missing. When the server cannot be asked (no operator
 * permission, e.g. some cloud API keys), returns the reason instead, for a warning.
 */
export async function checkSearchAttributes(
  operator: OperatorService,
  namespace: string,
): Promise<{ checked: true } | { checked: false; reason: string }> {
  let missing: string[];
  try {
    missing = await missingSearchAttributes(operator, namespace);
  } catch (error) {
    return { checked: false, reason: error instanceof Error ? error.message : String(error) };
  }
  if (missing.length) throw new SearchAttributesMissingError(namespace, missing);
  return { checked: true };
}

/** After a failed start: the precise error when the cause is an unregistered search attribute, else undefined. */
export async function explainStartFailure(
  error: unknown,
  operator: OperatorService,
  namespace: string,
): Promise<SearchAttributesMissingError | undefined> {
  const text = `${(error as Error)?.message ?? ''} ${((error as { cause?: Error })?.cause?.message as string) ?? ''}`;
  if (!/search attribute/i.test(text)) return undefined;
  const missing = await missingSearchAttributes(operator, namespace).catch(() => undefined);
  if (missing?.length) return new SearchAttributesMissingError(namespace, missing);
  const named = /search attribute (\w+)/i.exec(text)?.[1];
  return named ? new SearchAttributesMissingError(namespace, [named]) : undefined;
}
