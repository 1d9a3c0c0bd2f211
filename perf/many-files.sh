#!/usr/bin/env bash
# Images of many small files through the real binaries: for each count N, a tree of N files (100
# to a directory, 50 to 499 bytes, distinct content) is imported with `bin/strata image import DIR`
# into a fresh `bin/stratad`, then a container is created from it, 1% of its files are replaced
# through `strata cp`, and `diff`, `commit`, `export` (the container's whole tree) and `image
# export` run. Each step is timed around the CLI call; after each, the server's peak resident
# memory (VmHWM) is read, so a table over several N shows whether memory grows with the file count
# (it must not: the server's heap is fixed, STRATAD_HEAP, 512 MiB by default).
#
# Usage: perf/many-files.sh [N...]   (default: 25000 50000 100000; SCRATCH=/tmp)
set -euo pipefail
COUNTS=(${*:-25000 50000 100000})
SCRATCH=${SCRATCH:-${TMPDIR:-/tmp}}
ROOT=${STRATA_ROOT:-$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)}
STRATA=$ROOT/bin/strata
work=$(mktemp -d "$SCRATCH/many-files-XXXXXX")
# shellcheck source=perf/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"
trap 'stop_server; rm -rf "$work"' EXIT

# make_tree DIR N: N files, 100 to a directory; each file's content is its name repeated to a
# length of 50 to 499 bytes that the name decides, so no two files are alike.
make_tree() {
  python3 - "$1" "$2" <<'PY'
import os, sys, zlib
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%05d" % (i // 100))
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    name = "d%05d/f%03d.txt" % (i // 100, i % 100)
    unit = (name + "\n").encode()
    size = 50 + zlib.crc32(unit) % 450
    with open(os.path.join(root, name), "wb") as f:
        f.write((unit * (size // len(unit) + 1))[:size])
PY
}

# changes N: under $work/edit, 1% of the N files (the first of each directory), with new content.
changes() {
  mkdir -p "$work/edit"
  python3 - "$work/edit" "$1" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(0, n, 100):
    d = os.path.join(root, "d%05d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f000.txt"), "w") as f:
        f.write("edited %d\n" % i)
PY
}

step() { # step LABEL N COMMAND...: times the command, prints a row with the peak RSS after it
  local label=$1 n=$2
  shift 2
  timed "$@"
  echo "| $n | $label | $WALL | $CPU | $(rss_mib "$server_pid") | $(peak_rss_mib "$server_pid") |"
}

echo "# $(machine_line); stratad heap ${STRATAD_HEAP:-512m}"
echo
echo "| files | step | seconds | client CPU s | server RSS after, MiB | server peak RSS, MiB |"
echo "| --- | --- | --- | --- | --- | --- |"
for n in "${COUNTS[@]}"; do
  rm -rf "$work/tree" "$work/edit" "$work/data" "$work"/*.tar
  make_tree "$work/tree" "$n"
  changes "$n"
  start_server "$work/data"
  echo "| $n | server started | | | $(rss_mib "$server_pid") | $(peak_rss_mib "$server_pid") |"
  step "image import DIR" "$n" "$STRATA" image import "$work/tree" -t "many:$n"
  step "create" "$n" "$STRATA" create --name "many$n" "many:$n"
  # the edited files go in over the originals: cp of a directory merges into the target
  step "cp 1% of the files in" "$n" "$STRATA" cp "$work/edit/." "many$n:/"
  timed "$STRATA" diff "many$n"
  "$STRATA" diff "many$n" > "$work/diff.txt"
  echo "| $n | diff ($(grep -c '^C ' "$work/diff.txt") changed) | $WALL | $CPU | $(rss_mib "$server_pid") | $(peak_rss_mib "$server_pid") |"
  step "commit" "$n" "$STRATA" commit "many$n" "many:$n-edited"
  step "export (container)" "$n" "$STRATA" export "many$n" -o "$work/container.tar"
  step "image export" "$n" "$STRATA" image export "many:$n-edited" -o "$work/image.tar"
  stop_server
done
