#!/usr/bin/env bash
# The training run of stratad's class-data sharing archive (docs/perf/HISTORY.md, "Fresh server"):
# the build runs the real server under -XX:DumpLoadedClassList, drives it with the real client
# through the everyday write path (an import of a directory and of a tar, a listing, a removal, a
# gc), and then dumps the classes the server loaded, parsed and verified, with the lambda classes it
# spun, into target/stratad.jsa next to the jar; bin/stratad maps it at startup. A fresh server then
# neither loads those classes from the jar nor generates its lambdas with ASM (whose code was hot
# enough to be compiled by C2 during a first import).
#
# The training data is this module's own source tree (a few hundred small text files, the shape of
# a distribution's /usr): nothing is downloaded. Everything happens under target/; the server
# listens on a loopback port the kernel picks.
#
# Usage: train.sh TARGET_DIR  (the module's target/, holding stratad.jar; ../client/target holds
# strata.jar, which the reactor builds first since the server's tests use it).
set -euo pipefail
target=$(cd "$1" && pwd)
java=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/bin/java
[[ -x $java ]] || java=java
jar=$target/stratad.jar
client=$target/../../client/target/strata.jar
sources=$target/../src/main/java
[[ -f $jar ]] || { echo "train.sh: $jar is missing" >&2; exit 1; }
[[ -f $client ]] || { echo "train.sh: $client is missing (build the client first)" >&2; exit 1; }

work=$(mktemp -d "$target/cds-training-XXXXXX")
server=
cleanup() {
  if [[ -n $server ]]; then
    kill "$server" 2> /dev/null || true
    wait "$server" 2> /dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

list=$target/stratad.classlist
rm -f "$list" "$target/stratad.jsa"
# made before the server starts: the loop below reads it before the forked shell would create it
: > "$work/log"
"$java" -Xshare:off -XX:DumpLoadedClassList="$list" -Xmx256m -XX:+UseG1GC \
  -jar "$jar" --data "$work/data" --listen 127.0.0.1:0 > "$work/log" 2>&1 &
server=$!
host=
for _ in $(seq 600); do
  host=$(sed -n 's/^stratad listening on \([^ ]*\) .*/\1/p' "$work/log" | head -1)
  [[ -n $host ]] && break
  kill -0 "$server" 2> /dev/null || { cat "$work/log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $host ]] || { echo "train.sh: stratad did not start" >&2; cat "$work/log" >&2; exit 1; }

strata() {
  "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$client" --host "$host" "$@" > /dev/null
}
# A tar in GNU tar's own order and form: the import that reads its tree back.
tar -C "$sources" -cf "$work/tree.tar" .
for round in 1 2; do
  strata image import "$sources" -t "training:dir"
  strata image import "$work/tree.tar" -t "training:tar"
  strata images
  strata info
  strata image rm training:dir training:tar
  strata gc
done
kill "$server"
wait "$server" 2> /dev/null || true
server=
grep -qE '^io/strata/store/engine/GarbageCollector( |$)' "$list" ||
  { echo "train.sh: $list lacks the classes of the training's last steps" >&2; exit 1; }

# Errors only: the dump lists every class it skips as a warning.
"$java" -Xlog:disable -Xlog:all=error:stderr -Xshare:dump -XX:SharedClassListFile="$list" \
  -XX:SharedArchiveFile="$target/stratad.jsa" -cp "$jar"
