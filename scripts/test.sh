#!/usr/bin/env bash
# `npm test` after the dependencies: the static checks (scripts/static-checks.sh) beside the unit and
# integration tests, then the e2e suite. vitest leaves about a sixth of the two cores idle (its
# files wait on control planes and child consoles); the static checks run at a lower priority
# (nice 10) in that idle time instead of a minute of their own, and take little from vitest when
# it is busy. Fails if any part fails; the static checks' output is printed after vitest's.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
nice -n 10 bash scripts/static-checks.sh >"$out" 2>&1 &
static=$!
npm run test:unit
unit_status=$?
wait "$static"
static_status=$?
cat "$out"
rm -f "$out"
if [ "$unit_status" -ne 0 ] || [ "$static_status" -ne 0 ]; then
  echo "npm test: static checks exited $static_status, unit tests $unit_status" >&2
  exit 1
fi
npm run test:e2e
