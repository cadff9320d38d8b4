#!/usr/bin/env bash
# One-shot: create the namespace and our custom search attributes (run by temporal-create-namespace, and by
# `npm run cluster` with TEMPORAL_CLI pointing at our CLI build). Fails unless every attribute really exists.
set -euo pipefail
: "${TEMPORAL_ADDRESS:?}"
NAMESPACE="${DEFAULT_NAMESPACE:-default}"
MAX_ATTEMPTS="${MAX_ATTEMPTS:-30}"
RETRY_SECONDS="${RETRY_SECONDS:-2}"
TEMPORAL_CLI="${TEMPORAL_CLI:-temporal}"
op() { "$TEMPORAL_CLI" operator "$@" --address "$TEMPORAL_ADDRESS"; }

# Name=Type pairs. The default is workflows/search-attributes.ts's SEARCH_ATTRIBUTE_CLI_ARGS (kept in step by
# test/unit/compose.test.ts); `npm run cluster` passes that list itself.
ATTRIBUTES="${SEARCH_ATTRIBUTES:-PayoutId=Keyword PayoutStatus=Keyword PayoutStep=Keyword Bank131SessionId=Keyword PayoutAmount=Int PayoutReturned=Bool}"

# Runs "$@" until it succeeds; prints its last error and returns 1 after MAX_ATTEMPTS.
retry() {
  local what="$1" out attempt
  shift
  for attempt in $(seq 1 "$MAX_ATTEMPTS"); do
    if out=$("$@" 2>&1); then return 0; fi
    if [ "$attempt" -eq "$MAX_ATTEMPTS" ]; then
      echo "error: $what failed after $MAX_ATTEMPTS attempts: $out" >&2
      return 1
    fi
    echo "waiting: $what (attempt $attempt): $(printf '%s' "$out" | tail -n 1)"
    sleep "$RETRY_SECONDS"
  done
}

retry "health check of temporal at $TEMPORAL_ADDRESS" op cluster health
echo "temporal at $TEMPORAL_ADDRESS is healthy"

if op namespace describe -n "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  # A concurrent creator may win: then create fails with "already exists" and describe below still passes.
  op namespace create -n "$NAMESPACE" --retention 30d || true
fi
# Every frontend (and its namespace cache) must know the namespace before attributes can be added to it.
retry "namespace $NAMESPACE to become visible" op namespace describe -n "$NAMESPACE"

# What exists before we start: only attributes created now need the wait at the end.
existing=$(op search-attribute list -n "$NAMESPACE" -o json 2>/dev/null || true)
created=0
for attribute in $ATTRIBUTES; do
  name="${attribute%%=*}"
  type="${attribute##*=}"
  if ! printf '%s' "$existing" | grep -q "\"$name\":"; then created=$((created + 1)); fi
  # Creating an existing attribute of the same type succeeds; "Namespace ... is not found" right after the
  # namespace was created is retried.
  retry "creating search attribute $name ($type) in $NAMESPACE" \
    op search-attribute create -n "$NAMESPACE" --name "$name" --type "$type"
done

# Check, never assume: every attribute must be listed with its type. Also builds a query naming each (below).
listed=$(op search-attribute list -n "$NAMESPACE" -o json)
missing=()
query=""
for attribute in $ATTRIBUTES; do
  name="${attribute%%=*}"
  type=$(printf '%s' "${attribute##*=}" | tr '[:lower:]' '[:upper:]')
  if printf '%s' "$listed" | grep -q "\"$name\": *\"INDEXED_VALUE_TYPE_$type\""; then
    echo "search attribute $name ($type) exists"
  else
    missing+=("$name=$type")
  fi
  case "$type" in
    INT | DOUBLE) value=0 ;;
    BOOL) value=true ;;
    DATETIME) value="'2000-01-01T00:00:00Z'" ;;
    *) value="'setup-probe'" ;;
  esac
  query="${query:+$query AND }$name = $value"
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "error: search attributes missing in namespace $NAMESPACE after setup: ${missing[*]}" >&2
  echo "$listed" >&2
  exit 1
fi

# Each service reads a namespace's attributes from its namespace cache, refreshed every
# system.namespaceCacheRefreshInterval (2 s by default): the dynamic config leaves out the testing-only
# system.forceSearchAttributesCacheRefreshOnRead, which would read them from the database on every use instead.
# So new attributes are usable once the frontend accepts a query naming each of them, and everywhere one
# refresh later.
if [ "$created" -gt 0 ]; then
  retry "search attributes usable in $NAMESPACE" \
    "$TEMPORAL_CLI" workflow count -n "$NAMESPACE" --query "$query" --address "$TEMPORAL_ADDRESS"
  sleep "${NAMESPACE_CACHE_REFRESH_SECONDS:-3}"
  echo "search attributes usable in $NAMESPACE ($created new)"
fi
echo "namespace $NAMESPACE ready"
