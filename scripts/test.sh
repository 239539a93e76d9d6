#!/usr/bin/env bash
# `npm test`: the test programs (ensure-test-deps.sh), then vitest and the Playwright suite one after
# the other, with the static checks (static-checks.sh: typecheck, eslint, prettier, knip) beside
# them at the lowest CPU priority. On 2 cores the suites leave about a third of the CPU idle while
# they wait on consoles, control planes and the browser; the static checks, a minute of both cores
# on their own, fit in that time instead of being added to it. Their output is printed at the end.
# Stops at the first failing suite; fails if any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-deps.sh || exit 1

static_log=$(mktemp)
nice -n 19 bash scripts/static-checks.sh >"$static_log" 2>&1 &
static_pid=$!

status=0
npm run --silent test:unit || status=$?
if [ "$status" -eq 0 ]; then
  npm run --silent test:e2e || status=$?
fi

wait "$static_pid"
static_status=$?
echo "== static checks (exit $static_status)"
cat "$static_log"
rm -f "$static_log"
[ "$status" -eq 0 ] && [ "$static_status" -eq 0 ]
