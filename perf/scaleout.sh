#!/usr/bin/env bash
# The shared store in S3 through the real binaries: bin/strata against bin/stratad processes whose
# chunk store lives in a bucket of a real Ceph radosgw (.ci/ceph-s3.sh), next to a local store on
# the same data in the same run.
#
#   perf/scaleout.sh TAR1 TAR2      e.g. the deb-min and deb-plus tars of make-datasets.sh
#   SCALEOUT_ONLY=dedup perf/scaleout.sh TAR1 TAR2    only the fleet-wide dedup rows
#   SCALEOUT_KEEP=1 ...                                keeps the nodes' logs and data roots
#
# Prints a Markdown table: import into a local store vs a shared one (acknowledged, and until its
# packs are in the bucket), cold and warm export from a second node (cache hits), fleet-wide dedup
# (two nodes importing TAR1 and TAR2 at once vs one node importing both, before and after the
# fleet's gc aliases the duplicates), and gc time.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 TAR1 TAR2" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
tar1=$(readlink -f "$1")
tar2=$(readlink -f "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/scaleout-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${SCALEOUT_KEEP:-}" ]; then echo "logs and data roots kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

curl -fsS -o /dev/null http://127.0.0.1:7480/ 2>/dev/null || "$root/.ci/ceph-s3.sh" start >/dev/null
creds=${CEPH_S3_DIR:-/tmp/strata-ceph}/credentials
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
mbps() { awk -v n="$1" -v t="$2" 'BEGIN {printf "%.0f", n / t / 1e6}'; }

# start NAME PORT [--store s3://…]: a stratad on its own data root, listening on PORT
start() {
  local name=$1 port=$2; shift 2
  "$root/bin/stratad" --data "$work/$name" --listen "127.0.0.1:$port" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 600); do grep -q "listening" "$work/$name.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "stratad $name did not start: $(tail -3 "$work/$name.err")" >&2
  exit 1
}
s3args() { echo --store "s3://$1/fleet" --s3-endpoint http://127.0.0.1:7480 --s3-credentials-file "$creds" --s3-path-style; }
cli() { local p=$1; shift; STRATA_HOST=127.0.0.1:$p "$root/bin/strata" "$@"; }
pending() { cli "$1" info | awk '/pending uploads/ {print $3}'; }
bucket_bytes() { cli "$1" info | awk '/^bucket:/ {print $4}'; }

size1=$(stat -c %s "$tar1")
echo "| measure | figure |"
echo "| --- | --- |"
if [ "${SCALEOUT_ONLY:-}" != dedup ]; then

local_port=7601; start local $local_port
t=$(now); cli "$local_port" image import "$tar1" -t one:1 >/dev/null; tl=$(secs "$t")
echo "| import $(basename "$tar1") into a local store | $tl s, $(mbps "$size1" "$tl") MB/s |"

b=perf-$RANDOM$RANDOM
a_port=7602; start a $a_port $(s3args "$b")
t=$(now); cli "$a_port" image import "$tar1" -t one:1 >/dev/null; ts=$(secs "$t")
while [ "$(pending "$a_port")" != 0 ]; do sleep 0.1; done
tu=$(secs "$t")
echo "| import into a shared store (acknowledged) | $ts s, $(mbps "$size1" "$ts") MB/s ($(awk -v a="$tl" -v b="$ts" 'BEGIN {printf "%.0f", 100 * a / b}')% of local) |"
echo "| ... until every pack is in the bucket | $tu s, $(mbps "$size1" "$tu") MB/s |"

b_port=7603; start b $b_port $(s3args "$b")
t=$(now); cli "$b_port" image export one:1 >/dev/null; tc=$(secs "$t")
t=$(now); cli "$b_port" image export one:1 >/dev/null; tw=$(secs "$t")
hits=$(cli "$b_port" info | awk '/local cache/ {print $0}')
echo "| export on a second node, cold (image made from the catalogue, chunks fetched) | $tc s |"
echo "| the same again, warm | $tw s |"
echo "| second node's cache | ${hits#local cache: } |"

t=$(now); cli "$b_port" gc >/dev/null; tg=$(secs "$t")
echo "| gc with nothing to delete, bucket of $(bucket_bytes "$b_port") bytes, 2 nodes | $tg s |"
cli "$a_port" image rm one:1 >/dev/null
cli "$b_port" image rm one:1 >/dev/null
sleep 3
t=$(now); cli "$b_port" gc >/dev/null; tg=$(secs "$t")
echo "| gc deleting $(basename "$tar1") (bucket now $(bucket_bytes "$b_port") bytes) | $tg s |"
fi

# Fleet-wide dedup: two nodes import TAR1 and TAR2 at once into one bucket, against one node
# importing both into another.
f=fleet-$RANDOM$RANDOM
p1=7604; start f1 $p1 $(s3args "$f"); p2=7605; start f2 $p2 $(s3args "$f")
cli "$p1" image import "$tar1" -t x:1 >/dev/null & i1=$!
cli "$p2" image import "$tar2" -t x:2 >/dev/null & i2=$!
wait $i1 $i2
while [ "$(pending "$p1")" != 0 ] || [ "$(pending "$p2")" != 0 ]; do sleep 0.2; done
sleep 3
two=$(bucket_bytes "$p1")
for port in $p1 $p2; do echo "fsck before gc on $port: $(cli "$port" fsck 2>&1 | tr '\n' ' ' || true)" >&2; done
t=$(now); cli "$p1" gc >"$work/gc.out"; tg=$(secs "$t")
after=$(bucket_bytes "$p1")
s=solo-$RANDOM$RANDOM
p3=7606; start s1 $p3 $(s3args "$s")
cli "$p3" image import "$tar1" -t x:1 >/dev/null
cli "$p3" image import "$tar2" -t x:2 >/dev/null
while [ "$(pending "$p3")" != 0 ]; do sleep 0.2; done
one=$(bucket_bytes "$p3")
pct() { awk -v a="$1" -v b="$one" 'BEGIN {printf "%.1f", 100 * a / b}'; }
echo "| two nodes importing both at once: bucket bytes | $two ($(pct "$two")% of one node importing both: $one) |"
echo "| ... after one gc, which aliased the duplicates ($tg s; $(cat "$work/gc.out")) | $after ($(pct "$after")%) |"
for n in f1 f2; do
  port=$([ $n = f1 ] && echo $p1 || echo $p2)
  fsck=$(cli "$port" fsck 2>&1 | tr '\n' ' ' || true)
  echo "| fsck on $n after the gc | $fsck |"
done
