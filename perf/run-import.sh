#!/usr/bin/env bash
# Image import through the real binaries against borg 1.2, on the same trees in the same run:
# `bin/strata image import DIR` and `... TAR` against a running `bin/stratad`, and
# `borg create --compression zstd,3` of the same directories into one fresh repository.
#
# Each round runs borg first (deb-min, then deb-plus, one repository), then Strata four ways:
#   fresh dir  a new stratad on an empty data root imports the directories, in order
#   warm  dir  the same server, after `image rm` and `gc` emptied the store, imports them again
#   fresh tar  a new stratad on an empty data root imports the tars (BASE/NAME.tar)
#   warm  tar  the same server, emptied again, imports the tars again
# Each import is timed around the CLI call (client start included). CPU is what the work cost the
# machine: for Strata the server's CPU time over the import (from /proc) plus the client's, for
# borg its own; on a shared machine, where each process gets a fraction of a core, CPU per MB is
# the steadier figure. Stored bytes are `strata info --json`'s storedBytes after both trees (pack
# bytes; the index apart) and borg's repository size, after each tree.
#
# Usage: perf/run-import.sh BASE [NAME...]   (default NAME: deb-min deb-plus; ROUNDS=3)
#   BASE holds NAME/ and NAME.tar for each NAME (/work/shared/perf/make-datasets.sh makes them).
#   MODES (default "dir tar") picks the inputs; each runs fresh, then warm.
#   STRATA_ROOT (default this checkout) is the checkout whose bin/strata and bin/stratad run, so
#   two builds can be compared in one run.
#   SCRATCH (default /tmp) holds the data roots and the borg repository, removed at the end.
#   STRATAD_HEAP, STRATAD_JAVA_OPTS and STRATAD_ARGS (e.g. --compression zstd:6) pass through.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BASE [NAME...]" >&2; exit 2; }
BASE=$1; shift
NAMES=(${*:-deb-min deb-plus})
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-${TMPDIR:-/tmp}}
ROOT=${STRATA_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)}
MODES=(${MODES:-dir tar})
STRATA=$ROOT/bin/strata
command -v borg > /dev/null || { echo "$0: borg is not installed (apt-get install borgbackup)" >&2; exit 2; }
for n in "${NAMES[@]}"; do
  [ -d "$BASE/$n" ] && [ -f "$BASE/$n.tar" ] || { echo "$0: $BASE/$n or $BASE/$n.tar is missing" >&2; exit 2; }
done

work=$(mktemp -d "$SCRATCH/import-perf-XXXXXX")
# shellcheck source=perf/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
trap 'stop_server; rm -rf "$work"' EXIT

stored() { "$STRATA" --json info | sed -n 's/.*"storedBytes" *: *\([0-9]*\).*/\1/p'; }

# Imports every NAME (suffix $4: "" for directories, ".tar" for tars); prints one row per tree.
strata_round() {
  local round=$1 mode=$2 kind=$3 suffix=$4 n b c0 cpu
  for n in "${NAMES[@]}"; do
    b=${tree_bytes[$n]}
    c0=$(cpu_of "$server_pid")
    timed "$STRATA" image import "$BASE/$n$suffix" -t "$n:perf"
    cpu=$(awk -v a="$c0" -v b="$(cpu_of "$server_pid")" -v c="$CPU" 'BEGIN {printf "%.2f", b - a + c}')
    strata_rate[$n]=$(rate "$b" "$WALL")
    echo "| $round | strata $mode $kind | $n | $b | $WALL | ${strata_rate[$n]} | ${borg_rate[$n]} | $(awk -v s="${strata_rate[$n]}" -v g="${borg_rate[$n]}" 'BEGIN {printf "%.2f", s / g}')× | $cpu | $(ms_per_mb "$cpu" "$b") | ${borg_ms[$n]} | $(stored) |"
  done
  echo "| $round | strata $mode $kind | stored after all | | | | | | | | | $(stored) |"
}

empty_store() {
  local n
  for n in "${NAMES[@]}"; do "$STRATA" image rm "$n:perf" > /dev/null; done
  "$STRATA" gc > /dev/null
}

declare -A tree_bytes borg_rate borg_ms strata_rate
for n in "${NAMES[@]}"; do tree_bytes[$n]=$(bytes_of "$BASE/$n"); done

echo "# $(machine_line)"
echo
echo "| round | tool | tree | tree bytes | seconds | MB/s | borg MB/s | ratio | CPU s | CPU ms/MB | borg CPU ms/MB | stored bytes |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq "$ROUNDS"); do
  export BORG_BASE_DIR="$work/borg-home" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
  rm -rf "$work/borg" "$work/borg-home"
  borg init --encryption none "$work/borg" > /dev/null
  for n in "${NAMES[@]}"; do
    timed borg create --compression zstd,3 "$work/borg::$n" "$BASE/$n"
    borg_rate[$n]=$(rate "${tree_bytes[$n]}" "$WALL")
    borg_ms[$n]=$(ms_per_mb "$CPU" "${tree_bytes[$n]}")
    echo "| $round | borg zstd,3 | $n | ${tree_bytes[$n]} | $WALL | ${borg_rate[$n]} | | | $CPU | ${borg_ms[$n]} | | $(du -sb "$work/borg" | cut -f1) |"
  done
  echo "| $round | borg zstd,3 | stored after all | | | | | | | | | $(du -sb "$work/borg" | cut -f1) |"

  for kind in "${MODES[@]}"; do
    suffix=""
    [ "$kind" = tar ] && suffix=.tar
    rm -rf "${work:?}/$kind"
    start_server "$work/$kind"
    strata_round "$round" fresh "$kind" "$suffix"
    empty_store
    strata_round "$round" warm "$kind" "$suffix"
    stop_server
  done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
