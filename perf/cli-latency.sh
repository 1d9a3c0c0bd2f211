#!/usr/bin/env bash
# One CLI call, whole: wall and CPU time (user + system) of `bin/strata ps`, `images` and
# `version` against a running `bin/stratad` (warmed up by the calls before), next to `java
# -version` (the JVM's own start) and `true` (a process start); medians of RUNS calls (11).
#
# Usage: perf/cli-latency.sh   (SCRATCH=/tmp)
set -euo pipefail
RUNS=${RUNS:-11}
SCRATCH=${SCRATCH:-${TMPDIR:-/tmp}}
ROOT=${STRATA_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)}
work=$(mktemp -d "$SCRATCH/cli-latency-XXXXXX")
# shellcheck source=perf/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
trap 'stop_server; rm -rf "$work"' EXIT

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# measure LABEL COMMAND...: RUNS calls, one row of medians
measure() {
  local label=$1 i
  shift
  : > "$work/wall"
  : > "$work/cpu"
  for i in $(seq "$RUNS"); do
    timed "$@"
    echo "$WALL" >> "$work/wall"
    echo "$CPU" >> "$work/cpu"
  done
  echo "| $label | $(median < "$work/wall") | $(median < "$work/cpu") |"
}

start_server "$work/data"
"$ROOT/bin/strata" ps > /dev/null # builds the client if it must, and warms the server
echo "# $(machine_line)"
echo
echo "| command | wall s | CPU s |"
echo "| --- | --- | --- |"
measure "strata ps" "$ROOT/bin/strata" ps
measure "strata images" "$ROOT/bin/strata" images
measure "strata version" "$ROOT/bin/strata" version
measure "java -version" java -version
measure "true" true
