import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes; registered wherever the project starts a Temporal server. */
export const SA_KIND = defineSearchAttributeKey('SwitchoverKind', SearchAttributeType.KEYWORD);
export const SA_PROJECT = defineSearchAttributeKey('SwitchoverProject', SearchAttributeType.KEYWORD);
export const SA_RESOURCE = defineSearchAttributeKey('SwitchoverResource', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('SwitchoverOutcome', SearchAttributeType.KEYWORD);
/**
 * `true` from the moment the switch may have been sent (set before the first trigger attempt), `false` again when
 * the trigger phase ended with nothing sent. The cooldown reads it from visibility, so a run that was terminated,
 * or whose record was lost, still counts once it may have switched. A keyword (`true`/`false`) like the others.
 */
export const SA_TRIGGERED = defineSearchAttributeKey('SwitchoverTriggered', SearchAttributeType.KEYWORD);

/** For `temporal server start-dev --search-attribute NAME=TYPE` and `temporal operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: ReadonlyArray<{ name: string; type: 'Keyword' }> = [
  SA_KIND,
  SA_PROJECT,
  SA_RESOURCE,
  SA_OUTCOME,
  SA_TRIGGERED,
].map((key) => ({ name: key.name, type: 'Keyword' as const }));
