#!/usr/bin/env bash
# Runs the whole test suite: type check, format check, then every test file on SQLite and on
# a PostgreSQL server this script starts, with the dashboard's tests in Debian's Chromium.
# Extra arguments go to vitest (for example a file).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ]; then
  npm ci
fi
npm run build --silent
npx tsc -p tsconfig.json --noEmit
npx tsc -p web/tsconfig.json
npx prettier --check . >/dev/null || {
  echo "Formatting differs from Prettier; run: npm run format" >&2
  exit 1
}

source scripts/postgres.sh
source scripts/chromium.sh
npx vitest run "$@"
