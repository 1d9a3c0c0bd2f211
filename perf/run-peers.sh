#!/usr/bin/env bash
# Times the peers on the same trees, outside the JVM: restic (repository v2, --compression auto,
# cache in a temporary directory) and borg (no encryption, --compression zstd,3, its default
# chunker, cache in a temporary directory) each backing the trees up in order into one fresh
# repository, and `tar | zstd -3` as the no-dedup baseline. `strata-perf ingest` runs restic and
# `strata-perf images` restic and borg themselves, side by side with Strata; this script is the
# cross-check and the place to add more peers.
#
# Usage: perf/run-peers.sh DIR... (ROUNDS=3 SCRATCH=/tmp by default)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR..." >&2; exit 2; }
ROUNDS=${ROUNDS:-3}
SCRATCH=${SCRATCH:-${TMPDIR:-/tmp}}
export RESTIC_PASSWORD=strata-perf

bytes_of() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }
now() { date +%s.%N; }
rate() { awk -v b="$1" -v t="$2" 'BEGIN {printf "%.0f", b / t / 1e6}'; }

echo "| round | tool | tree | bytes | seconds | MB/s | repository / output bytes |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for round in $(seq "$ROUNDS"); do
  work=$(mktemp -d "$SCRATCH/peers-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  restic -q -r "$work/repo" init > /dev/null
  for dir in "$@"; do
    b=$(bytes_of "$dir")
    t0=$(now)
    restic -q -r "$work/repo" --cache-dir "$work/cache" backup --compression auto "$dir" > /dev/null \
      || [ $? -eq 3 ]
    t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
    echo "| $round | restic | $dir | $b | $t | $(rate "$b" "$t") | $(du -sb "$work/repo" | cut -f1) |"
  done
  if command -v borg > /dev/null; then
    export BORG_BASE_DIR="$work/borg-home" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
    borg init --encryption none "$work/borg" > /dev/null
    n=0
    for dir in "$@"; do
      b=$(bytes_of "$dir")
      n=$((n + 1))
      t0=$(now)
      borg create --compression zstd,3 "$work/borg::$n" "$dir" > /dev/null || [ $? -eq 1 ]
      t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
      echo "| $round | borg zstd,3 | $dir | $b | $t | $(rate "$b" "$t") | $(du -sb "$work/borg" | cut -f1) |"
    done
  fi
  if command -v zstd > /dev/null; then
    for dir in "$@"; do
      b=$(bytes_of "$dir")
      t0=$(now)
      out=$(tar -C "$(dirname "$dir")" -cf - "$(basename "$dir")" | zstd -3 -T1 -q -c | wc -c)
      t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
      echo "| $round | tar \| zstd -3 | $dir | $b | $t | $(rate "$b" "$t") | $out |"
    done
  fi
  rm -rf "$work"
  trap - EXIT
done
