#!/usr/bin/env bash
# Property-based run of the whole GraphQL API with schemathesis (GraphQL
# mode): starts coopgate (dev profile, demo data, rate limits off, a
# throw-away SQLite database, a free port), generates operations for every
# query and mutation field from the schema, sends them as a national admin
# (so mutations reach their rules), and fails on any 5xx or on a panic in
# the server's log. Bounded: FUZZ_EXAMPLES generated operations per query or
# mutation field (default 100; 25 fields) plus schemathesis's stateful phase,
# and 280 s at most.
#   tools/fuzz/run.sh [BINARY]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/target/debug/coopgate}"
[ -x "$bin" ] || (cd "$root" && cargo build --quiet --bin coopgate)
venv="${FUZZ_VENV:-$root/target/fuzz-venv}"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/fuzz.db" COOPGATE_PROFILE=dev COOPGATE_DEMO=true COOPGATE_DEMO_SCALE=1 \
  COOPGATE_RATE_LIMIT_COST_PER_MINUTE=0 COOPGATE_INTROSPECTION=on RUST_LOG=info
unset COOPGATE_JWT_HS256_SECRET COOPGATE_JWT_PUBLIC_KEY_FILE COOPGATE_PERSISTED_OPERATIONS || true
COOPGATE_LISTEN=127.0.0.1:0 "$bin" serve >"$work/log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 600); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*/graphql' "$work/log" | head -n1 || true)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/log"; echo "coopgate did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/log"; echo "coopgate did not report its port" >&2; exit 1; }
token="$("$bin" token --role national_admin --ttl 1h)"

status=0
# Run from the scratch folder: schemathesis keeps its state in ./.schemathesis.
cd "$work"
timeout 280 "$venv/bin/st" run "$url" \
  --checks not_a_server_error \
  --max-examples "${FUZZ_EXAMPLES:-100}" \
  --seed "${FUZZ_SEED:-20251122}" \
  --workers 2 \
  --generation-database none \
  --no-color \
  -H "Authorization: Bearer $token" || status=$?
if grep -q "panicked" "$work/log"; then
  grep -B2 -A10 "panicked" "$work/log" | head -50
  echo "coopgate panicked during the run" >&2
  status=1
fi
exit "$status"
