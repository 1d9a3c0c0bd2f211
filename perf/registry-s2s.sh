#!/usr/bin/env bash
# Bytes on the wire of a Strata-to-Strata pull (issue #15's chunk index): v1 and v2 of a Debian
# layer (v2 appends 18 bytes to 20 files; both Go-gzipped) pushed by skopeo to `stratad
# --registry`; a second stratad pulls v1, then v2, through a TCP proxy that counts both directions.
# Prints the bytes of each pull and the size of the v2 layer's index blob as sent (zstd) and
# uncompressed (what the index cost on the wire before it was compressed).
# Usage: perf/registry-s2s.sh [WORKDIR]  (WORKDIR may already hold v1/ and v2/ OCI layouts, as
# perf/registry-recipes.sh writes them, to skip making them.) Builds nothing: run the reactor
# build first. Needs skopeo, Go, python3, zstd and /var/tmp/strata-test/debian-bookworm-minbase.tar.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-$(mktemp -d /var/tmp/registry-s2s.XXXX)}
mkdir -p "$W"
SRC=${SRC:-/var/tmp/strata-test/debian-bookworm-minbase.tar}
log() { echo "[$(date +%T)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [[ ! -f $W/v2/index.json ]]; then
  # the layouts exactly as perf/registry-recipes.sh makes them (its first half, WORKDIR given)
  sed -n '/^# v1 and v2 written/,/^log "v1.tar/p' "$root/perf/registry-recipes.sh" >"$W/make.sh"
  (export SRC W root; source "$W/make.sh")
fi

# a counting TCP proxy: LISTEN -> 127.0.0.1:UPSTREAM, the running total of bytes in FILE
cat >"$W/proxy.py" <<'PY'
import socket, sys, threading, time
listen, upstream, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
total = [0]
lock = threading.Lock()
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            with lock:
                total[0] += len(d)
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
def writer():
    while True:
        open(out, "w").write(str(total[0]))
        time.sleep(0.1)
threading.Thread(target=writer, daemon=True).start()
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen)); srv.listen(16)
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", upstream))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY

RPORT=$(free_port); RLPORT=$(free_port); PLPORT=$(free_port); XPORT=$(free_port)
rm -rf "$W/reg-strata" "$W/puller"
java -Xmx512m -XX:+UseG1GC -jar "$root/server/target/stratad.jar" --data "$W/reg-strata" \
  --listen "127.0.0.1:$RLPORT" --registry "127.0.0.1:$RPORT" >"$W/reg-strata.log" 2>&1 &
RPID=$!
java -Xmx512m -XX:+UseG1GC -jar "$root/server/target/stratad.jar" --data "$W/puller" \
  --listen "127.0.0.1:$PLPORT" >"$W/puller.log" 2>&1 &
PPID_=$!
python3 "$W/proxy.py" "$XPORT" "$RPORT" "$W/count" &
XPID=$!
trap 'kill $RPID $PPID_ $XPID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$RPORT/v2/" && break; sleep 0.2; done
strata() { STRATA_HOST=127.0.0.1:$1 java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$root/client/target/strata.jar" "${@:2}"; }
for _ in $(seq 1 300); do strata "$PLPORT" info >/dev/null 2>&1 && break; sleep 0.2; done

for v in v1 v2; do skopeo copy -q --dest-tls-verify=false "oci:$W/$v:1" "docker://127.0.0.1:$RPORT/perf/app:$v" >/dev/null; done
manifest() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$W/$1/index.json"; }
m2=$(manifest v2)
log "pushed; waiting for the chunk index of v2 ($m2)"
for _ in $(seq 1 1200); do
  art=$(curl -s "http://127.0.0.1:$RPORT/v2/perf/app/referrers/$m2" | python3 -c '
import json,sys
for m in json.load(sys.stdin)["manifests"]:
    if m.get("artifactType") == "application/vnd.strata.chunk-index.v1": print(m["digest"])')
  [[ -n $art ]] && break; sleep 0.5
done
[[ -n $art ]] || { log "no chunk index"; exit 1; }
read -r ltype ldigest lsize < <(curl -s "http://127.0.0.1:$RPORT/v2/perf/app/manifests/$art" | python3 -c '
import json,sys; l=json.load(sys.stdin)["layers"][0]; print(l["mediaType"], l["digest"], l["size"])')
curl -s "http://127.0.0.1:$RPORT/v2/perf/app/blobs/$ldigest" >"$W/index.blob"
if [[ $ltype == *+zstd ]]; then plain=$(zstd -dc "$W/index.blob" | wc -c); else plain=$lsize; fi

pull() { # tag -> bytes on the wire
  local before after t0 t1
  sleep 0.3; before=$(cat "$W/count")
  t0=$(date +%s.%N)
  strata "$PLPORT" --json pull "127.0.0.1:$XPORT/perf/app:$1" --plain-http >"$W/pull-$1.json"
  t1=$(date +%s.%N)
  sleep 0.5; after=$(cat "$W/count")
  echo "$((after - before)) $(python3 -c "print(f'{$t1-$t0:.1f}')")"
}
read -r w1 t1 < <(pull v1)
read -r w2 t2 < <(pull v2)
gz2=$(stat -c %s "$W/v2.tar.6.gz")
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "v1 pull: $w1 bytes on the wire, ${t1}s"
echo "v2 pull (v1 present): $w2 bytes on the wire ($(python3 -c "print(f'{100*$w2/$gz2:.2f}')")% of its $gz2-byte layer), ${t2}s"
echo "v2's layer index: $lsize bytes as sent ($ltype), $plain uncompressed"
echo "v2 pull had the index gone uncompressed: $((w2 - lsize + plain)) bytes"
cat "$W/pull-v2.json"; echo
