#!/usr/bin/env bash
# Runs every test: front-end units (Vitest), server tests, and browser tests (Playwright + Chromium).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d)

status=0
( cd web && npm ci --no-audit --no-fund >/dev/null && NO_COLOR=1 npm test ) 2>&1 | tee "$log/web.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# One test assembly at a time: the browser tests measure timing and should not share two cores with the rest.
# The release tests come last: they publish the downloads (scripts/publish.sh), which takes both cores for minutes.
dotnet build THERESE.slnx || status=1
for project in tests/Therese.Tests tests/Therese.E2E tests/Therese.Release; do
  dotnet test "$project" --no-build 2>&1 | tee -a "$log/dotnet.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done

# The benchmark keeps working: a quick run of every section (into a temp folder; the committed results and README stay as they are).
dotnet run -c Release --project bench/Therese.Bench -- --quick 2>&1 | tail -n 3 | tee -a "$log/bench.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { status=1; echo "bench --quick failed"; }

# One closing line for the whole suite.
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
