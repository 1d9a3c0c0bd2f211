#!/usr/bin/env bash
# The real-path suite, one command: runs the perf scripts through bin/strata against bin/stratad
# next to the peers (borg, restic, casync, tar | zstd -3; Debian's packages) on the data sets of
# /work/shared/perf/make-datasets.sh, keeps each script's tables in a run directory, and writes
# docs/PERF.md and its charts from them (`strata-perf report`). Takes 15-30 minutes on 2 cores.
#
# Usage: perf/report.sh BASE   BASE holds deb-min/, deb-plus/ and their .tar files
#   ROUNDS (default 3) for the import and transfer scripts; RUN (default docs/perf/run) keeps the
#   tables; SKIP="many-files transfers ..." leaves scripts out.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BASE" >&2; exit 2; }
BASE=$(readlink -f "$1")
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
RUN=${RUN:-$ROOT/docs/perf/run}
export ROUNDS=${ROUNDS:-3}
mkdir -p "$RUN"
skip() { [[ " ${SKIP:-} " == *" $1 "* ]]; }
step() { # step NAME COMMAND...: runs a script into RUN/NAME.md
  local name=$1
  shift
  if skip "$name"; then return; fi
  echo "report: $name ..." >&2
  "$@" > "$RUN/$name.md.part"
  mv "$RUN/$name.md.part" "$RUN/$name.md"
}

(cd "$ROOT" && mvn -B -q -o -DskipTests -Dspotless.check.skip=true package -pl perf -am) >&2
step import "$ROOT/perf/run-import.sh" "$BASE" deb-min deb-plus
step peers "$ROOT/perf/run-peers.sh" "$BASE/deb-min" "$BASE/deb-plus"
step many-files "$ROOT/perf/many-files.sh" 25000 50000 100000
step cli "$ROOT/perf/cli-latency.sh"
step transfers "$ROOT/perf/transfers.sh" "$BASE/deb-min.tar"
cd "$ROOT"
java -jar perf/target/strata-perf.jar report "$RUN" --out docs/PERF.md --assets docs/perf
