#!/usr/bin/env bash
# The static checks of `npm test`, side by side: the type check, and the linters (eslint, prettier,
# knip). Each is mostly one core's work, so together they take about as long as the slower one.
# Fails if either fails; both outputs are printed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
npm run --silent typecheck >"$out/typecheck" 2>&1 &
typecheck=$!
npm run --silent lint >"$out/lint" 2>&1 &
lint=$!
wait "$typecheck"; typecheck_status=$?
wait "$lint"; lint_status=$?
echo "== typecheck (exit $typecheck_status)"; cat "$out/typecheck"
echo "== lint (exit $lint_status)"; cat "$out/lint"
rm -rf "$out"
[ "$typecheck_status" -eq 0 ] && [ "$lint_status" -eq 0 ]
