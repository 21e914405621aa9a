#!/usr/bin/env bash
# Schema checks of the committed schema.graphql (CI runs this; see README):
#  1. graphql-schema-linter with every one of its 19 rules (.graphql-schema-linterrc
#     here lists them; none is disabled): 0 findings.
#  2. graphql-inspector's diff from the partner contract's core part to
#     schema.graphql: 0 breaking changes (diff.mjs says why the contract's
#     "Additions" section is left out).
# Usage: tools/schema-lint/run.sh [CONTRACT]   (default: ../shared/api/contract.graphql
# beside the repository; the diff is skipped, saying so, when there is none)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
contract="${1:-$root/../shared/api/contract.graphql}"

(cd "$here" && npm ci --no-audit --no-fund --silent)

echo "-- graphql-schema-linter"
"$here/node_modules/.bin/graphql-schema-linter" --config-directory "$here" --format text "$root/schema.graphql"

echo "-- graphql-inspector diff (contract core -> schema.graphql)"
if [ -f "$contract" ]; then
  node "$here/diff.mjs" "$contract" "$root/schema.graphql"
elif [ -n "${CI:-}" ]; then
  echo "no contract at $contract (CI has ../shared/ beside the clone)" >&2
  exit 1
else
  echo "no contract at $contract: diff skipped"
fi
