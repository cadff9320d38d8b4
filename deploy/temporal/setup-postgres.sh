#!/usr/bin/env bash
# One-shot: create and migrate Temporal's two PostgreSQL schemas (run by the temporal-admin-tools service, and
# by `npm run cluster` with TEMPORAL_SQL_TOOL and SCHEMA_DIR pointing at its own build).
set -euo pipefail
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
TEMPORAL_SQL_TOOL="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) versioned="$SCHEMA_DIR/temporal/versioned" ;;
    temporal_visibility) versioned="$SCHEMA_DIR/visibility/versioned" ;;
  esac
  sql=("$TEMPORAL_SQL_TOOL" --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -pw "$POSTGRES_PWD" -p "$DB_PORT" --db "$db")
  # Only "already exists" (a re-run) is fine; anything else (no server, wrong password) stops here.
  if ! out=$("${sql[@]}" create 2>&1); then
    if ! printf '%s' "$out" | grep -q 'already exists'; then
      echo "error: creating database $db failed: $out" >&2
      exit 1
    fi
  fi
  "${sql[@]}" setup-schema -v 0.0
  "${sql[@]}" update-schema -d "$versioned"
done
echo "temporal schemas ready"
