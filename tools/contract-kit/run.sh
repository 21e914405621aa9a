#!/usr/bin/env bash
# Starts coopgate in the dev profile (a throw-away SQLite database, demo data
# seeded at start, the built-in development JWT key, a free port), waits for
# /healthz, mints an admin's and an officer's token with `coopgate token`,
# runs the contract test kit against it and stops it. Fails when any check
# fails.  Usage: tools/contract-kit/run.sh [BINARY]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/target/debug/coopgate}"
[ -x "$bin" ] || { echo "no coopgate binary at $bin (run the tests first: cargo test --workspace --no-run)" >&2; exit 1; }

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/kit.db?mode=rwc" COOPGATE_PROFILE=dev COOPGATE_LOG_FORMAT=text RUST_LOG=info
unset COOPGATE_JWT_HS256_SECRET COOPGATE_JWT_PUBLIC_KEY_FILE COOPGATE_JWT_ISSUER COOPGATE_JWT_AUDIENCE \
  COOPGATE_PERSISTED_OPERATIONS COOPGATE_NATIONAL COOPGATE_REDIS_URL || true
COOPGATE_LISTEN=127.0.0.1:0 "$bin" serve >"$work/log" 2>&1 &
pid=$!
base=""
for _ in $(seq 1 600); do
  base="$(grep -o 'http://127.0.0.1:[0-9]*/graphql' "$work/log" | head -n1 | sed 's#/graphql$##' || true)"
  [ -n "$base" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/log"; echo "coopgate did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { cat "$work/log"; echo "coopgate did not report its port" >&2; exit 1; }
"$bin" healthcheck --url "$base/healthz" || { cat "$work/log"; echo "/healthz did not answer 200" >&2; exit 1; }

admin="$("$bin" token --role national_admin --subject contract-kit-admin --ttl 10m)"
officer="$("$bin" token --role provincial_officer --province 40 --subject contract-kit-officer --ttl 10m)"
"$bin" contract-test --url "$base" --token-admin "$admin" --token-officer "$officer" \
  || { tail -n 50 "$work/log"; exit 1; }
