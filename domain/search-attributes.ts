import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes; registered wherever the project starts a Temporal server. */
export const SA_KIND = defineSearchAttributeKey('SwitchoverKind', SearchAttributeType.KEYWORD);
export const SA_PROJECT = defineSearchAttributeKey('SwitchoverProject', SearchAttributeType.KEYWORD);
export const SA_RESOURCE = defineSearchAttributeKey('SwitchoverResource', SearchAttributeType.KEYWORD);
export const SA_OUTCOME = defineSearchAttributeKey('SwitchoverOutcome', SearchAttributeType.KEYWORD);

/** For `temporal server start-dev --search-attribute NAME=TYPE` and `temporal operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: ReadonlyArray<{ name: string; type: 'Keyword' }> = [
  SA_KIND,
  SA_PROJECT,
  SA_RESOURCE,
  SA_OUTCOME,
].map((key) => ({ name: key.name, type: 'Keyword' as const }));
