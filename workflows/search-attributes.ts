import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Never put account numbers, tokens or names here: search attributes are stored unencrypted.
export const PayoutIdKey = defineSearchAttributeKey('PayoutId', SearchAttributeType.KEYWORD);
export const PayoutStatusKey = defineSearchAttributeKey('PayoutStatus', SearchAttributeType.KEYWORD);
export const PayoutStepKey = defineSearchAttributeKey('PayoutStep', SearchAttributeType.KEYWORD);
export const Bank131SessionIdKey = defineSearchAttributeKey('Bank131SessionId', SearchAttributeType.KEYWORD);
export const PayoutAmountKey = defineSearchAttributeKey('PayoutAmount', SearchAttributeType.INT);
/** Set (true) only by the returns workflow, once a return is attached to the payout. */
export const PayoutReturnedKey = defineSearchAttributeKey('PayoutReturned', SearchAttributeType.BOOL);

export const ALL_SEARCH_ATTRIBUTES = [
  PayoutIdKey,
  PayoutStatusKey,
  PayoutStepKey,
  Bank131SessionIdKey,
  PayoutAmountKey,
  PayoutReturnedKey,
];

const CLI_TYPE_NAMES: Partial<Record<SearchAttributeType, string>> = {
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.BOOL]: 'Bool',
};

/** `Name=Type` pairs as `temporal server start-dev --search-attribute` and `temporal operator` expect them. */
export const SEARCH_ATTRIBUTE_CLI_ARGS: string[] = ALL_SEARCH_ATTRIBUTES.map(
  (key) => `${key.name}=${CLI_TYPE_NAMES[key.type] ?? 'Keyword'}`,
);
