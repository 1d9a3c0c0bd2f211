#!/usr/bin/env bash
# Times the peers on the same trees, outside the JVM, each backing the trees up in order into one
# fresh repository: restic (repository v2, --compression auto, cache in a temporary directory),
# borg (no encryption, --compression zstd,3, its default chunker), casync (`casync make` of each
# tree into one chunk store, its default chunker and compression: zstd) when it is installed, and
# `tar | zstd -3` as the no-dedup baseline. CPU is each tool's own (user + system, children
# included); stored bytes are the repository's size after the tree (the baseline: its outputs so
# far, added up).
# `strata-perf ingest` and `images` run restic and borg in-process beside the embedded engine;
# this script is what docs/PERF.md's report (perf/report.sh) compares the real binaries with.
#
# Usage: perf/run-peers.sh DIR... (ROUNDS=3 SCRATCH=/tmp by default)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR..." >&2; exit 2; }
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-${TMPDIR:-/tmp}}
export RESTIC_PASSWORD=strata-perf
# shellcheck source=perf/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

row() { # row ROUND TOOL DIR BYTES STORED: one line from WALL and CPU
  echo "| $1 | $2 | $(basename "$3") | $4 | $WALL | $(rate "$4" "$WALL") | $CPU | $(ms_per_mb "$CPU" "$4") | $5 |"
}

echo "# $(machine_line)"
echo
echo "| round | tool | tree | bytes | seconds | MB/s | CPU s | CPU ms/MB | stored bytes |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq "$ROUNDS"); do
  work=$(mktemp -d "$SCRATCH/peers-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  restic -q -r "$work/repo" init > /dev/null
  for dir in "$@"; do
    b=$(bytes_of "$dir")
    timed restic -q -r "$work/repo" --cache-dir "$work/cache" backup --compression auto "$dir"
    row "$round" restic "$dir" "$b" "$(du -sb "$work/repo" | cut -f1)"
  done
  if command -v borg > /dev/null; then
    export BORG_BASE_DIR="$work/borg-home" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
    borg init --encryption none "$work/borg" > /dev/null
    n=0
    for dir in "$@"; do
      b=$(bytes_of "$dir")
      n=$((n + 1))
      timed borg create --compression zstd,3 "$work/borg::$n" "$dir"
      row "$round" "borg zstd,3" "$dir" "$b" "$(du -sb "$work/borg" | cut -f1)"
    done
  fi
  if command -v casync > /dev/null; then
    n=0
    for dir in "$@"; do
      b=$(bytes_of "$dir")
      n=$((n + 1))
      timed casync make --store="$work/casync.castr" "$work/$n.caidx" "$dir"
      row "$round" casync "$dir" "$b" "$(du -sbc "$work/casync.castr" "$work"/*.caidx | tail -1 | cut -f1)"
    done
  fi
  total=0 # no dedup: the outputs add up
  for dir in "$@"; do
    b=$(bytes_of "$dir")
    timed sh -c "tar -C '$(dirname "$dir")' -cf - '$(basename "$dir")' | zstd -3 -T1 -q -c > '$work/out.tar.zst'"
    total=$((total + $(stat -c %s "$work/out.tar.zst")))
    row "$round" "tar \| zstd -3" "$dir" "$b" "$total"
  done
  rm -rf "$work"
  trap - EXIT
done
