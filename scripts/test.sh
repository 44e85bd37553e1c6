#!/usr/bin/env bash
# Runs every test: front-end units (Vitest), server tests, browser tests (Playwright + Chromium) and release tests.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d)
status=0

# The front-end units run while the solution builds (the build makes the web front end too; npm ci first, once).
( cd web && npm ci --no-audit --no-fund >/dev/null ) || status=1
( cd web && NO_COLOR=1 npm test ) > "$log/web.txt" 2>&1 &
web=$!
dotnet build THERESE.slnx || status=1
wait $web || status=1
cat "$log/web.txt"

# The server tests alone: they run their classes in parallel on every core.
dotnet test tests/Therese.Tests --no-build 2>&1 | tee "$log/server.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# The browser tests (one at a time, mostly waiting on the page) beside the release tests (publishing the downloads
# takes the cores for minutes): no test bounds a duration, so the load of one does not fail the other.
dotnet test tests/Therese.E2E --no-build > "$log/e2e.txt" 2>&1 &
e2e=$!
dotnet test tests/Therese.Release --no-build > "$log/release.txt" 2>&1 || status=1
wait $e2e || status=1
cat "$log/e2e.txt" "$log/release.txt"

# One closing line for the whole suite.
cat "$log/server.txt" "$log/e2e.txt" "$log/release.txt" > "$log/dotnet.txt"
web_passed=$(grep -aoE 'Tests +[0-9]+ passed' "$log/web.txt" | grep -oE '[0-9]+' | tail -1)
web_failed=$(grep -aoE 'Tests +.*[0-9]+ failed' "$log/web.txt" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' | tail -1)
net_passed=$(grep -aoE 'Passed: +[0-9]+' "$log/dotnet.txt" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
net_failed=$(grep -aoE 'Failed: +[0-9]+' "$log/dotnet.txt" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
passed=$(( ${web_passed:-0} + ${net_passed:-0} ))
failed=$(( ${web_failed:-0} + ${net_failed:-0} ))
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo
echo "${passed} passed, ${failed} failed"
exit $status
