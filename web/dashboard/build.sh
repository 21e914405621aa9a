#!/usr/bin/env bash
# Rebuilds web/dashboard/dist (committed; coopgate embeds it) from the pinned
# npm packages of package-lock.json: type check, then bundle.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npx tsc --noEmit -p .
node build.mjs
