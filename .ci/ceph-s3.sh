#!/usr/bin/env bash
# A real S3 server on a real distributed store for the scale-out tests: a one-node Ceph cluster
# (one monitor, one bluestore OSD on a sparse file, radosgw on loopback), from Debian's packages,
# without systemd and without touching /etc or /var/lib. Ready in about 8 s.
#
#   .ci/ceph-s3.sh start [DIR]   starts a fresh cluster in DIR (default /tmp/strata-ceph), creates
#                                the S3 user, writes DIR/s3.env and DIR/credentials (AWS format)
#   .ci/ceph-s3.sh stop [DIR]    stops it (TERM, then KILL after 20 s) and deletes DIR
#   .ci/ceph-s3.sh rgw-stop|rgw-start [DIR]   stops or starts radosgw alone (fault tests)
#
# Knobs: RGW_PORT (7480), MON_PORT (40000; msgr1 on +1), OSD_SIZE (20G, sparse), S3_ACCESS_KEY,
# S3_SECRET_KEY. No ceph-mgr: S3 does not need it and it takes 300 MiB.
set -euo pipefail

cmd=${1:?usage: ceph-s3.sh start|stop|rgw-stop|rgw-start [DIR]}
DIR=${2:-${CEPH_S3_DIR:-/tmp/strata-ceph}}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-40000}
OSD_SIZE=${OSD_SIZE:-20G}
ACCESS_KEY=${S3_ACCESS_KEY:-strataaccesskey00001}
SECRET_KEY=${S3_SECRET_KEY:-stratasecretkey000000000000000000000000001}
IP=127.0.0.1
CONF=$DIR/ceph.conf

# A daemon counts as running unless its /proc entry is gone or a zombie: PID 1 here may reap
# late, so kill -0 alone would call a dead daemon alive.
alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true); [[ -n $st && $st != Z ]]; }

stop_daemon() { # pid file
  local f=$1 pid
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

start_rgw() {
  radosgw -c "$CONF" -n client.rgw.a
  for _ in $(seq 240); do
    curl -fsS -o /dev/null "http://$IP:$RGW_PORT/" 2>/dev/null && return 0
    sleep 0.25
  done
  echo "radosgw does not answer on $IP:$RGW_PORT; see $DIR/out/rgw.a.log" >&2
  return 1
}

case $cmd in
stop)
  for d in client.rgw.a osd.0 mon.a; do stop_daemon "$DIR/out/$d.pid"; done
  rm -rf "$DIR"
  exit 0
  ;;
rgw-stop) stop_daemon "$DIR/out/client.rgw.a.pid"; exit 0 ;;
rgw-start) start_rgw; exit 0 ;;
start) ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac

for b in ceph-mon ceph-osd radosgw ceph uuidgen curl; do
  command -v "$b" >/dev/null || { echo "ceph-s3.sh: $b is missing (apt-get install ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl)" >&2; exit 1; }
done
for f in "$DIR"/out/*.pid; do
  [[ -e $f ]] && alive "$(cat "$f")" && { echo "a cluster is running in $DIR ($f); stop it first" >&2; exit 1; }
done
rm -rf "$DIR"
mkdir -p "$DIR/dev/mon.a" "$DIR/dev/osd0" "$DIR/dev/rgw.a" "$DIR/out"
KEYRING=$DIR/keyring
FSID=$(uuidgen)
MON_ADDR="[v2:$IP:$MON_PORT,v1:$IP:$((MON_PORT + 1))]"

# Size-one pools on one OSD, quiet health checks, and short paxos intervals: each pool radosgw
# creates is an osdmap change, and the default 1 s interval makes start-up take 20 s.
cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = $MON_ADDR
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon osd full ratio = .99
mon osd backfillfull ratio = .98
mon osd nearfull ratio = .97
osd failsafe full ratio = .995
ms bind ipv4 = true
ms bind ipv6 = false
log to stderr = false
err to stderr = false
log file = $DIR/out/\$name.log
admin socket = $DIR/out/\$name.asok
pid file = $DIR/out/\$name.pid
run dir = $DIR/out
crash dir = $DIR/out/crash
[client]
keyring = $KEYRING
[mon]
mon data = $DIR/dev/mon.\$id
paxos propose interval = 0.05
paxos min wait = 0.01
[osd]
osd data = $DIR/dev/osd\$id
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $(numfmt --from=iec "$OSD_SIZE")
bluestore block db create = false
bluestore block wal create = false
bluestore fsck on mount = false
bluestore fsck on mkfs = false
osd memory target = 1073741824
osd op num shards = 2
osd op num threads per shard = 1
osd class dir = /usr/lib/x86_64-linux-gnu/rados-classes
[client.rgw.a]
rgw frontends = beast endpoint=$IP:$RGW_PORT
rgw data = $DIR/dev/rgw.a
log file = $DIR/out/rgw.a.log
admin socket = $DIR/out/rgw.a.asok
rgw dns name = localhost
rgw thread pool size = 64
rgw enable usage log = false
rgw gc obj min wait = 60
rgw gc processor period = 60
EOF

ceph-authtool --create-keyring --gen-key --name=mon. "$KEYRING" --cap mon 'allow *' >/dev/null
ceph-authtool --gen-key --name=client.admin --cap mon 'allow *' --cap osd 'allow *' \
  --cap mgr 'allow *' "$KEYRING" >/dev/null
monmaptool --create --clobber --fsid "$FSID" --addv a "$MON_ADDR" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap="$DIR/monmap" --keyring="$KEYRING"
ceph-mon -c "$CONF" -i a
ceph -c "$CONF" --connect-timeout 60 mon stat >/dev/null

OSD_UUID=$(uuidgen)
OSD_KEY=$(ceph-authtool --gen-print-key)
echo "{\"cephx_secret\": \"$OSD_KEY\"}" >"$DIR/osd-new.json"
ceph -c "$CONF" osd new "$OSD_UUID" -i "$DIR/osd-new.json" >/dev/null
rm -f "$DIR/osd-new.json"
ceph-osd -c "$CONF" -i 0 --mkfs --key "$OSD_KEY" --osd-uuid "$OSD_UUID" >"$DIR/out/osd.0.mkfs.log" 2>&1 ||
  { tail -20 "$DIR/out/osd.0.mkfs.log" >&2; exit 1; }
printf '[osd.0]\n\tkey = %s\n' "$OSD_KEY" >"$DIR/dev/osd0/keyring"
ceph-osd -c "$CONF" -i 0
for _ in $(seq 240); do
  ceph -c "$CONF" osd dump 2>/dev/null | grep -q '^osd.0 up *in' && break
  sleep 0.25
done
ceph -c "$CONF" osd dump | grep -q '^osd.0 up *in' || { echo "osd.0 did not come up" >&2; exit 1; }

ceph -c "$CONF" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' >>"$KEYRING"
start_rgw
radosgw-admin -c "$CONF" user create --uid=strata --display-name="Strata tests" \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null

cat >"$DIR/s3.env" <<EOF
S3_ENDPOINT=http://$IP:$RGW_PORT
S3_ACCESS_KEY=$ACCESS_KEY
S3_SECRET_KEY=$SECRET_KEY
CEPH_CONF=$CONF
EOF
cat >"$DIR/credentials" <<EOF
[default]
aws_access_key_id = $ACCESS_KEY
aws_secret_access_key = $SECRET_KEY
EOF
chmod 600 "$DIR/credentials"
echo "S3 on http://$IP:$RGW_PORT (credentials $DIR/credentials)"
