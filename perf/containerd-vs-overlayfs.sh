#!/usr/bin/env bash
# containerd on Strata next to containerd on overlayfs, same image, same run (issue #13).
#
#   perf/containerd-vs-overlayfs.sh [ROOTFS.tar]
#
# Two containerd instances, each with its own root, state and socket under $WORK:
#   stock   Debian's containerd as it ships: the overlayfs snapshotter, its own content store;
#   strata  the configuration of docs/CONTAINERD.md: stratad's snapshots and content services.
# The image is a Debian bookworm minbase root file system (debootstrap; the tar the tests cache in
# /var/tmp/strata-test is used when present). Measured, each on both:
#   - unpack: `ctr image import` of a docker-archive; and a pull with unpack from a local
#     docker-registry as the CRI plugin does it, Strata already holding the image (the
#     remote-snapshot path);
#   - `ctr run --rm IMAGE ID true`, start to exit (median of 5);
#   - reads inside the container: `tar -cf - /usr | wc -c`; metadata: `find / -xdev | wc -l` and a
#     stat of every file (page cache dropped before each, then warm);
#   - a 4 KiB write into a 256 MiB file of the image: bytes the write adds to each store.
# Prints a markdown table; needs root, bin/strata and bin/stratad built, containerd, runc,
# skopeo, docker-registry, golang-go and golang-github-containerd-containerd-dev (Debian packages).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRATA=$ROOT/bin/strata
STRATAD=$ROOT/bin/stratad
WORK=${WORK:-$(mktemp -d /var/tmp/strata-ctrd-perf.XXXXXX)}
ROOTFS=${1:-/var/tmp/strata-test/debian-bookworm-minbase.tar}
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

if [[ ! -f $ROOTFS ]]; then
  log "debootstrap bookworm minbase into $WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1
  tar -C "$WORK/rootfs" --numeric-owner -cf "$WORK/rootfs.tar" . && rm -rf "$WORK/rootfs"
  ROOTFS=$WORK/rootfs.tar
fi

PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  pkill -f "containerd-shim.*$WORK" 2>/dev/null
  sleep 1
  grep -o " $WORK[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# stratad, with the image (and a 256 MiB file on top of it, for the write test) as Strata images
export STRATA_HOST=127.0.0.1:$((20000 + RANDOM % 20000))
"$STRATAD" --data "$WORK/data" --listen "$STRATA_HOST" --containerd-socket "$WORK/strata.sock" \
  >"$WORK/stratad.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [[ -S $WORK/strata.sock ]] && break; sleep 0.2; done
stored() { "$STRATA" --json info | python3 -c 'import json,sys; print(json.load(sys.stdin)["storedBytes"])'; }
"$STRATA" image import "$ROOTFS" -t perf/debian:1 >/dev/null
mkdir -p "$WORK/big/srv" && head -c 268435456 /dev/urandom >"$WORK/big/srv/big"
printf 'FROM perf/debian:1\nCOPY srv /srv\n' >"$WORK/big/Dockerfile"
"$STRATA" build -t perf/big:1 "$WORK/big" >/dev/null
rm -rf "$WORK/big"
"$STRATA" image export perf/debian:1 --format docker-archive -o "$WORK/debian.tar"
"$STRATA" image export perf/big:1 --format docker-archive -o "$WORK/big.tar"
"$STRATA" image rm perf/big:1 >/dev/null

