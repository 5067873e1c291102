#!/usr/bin/env bash
# Fuzz smoke run: each atheris target for N seconds (default 60). Any escape (an exception
# that is not a hiveparse error, a hang, a crash) fails the run; the crashing input is kept
# under fuzz/artifacts/ to be added to tests/regressions/.
set -euo pipefail
seconds="${1:-60}"
cd "$(dirname "$0")/.."
mkdir -p fuzz/artifacts
status=0
for target in fuzz/fuzz_hive.py fuzz/fuzz_regtext.py fuzz/fuzz_logs.py fuzz/fuzz_partitions.py \
    fuzz/fuzz_events.py; do
  [ -f "$target" ] || { echo "missing fuzz target $target" >&2; exit 1; }
  seeds="$(mktemp -d)"
  echo "fuzz: $target for ${seconds}s"
  if ! python3 "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
      -artifact_prefix=fuzz/artifacts/ -print_final_stats=1 "$seeds" >"$seeds.log" 2>&1; then
    echo "fuzz: $target found an escape:" >&2
    tail -n 40 "$seeds.log" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units" "$seeds.log" || true
  fi
  rm -rf "$seeds" "$seeds.log"
done
exit "$status"
