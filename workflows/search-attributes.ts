import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Never put account numbers, tokens or names here: search attributes are stored unencrypted.
export const PayoutIdKey = defineSearchAttributeKey('PayoutId', SearchAttributeType.KEYWORD);
export const PayoutStatusKey = defineSearchAttributeKey('PayoutStatus', SearchAttributeType.KEYWORD);
export const PayoutStepKey = defineSearchAttributeKey('PayoutStep', SearchAttributeType.KEYWORD);
export const Bank131SessionIdKey = defineSearchAttributeKey('Bank131SessionId', SearchAttributeType.KEYWORD);
export const PayoutAmountKey = defineSearchAttributeKey('PayoutAmount', SearchAttributeType.INT);

export const ALL_SEARCH_ATTRIBUTES = [
  PayoutIdKey,
  PayoutStatusKey,
  PayoutStepKey,
  Bank131SessionIdKey,
  PayoutAmountKey,
];

/** `Name=Type` pairs as `temporal server start-dev --search-attribute` and `temporal operator` expect them. */
export const SEARCH_ATTRIBUTE_CLI_ARGS: string[] = ALL_SEARCH_ATTRIBUTES.map(
  (key) => `${key.name}=${key.type === SearchAttributeType.INT ? 'Int' : 'Keyword'}`,
);