start_containerd() { # name extra-config
  local d=$WORK/$1
  mkdir -p "$d"
  { printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\n[grpc]\n  address = "%s/sock"\n' "$d" "$d" "$d"; printf '%s\n' "$2"; } >"$d/config.toml"
  containerd --config "$d/config.toml" >"$d/log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do ctr -a "$d/sock" version >/dev/null 2>&1 && return; sleep 0.2; done
  log "containerd $1 did not start"; cat "$d/log" >&2; exit 1
}
start_containerd stock ""
start_containerd strata "disabled_plugins = [\"io.containerd.content.v1.content\"]
[proxy_plugins]
  [proxy_plugins.strata]
    type = \"snapshot\"
    address = \"$WORK/strata.sock\"
  [proxy_plugins.strata-content]
    type = \"content\"
    address = \"$WORK/strata.sock\""
ctr_() { local n=$1; shift; ctr -a "$WORK/$n/sock" -n "${NS:-perf}" "$@"; }
snap() { [[ $1 == stock ]] && echo overlayfs || echo strata; }

# a local registry for the pulls
RPORT=$((40000 + RANDOM % 10000))
printf 'version: 0.1\nstorage: {filesystem: {rootdirectory: %s/reg}}\nhttp: {addr: 127.0.0.1:%s}\n' "$WORK" "$RPORT" >"$WORK/reg.yml"
docker-registry serve "$WORK/reg.yml" >"$WORK/reg.log" 2>&1 &
PIDS+=($!)
sleep 2
skopeo copy -q --dest-tls-verify=false "docker-archive:$WORK/debian.tar" "docker://127.0.0.1:$RPORT/perf/debian:1"
REMOTE=127.0.0.1:$RPORT/perf/debian:1

declare -A R
# 1. unpack by import: stock vs Strata (Strata holds the chunks, but `ctr image import` sets no
#    snapshot.ref label, so containerd writes every file through the mount)
for n in stock strata; do
  t=$(now); ctr_ $n image import --snapshotter "$(snap $n)" "$WORK/debian.tar" >/dev/null; R[import_$n]=$(since "$t")
  log "import $n: ${R[import_$n]} s"
done
IMG=$(ctr_ stock image ls -q | head -1)
# 2. unpack by pull from the registry as the CRI plugin and nerdctl pull (containerd's Pull with
#    its unpacker, which labels layer snapshots with containerd.io/snapshot.ref), in a namespace
#    of its own (containerd's snapshots are per namespace, its content is shared, so neither
#    downloads the layer again): overlayfs unpacks the layer; Strata, which holds the image,
#    answers the remote-snapshot handshake and unpacks nothing.
GO=$WORK/go
(cd "$ROOT/containerd/src/test/go/pullunpack" &&
  GO111MODULE=off GOPATH=$GO/path:/usr/share/gocode GOCACHE=$GO/cache go build -o "$GO/pullunpack" .)
R[pull_stock]=$("$GO/pullunpack" "$WORK/stock/sock" pull overlayfs "$REMOTE")
R[pull_strata_held]=$("$GO/pullunpack" "$WORK/strata/sock" pull strata "$REMOTE")
log "pull stock ${R[pull_stock]} s, strata holding it ${R[pull_strata_held]} s"

# 3. start to exit
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for n in stock strata; do
  for i in 1 2 3 4 5; do
    t=$(now); ctr_ $n run --rm --snapshotter "$(snap $n)" "$IMG" "true$i" true; since "$t"
  done | median >"$WORK/start.$n"
  R[start_$n]=$(cat "$WORK/start.$n")
  log "start $n: ${R[start_$n]} s"
done

# 4. reads and metadata inside a container, cold (page cache dropped) then warm
inside() { # name id script -> seconds
  local n=$1 id=$2 s=$3 t
  t=$(now); ctr_ $n run --rm --snapshotter "$(snap $n)" "$IMG" "$id" sh -c "$s" >"$WORK/out.$n.$id"; since "$t"
}
USR=$(ctr_ stock run --rm --snapshotter overlayfs "$IMG" usrsize sh -c 'tar -cf - /usr 2>/dev/null | wc -c')
for n in stock strata; do
  for temp in cold warm; do
    [[ $temp == cold ]] && drop
    R[tar_${n}_$temp]=$(inside $n "tar$temp" 'tar -cf - /usr 2>/dev/null | wc -c')
    [[ $temp == cold ]] && drop
    R[find_${n}_$temp]=$(inside $n "find$temp" 'find / -xdev | wc -l')
    [[ $temp == cold ]] && drop
    R[stat_${n}_$temp]=$(inside $n "stat$temp" 'find / -xdev -exec stat -c %s {} + | wc -l')
  done
  log "reads $n: tar ${R[tar_${n}_cold]}/${R[tar_${n}_warm]} s, find ${R[find_${n}_cold]}/${R[find_${n}_warm]} s, stat ${R[stat_${n}_cold]}/${R[stat_${n}_warm]} s"
done
FILES=$(cat "$WORK/out.stock.findwarm")

# 5. a 4 KiB write into a 256 MiB file
for n in stock strata; do ctr_ $n image import --snapshotter "$(snap $n)" "$WORK/big.tar" >/dev/null; done
BIG=$(ctr_ stock image ls -q | grep big)
before=$(stored)
for n in stock strata; do
  ctr_ $n run --snapshotter "$(snap $n)" "$BIG" "w$n" sh -c 'head -c 4096 /dev/urandom | dd of=/srv/big bs=4096 seek=1000 conv=notrunc status=none && sync /srv/big'
done
sleep 1
# overlayfs: the upper directory of the container's snapshot holds the copied-up file
upper=$(ctr_ stock snapshots --snapshotter overlayfs mounts /mnt wstock | grep -o 'upperdir=[^,]*' | cut -d= -f2)
R[write_stock]=$(du -sb "$upper" | cut -f1)
R[write_strata]=$(($(stored) - before))
R[write_strata_usage]=$(ctr_ strata snapshots --snapshotter strata usage wstrata | awk 'NR==2{print $2 " " $3}')
log "4 KiB write: overlayfs upper ${R[write_stock]} B, Strata stored +${R[write_strata]} B (usage ${R[write_strata_usage]})"

ratio() { echo "scale=4; $1 / $2" | bc; }
cat <<EOF

containerd $(containerd --version | awk '{print $3}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); image: Debian bookworm minbase ($(stat -c %s "$ROOTFS") B tar, $FILES paths, /usr $USR B as tar)

| measure | overlayfs | Strata | Strata / overlayfs |
| --- | --- | --- | --- |
| \`ctr image import\` (unpack) | ${R[import_stock]} s | ${R[import_strata]} s | $(ratio "${R[import_strata]}" "${R[import_stock]}") |
| pull with unpack (containerd's \`Pull\`, as CRI) from a local registry; Strata already holds the image | ${R[pull_stock]} s | ${R[pull_strata_held]} s | $(ratio "${R[pull_strata_held]}" "${R[pull_stock]}") |
| \`ctr run --rm … true\`, median of 5 | ${R[start_stock]} s | ${R[start_strata]} s | $(ratio "${R[start_strata]}" "${R[start_stock]}") |
| \`tar -cf - /usr \| wc -c\`, cold | ${R[tar_stock_cold]} s | ${R[tar_strata_cold]} s | $(ratio "${R[tar_strata_cold]}" "${R[tar_stock_cold]}") |
| the same, warm | ${R[tar_stock_warm]} s | ${R[tar_strata_warm]} s | $(ratio "${R[tar_strata_warm]}" "${R[tar_stock_warm]}") |
| \`find / -xdev \| wc -l\`, cold | ${R[find_stock_cold]} s | ${R[find_strata_cold]} s | $(ratio "${R[find_strata_cold]}" "${R[find_stock_cold]}") |
| the same, warm | ${R[find_stock_warm]} s | ${R[find_strata_warm]} s | $(ratio "${R[find_strata_warm]}" "${R[find_stock_warm]}") |
| \`stat\` of every path, cold | ${R[stat_stock_cold]} s | ${R[stat_strata_cold]} s | $(ratio "${R[stat_strata_cold]}" "${R[stat_stock_cold]}") |
| the same, warm | ${R[stat_stock_warm]} s | ${R[stat_strata_warm]} s | $(ratio "${R[stat_strata_warm]}" "${R[stat_stock_warm]}") |
| bytes a 4 KiB write into a 256 MiB file adds | ${R[write_stock]} | ${R[write_strata]} (snapshot usage ${R[write_strata_usage]}) | $(ratio "${R[write_strata]}" "${R[write_stock]}") |

Times are wall seconds, each container's whole run (the command's start to exit); ratios below 1
mean Strata is faster (or stores less).
EOF
