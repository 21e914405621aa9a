#!/usr/bin/env bash
# Rebuilds dist/ (committed; embedded into the coopgate binary by
# src/http/ide.rs) from the pinned packages in package-lock.json.
# Needs node >= 20.19 and npm; `cargo build` alone never runs this.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npx --no-install vite build --logLevel warn
test -s dist/index.html
echo "web/graphiql/dist: $(du -sk dist | cut -f1) KiB in $(find dist -type f | wc -l) files"
