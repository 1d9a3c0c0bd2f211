#!/usr/bin/env bash
# What programs writing in a container pay for its file system: the same work in a plain directory,
# in a fuse-overlayfs mount (the FUSE peer: rootless podman's and containerd's FUSE overlay, C,
# libfuse 3) and in a container of stratad's mounted with `strata mount`, all on the same disk in
# the same run.
#
#   perf/fuse-workloads.sh BASE     (BASE from /work/shared/perf/make-datasets.sh)
#
# The lower layer of both mounts is BASE/deb-min (the image for Strata, the lowerdir for
# fuse-overlayfs). Measured, ROUNDS times each (median), wall seconds:
#   - `tar -xf BASE/deb-plus.tar` into the mount (377 MB, 11,654 paths: creates, writes, chown,
#     chmod, utimes), no sync: none of the three forces it (`sync -f` does not reach a FUSE
#     server, and on the plain directory it would flush the other two's data too, which share the
#     disk);
#   - sqlite3: 300 transactions of one 600-byte row each (rollback journal, three fsyncs each);
#   - a walk of what tar made: `find | wc -l` and `stat` of every path (names and attributes);
#   - `rm -rf` of it.
# Every timed step starts after a `sync` of everything (untimed), so that none pays for the
# write-back of what another left. Prints a markdown table. Needs root, bin/strata and bin/stratad built, fuse-overlayfs, sqlite3
# (Debian packages).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:?usage: $0 BASE}
ROUNDS=${ROUNDS:-3}
work=$(mktemp -d /var/tmp/strata-fuse-perf.XXXXXX)
# shellcheck source=lib.sh
. "$ROOT/perf/lib.sh"
for tool in fuse-overlayfs sqlite3; do
  command -v "$tool" > /dev/null || { echo "$0: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

cleanup() {
  set +e
  umount "$work/fo/mnt" 2> /dev/null
  [ -n "$server_pid" ] && "$ROOT/bin/strata" umount "$work/strata" > /dev/null 2>&1
  stop_server
  umount -l "$work/fo/mnt" "$work/strata" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/plain" "$work/fo/upper" "$work/fo/work" "$work/fo/mnt" "$work/strata"
fuse-overlayfs -o "lowerdir=$BASE/deb-min,upperdir=$work/fo/upper,workdir=$work/fo/work" "$work/fo/mnt"
STRATAD_ARGS="--allow-bind $work" start_server "$work/data"
"$ROOT/bin/strata" image import "$BASE/deb-min" -t perf/deb-min:1 > /dev/null
"$ROOT/bin/strata" create --name perf-fuse perf/deb-min:1 > /dev/null
"$ROOT/bin/strata" mount perf-fuse "$work/strata" > /dev/null

sqlite_run() {
  sqlite3 "$1/db.sqlite" 'create table t(a integer primary key, b text);'
  for _ in $(seq 300); do
    echo "begin; insert into t(b) values (hex(randomblob(300))); commit;"
  done | sqlite3 "$1/db.sqlite"
  rm -f "$1/db.sqlite"
}

# One round of every workload in directory $1; appends "name seconds" lines to $2.
round() {
  local d=$1/perf-work t0
  mkdir -p "$d"
  sync; t0=$(now); tar -C "$d" -xf "$BASE/deb-plus.tar"; echo "tar $(since "$t0")" >> "$2"
  sync; t0=$(now); sqlite_run "$d"; echo "sqlite $(since "$t0")" >> "$2"
  sync; t0=$(now); find "$d" | wc -l > /dev/null; echo "find $(since "$t0")" >> "$2"
  sync; t0=$(now); find "$d" -print0 | xargs -0 stat > /dev/null; echo "stat $(since "$t0")" >> "$2"
  sync; t0=$(now); rm -rf "$d"; echo "rm $(since "$t0")" >> "$2"
}

for r in $(seq "$ROUNDS"); do
  for where in plain fo strata; do
    case $where in
      plain) dir=$work/plain ;;
      fo) dir=$work/fo/mnt ;;
      strata) dir=$work/strata ;;
    esac
    round "$dir" "$work/$where.times"
  done
  echo "round $r done" >&2
done

median() { # name file
  awk -v n="$1" '$1 == n {print $2}' "$2" | sort -n | awk '{a[NR] = $1} END {printf "%.2f", a[int((NR + 1) / 2)]}'
}
echo "Machine: $(machine_line); stratad $(git -C "$ROOT" rev-parse --short HEAD); medians of $ROUNDS rounds"
echo
echo "| workload | plain directory | fuse-overlayfs | Strata | Strata / fuse-overlayfs | Strata / plain |"
echo "| --- | --- | --- | --- | --- | --- |"
for w in tar sqlite find stat rm; do
  p=$(median "$w" "$work/plain.times")
  f=$(median "$w" "$work/fo.times")
  s=$(median "$w" "$work/strata.times")
  case $w in
    tar) label="\`tar -x\` of deb-plus (377 MB, 11,654 paths)" ;;
    sqlite) label="sqlite3, 300 transactions" ;;
    find) label="\`find\` of the extracted tree" ;;
    stat) label="\`stat\` of every extracted path" ;;
    rm) label="\`rm -rf\` of it" ;;
  esac
  echo "| $label | $p s | $f s | $s s | $(awk -v a="$s" -v b="$f" 'BEGIN {printf "%.2f×", a / b}') | $(awk -v a="$s" -v b="$p" 'BEGIN {printf "%.1f×", a / b}') |"
done
