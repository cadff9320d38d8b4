#!/usr/bin/env bash
# One-shot: create and migrate Temporal's two PostgreSQL schemas (run by the temporal-admin-tools service).
set -euo pipefail
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) versioned="$SCHEMA_DIR/temporal/versioned" ;;
    temporal_visibility) versioned="$SCHEMA_DIR/visibility/versioned" ;;
  esac
  sql=(temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -pw "$POSTGRES_PWD" -p "$DB_PORT" --db "$db")
  "${sql[@]}" create || true # already exists on a re-run
  "${sql[@]}" setup-schema -v 0.0
  "${sql[@]}" update-schema -d "$versioned"
done
echo "temporal schemas ready"
