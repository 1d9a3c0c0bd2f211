#!/usr/bin/env bash
# What a v2 that edits 20 files of a ~100 MiB Go-gzipped layer adds to a Strata registry after v1,
# next to Debian's docker-registry (distribution), both pushed by skopeo in the same run; then
# pulls back from Strata with digests checked. Usage: perf/registry-recipes.sh [WORKDIR]
# Needs skopeo, docker-registry, Go, python3 and the Debian tar DebianRootfs builds
# (/var/tmp/strata-test/debian-bookworm-minbase.tar); run the reactor build first (bin/stratad
# rebuilds only a stale server jar; the client jar must exist).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$(mktemp -d /var/tmp/registry-recipes.XXXX)}
mkdir -p "$W"
SRC=${SRC:-/var/tmp/strata-test/debian-bookworm-minbase.tar}
log() { echo "[$(date +%T)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# v1 and v2 written by the same tar writer; v2 appends 18 bytes to 20 regular files
python3 - "$SRC" "$W" <<'PY'
import sys, tarfile, io
src, w = sys.argv[1], sys.argv[2]
members = []
with tarfile.open(src) as t:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isreg() else None
        members.append((m, data))
regs = [i for i, (m, d) in enumerate(members) if m.isreg() and m.size > 4096]
edit = set(regs[len(regs) // 21 :: len(regs) // 21][:20])
for name, edits in (("v1", set()), ("v2", edit)):
    with tarfile.open(f"{w}/{name}.tar", "w", format=tarfile.PAX_FORMAT) as out:
        for i, (m, d) in enumerate(members):
            if d is not None:
                if i in edits:
                    d = d + b"edited by v2 test\n"
                m.size = len(d)
                out.addfile(m, io.BytesIO(d))
            else:
                out.addfile(m)
print(f"edited {len(edit)} files", file=sys.stderr)
PY
gogzip=$root/store/target/gogzip
[[ -x $gogzip ]] || (cd "$root/store/src/test/go/gogzip" && GO111MODULE=off GOPATH=$W/gopath go build -o "$gogzip" .)
for v in v1 v2; do
  "$gogzip" 6 "$W/$v.tar"
  python3 - "$W" "$v" <<'PY'
import sys, json, hashlib, os
w, v = sys.argv[1], sys.argv[2]
l = f"{w}/{v}"
os.makedirs(f"{l}/blobs/sha256", exist_ok=True)
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(f"{l}/blobs/sha256/{d}", "wb").write(b)
    return "sha256:" + d
tar_sha = hashlib.sha256()
with open(f"{w}/{v}.tar", "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        tar_sha.update(b)
gz = open(f"{w}/{v}.tar.6.gz", "rb").read()
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + tar_sha.hexdigest()]}}).encode()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(cfg), "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(gz), "size": len(gz)}]}).encode()
m = put(man)
open(f"{l}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
open(f"{l}/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m, "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "1"}}]}))
PY
done
log "v1.tar $(stat -c %s "$W/v1.tar") bytes, v1 gzip $(stat -c %s "$W/v1.tar.6.gz"), v2 gzip $(stat -c %s "$W/v2.tar.6.gz")"

SPORT=$(free_port); RPORT=$(free_port); LPORT=$(free_port); GPORT=$(free_port)
# bin/stratad, as users start it (its heap, class-data sharing archive and JIT settings)
STRATAD_JAVA_OPTS=${STRATAD_OPTS:-} "$root/bin/stratad" --data "$W/strata" \
  --listen "127.0.0.1:$LPORT" --registry "127.0.0.1:$RPORT" >"$W/stratad.log" 2>&1 &
