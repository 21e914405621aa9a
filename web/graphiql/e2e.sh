#!/usr/bin/env bash
# Browser test of the IDE (see e2e.mjs): coopgate and headless Chromium run
# in a network namespace that has only loopback, so nothing can leave the
# machine even if the browser's own blocking missed it.
#   web/graphiql/e2e.sh [path/to/coopgate]   (default target/debug/coopgate)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(realpath "${1:-$here/../../target/debug/coopgate}")"
cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null && unshare -n true 2>/dev/null; then
  echo "(network namespace with loopback only: no route off the machine)"
  exec unshare -n sh -c 'ip link set lo up && exec node e2e.mjs "$1"' e2e "$bin"
fi
echo "(no network namespace here: relying on the browser's request blocking alone)"
exec node e2e.mjs "$bin"
