#!/usr/bin/env bash
# One-shot: create the namespace and our custom search attributes (run by temporal-create-namespace).
set -euo pipefail
: "${TEMPORAL_ADDRESS:?}"
NAMESPACE="${DEFAULT_NAMESPACE:-default}"
MAX_ATTEMPTS="${MAX_ATTEMPTS:-30}"

for attempt in $(seq 1 "$MAX_ATTEMPTS"); do
  if temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then break; fi
  if [ "$attempt" -eq "$MAX_ATTEMPTS" ]; then
    echo "temporal at $TEMPORAL_ADDRESS not healthy after $MAX_ATTEMPTS attempts" >&2
    exit 1
  fi
  sleep 2
done

temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$NAMESPACE" --retention 30d --address "$TEMPORAL_ADDRESS"

# Keep in step with workflows/search-attributes.ts (checked by test/unit/compose.test.ts).
for attribute in PayoutId=Keyword PayoutStatus=Keyword PayoutStep=Keyword Bank131SessionId=Keyword PayoutAmount=Int PayoutReturned=Bool; do
  name="${attribute%%=*}"
  type="${attribute##*=}"
  temporal operator search-attribute create -n "$NAMESPACE" --name "$name" --type "$type" --address "$TEMPORAL_ADDRESS" 2>/dev/null ||
    echo "search attribute $name exists"
done
echo "namespace $NAMESPACE ready"