SPID=$!
cat >"$W/reg.yml" <<YML
version: 0.1
storage: {filesystem: {rootdirectory: $W/reg}}
http: {addr: 127.0.0.1:$GPORT}
YML
docker-registry serve "$W/reg.yml" >"$W/reg.log" 2>&1 &
GPID=$!
trap 'kill $SPID $GPID 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$RPORT/v2/" && curl -s -o /dev/null "http://127.0.0.1:$GPORT/v2/" && break; sleep 0.2; done
strata() { STRATA_HOST=127.0.0.1:$LPORT java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$root/client/target/strata.jar" "$@"; }
stored() { strata --json info | python3 -c 'import json,sys; print(json.load(sys.stdin)["storedBytes"])'; }
regbytes() { du -sb "$W/reg" 2>/dev/null | cut -f1 || echo 0; }
converted() { # wait until stratad has turned N gzip blobs into recipes (or kept them whole)
  for _ in $(seq 1 600); do
    (( $(grep -cE "gzip reproduced by|no known compressor" "$W/stratad.log") >= $1 )) && return; sleep 0.5
  done
}
imported() { # wait until the image is a Strata image, its layer a recipe, the store settled; gc
  for _ in $(seq 1 600); do strata image ls | grep -q "$1" && break; sleep 0.5; done
  converted "$2"
  local a b; a=$(stored); while sleep 2; b=$(stored); [[ $a != "$b" ]]; do a=$b; done
  strata gc >/dev/null  # the whole copy a push stored goes once the recipe replaced it
}
push() { # v target
  local t0 t1; t0=$(date +%s.%N)
  skopeo copy -q --dest-tls-verify=false "oci:$W/$1:1" "docker://$2/perf/$1:1" >/dev/null
  t1=$(date +%s.%N); python3 -c "print(f'{$t1-$t0:.2f}')"
}
s0=$(stored); r0=$(regbytes)
ts1=$(push v1 "127.0.0.1:$RPORT"); imported perf/v1 1; s1=$(stored)
tr1=$(push v1 "127.0.0.1:$GPORT"); r1=$(regbytes)
ts2=$(push v2 "127.0.0.1:$RPORT"); imported perf/v2 2; s2=$(stored)
tr2=$(push v2 "127.0.0.1:$GPORT"); r2=$(regbytes)
t0=$(date +%s.%N); skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$RPORT/perf/v2:1" "oci:$W/back:1" >/dev/null; t1=$(date +%s.%N)
tpull=$(python3 -c "print(f'{$t1-$t0:.2f}')")
t0=$(date +%s.%N); skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$GPORT/perf/v2:1" "oci:$W/backreg:1" >/dev/null; t1=$(date +%s.%N)
tpullr=$(python3 -c "print(f'{$t1-$t0:.2f}')")
# the same pull with the blob cache emptied behind stratad's back (it falls back to regenerating)
rm -f "$W"/strata/tmp/registry-blob-cache/*
t0=$(date +%s.%N); skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$RPORT/perf/v2:1" "oci:$W/cold:1" >/dev/null; t1=$(date +%s.%N)
tcold=$(python3 -c "print(f'{$t1-$t0:.2f}')")
same=yes
for f in "$W"/v2/blobs/sha256/*; do
  cmp -s "$f" "$W/back/blobs/sha256/$(basename "$f")" || same=no
  cmp -s "$f" "$W/cold/blobs/sha256/$(basename "$f")" || same=no
done
echo "strata:          push v1 ${ts1}s, stored after v1 $((s1 - s0)) bytes; push v2 ${ts2}s, v2 added $((s2 - s1)) bytes; pull v2 ${tpull}s (blob cache), ${tcold}s (regenerated)"
echo "docker-registry: push v1 ${tr1}s, stored after v1 $((r1 - r0)) bytes; push v2 ${tr2}s, v2 added $((r2 - r1)) bytes; pull v2 ${tpullr}s"
python3 -c "print(f'v2 adds to Strata {100*($s2-$s1)/($r2-$r1):.2f}% of what it adds to docker-registry')"
echo "v2 pulled back from Strata byte for byte: $same"
strata info | grep -i gzip || true
grep -c "reproduced by" "$W/stratad.log" || true
