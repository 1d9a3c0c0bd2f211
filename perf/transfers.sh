#!/usr/bin/env bash
# Moving bytes through the CLI against a running `bin/stratad`, next to the nearest plain tool on
# the same file in the same run: `blob put` of a file against `cp` of it (both read it and write
# it to the same disk), `blob get -o` against `cp` back, `blob put` of the same file again (every
# chunk already stored), and `image import`/`image export -o` of a tar against `cp` of the tar.
# The file is a tar of a tree (default the Debian minbase tree's, as make-datasets.sh builds it):
# real data, part compressible. Page cache dropped before each step when running as root.
#
# Usage: perf/transfers.sh TAR   (ROUNDS=3 SCRATCH=/tmp)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 TAR" >&2; exit 2; }
TAR=$(readlink -f "$1")
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-${TMPDIR:-/tmp}}
ROOT=${STRATA_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)}
STRATA=$ROOT/bin/strata
work=$(mktemp -d "$SCRATCH/transfers-XXXXXX")
# shellcheck source=perf/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
trap 'stop_server; rm -rf "$work"' EXIT

drop() { sync; [ "$(id -u)" = 0 ] && echo 3 > /proc/sys/vm/drop_caches || true; }
bytes=$(stat -c %s "$TAR")
row() { # row ROUND STEP PEER-SECONDS: from WALL
  echo "| $1 | $2 | $bytes | $WALL | $(rate "$bytes" "$WALL") | $3 | $(awk -v s="$WALL" -v p="$3" 'BEGIN {printf "%.2f", p / s}')× |"
}

echo "# $(machine_line); $(basename "$TAR"), $bytes bytes"
echo
echo "| round | step | bytes | seconds | MB/s | cp seconds | speed vs cp |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq "$ROUNDS"); do
  rm -rf "$work/data" "$work"/out*
  start_server "$work/data"
  drop; timed cp "$TAR" "$work/out.cp"; cp_put=$WALL
  drop; timed cp "$work/out.cp" "$work/out.cp2"; cp_get=$WALL
  rm -f "$work/out.cp" "$work/out.cp2"
  drop; timed "$STRATA" blob put "$TAR"; row "$round" "blob put" "$cp_put"
  digest=$("$STRATA" blob put "$TAR")
  drop; timed "$STRATA" blob put "$TAR"; row "$round" "blob put again (all chunks stored)" "$cp_put"
  drop; timed "$STRATA" blob get "$digest" -o "$work/out.get"; row "$round" "blob get -o" "$cp_get"
  cmp -s "$TAR" "$work/out.get" || { echo "$0: blob get gave other bytes" >&2; exit 1; }
  drop; timed "$STRATA" image import "$TAR" -t transfers:1; row "$round" "image import TAR" "$cp_put"
  drop; timed "$STRATA" image export transfers:1 -o "$work/out.image"; row "$round" "image export -o" "$cp_get"
  stop_server
done
