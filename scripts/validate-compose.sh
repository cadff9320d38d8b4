#!/usr/bin/env bash
# Validates docker-compose.yml with a compose tool's `config` (no Docker engine needed) using .env.example.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing docker-compose from Debian (validation only)..."
    apt-get update -qq && apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  else
    echo "error: no compose tool; install Debian's docker-compose package (or Docker's compose plugin)" >&2
    exit 1
  fi
fi
compose() { if command -v docker-compose >/dev/null 2>&1; then docker-compose "$@"; else docker compose "$@"; fi; }

# Secret files only need to exist for `config`; use throwaway placeholders when they do not.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in partner_private partner_public bank_private bank_public; do : >"$tmp/$name.pem"; done
export BANK131_PRIVATE_KEY_PATH="$tmp/partner_private.pem" BANK131_PUBLIC_KEY_PATH="$tmp/bank_public.pem"
export BANK131_PARTNER_PUBLIC_KEY_PATH="$tmp/partner_public.pem" SIMULATOR_BANK_PRIVATE_KEY_PATH="$tmp/bank_private.pem"

compose --env-file .env.example -f docker-compose.yml --profile simulator --profile observability config -q
compose --env-file .env.example -f docker-compose.yml --profile simulator --profile observability config --services | sort | tr '\n' ' '
echo
echo "docker-compose.yml is valid ($(compose version --short 2>/dev/null || compose version | head -1))"
