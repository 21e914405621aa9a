#!/usr/bin/env bash
# Starts coopgate (production profile, a throw-away SQLite database, a free
# port), runs the GraphQL-over-HTTP audit against it, and stops it. Fails on
# any audit error or warning.  Usage: tools/graphql-http-audit/run.sh [BINARY]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/target/debug/coopgate}"
[ -x "$bin" ] || (cd "$root" && cargo build --quiet --bin coopgate)

(cd "$here" && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The audits' probe documents are `{ __typename }` and `__type(name:)`
# lookups, so introspection is switched on; refusing it in production is a
# separate policy, tested in tests/api/security.rs.
export DATABASE_URL="sqlite://$work/audit.db" COOPGATE_PROFILE=production COOPGATE_LOG_FORMAT=text RUST_LOG=info \
  COOPGATE_INTROSPECTION=on
unset COOPGATE_JWT_HS256_SECRET COOPGATE_JWT_PUBLIC_KEY_FILE COOPGATE_PERSISTED_OPERATIONS || true
"$bin" migrate >/dev/null
COOPGATE_LISTEN=127.0.0.1:0 "$bin" serve >"$work/log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*/graphql' "$work/log" | head -n1 || true)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/log"; echo "coopgate did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/log"; echo "coopgate did not report its port" >&2; exit 1; }
node "$here/audit.mjs" "$url"
