# Shared by the perf scripts that drive bin/strata against bin/stratad: timing, CPU and memory of
# processes, and a stratad on a data root of its own. Source it after setting ROOT (the checkout
# whose bin/ runs) and work (a scratch directory the caller removes).

now() { date +%s.%N; }
# Seconds since $1 (a now value), three decimals.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }
# MB/s for $1 bytes in $2 seconds.
rate() { awk -v b="$1" -v t="$2" 'BEGIN {printf "%.1f", b / t / 1e6}'; }
# Bytes in the regular files under $1.
bytes_of() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }
# CPU milliseconds per MB: $1 CPU seconds over $2 bytes.
ms_per_mb() { awk -v c="$1" -v b="$2" 'BEGIN {printf "%.1f", c * 1000 / (b / 1e6)}'; }

TICKS=$(getconf CLK_TCK)
# CPU seconds process $1 has used (user + system).
cpu_of() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
# Peak resident memory of process $1 so far, MiB (VmHWM).
peak_rss_mib() { awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# Resident memory of process $1 now, MiB.
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# Runs a command, timing it; sets WALL and CPU (its user + system seconds, children included).
# A failing command fails the script, except borg, whose exit 1 means warnings.
timed() {
  local t0 out=$work/time.out
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$out" "$@" > /dev/null 2>&1 || [ "$1" = borg ] || {
    echo "$0: failed: $*" >&2
    exit 1
  }
  WALL=$(since "$t0")
  CPU=$(awk '{printf "%.2f", $1 + $2}' "$out")
}

server_pid=
# Starts stratad on data root $1 (its log beside it, $1.log), listening on a port of its own, and
# exports STRATA_HOST from its ready line. STRATAD_ARGS adds options.
start_server() {
  local data=$1 log=$1.log
  mkdir -p "$data"
  # shellcheck disable=SC2086 # STRATAD_ARGS is a list of options
  "$ROOT/bin/stratad" --data "$data" --listen 127.0.0.1:0 ${STRATAD_ARGS:-} > "$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 600); do
    if grep -qs '^stratad listening on' "$log"; then
      STRATA_HOST=$(sed -n 's/^stratad listening on \([^ ]*\) .*/\1/p' "$log" | head -1)
      export STRATA_HOST
      return
    fi
    kill -0 "$server_pid" 2> /dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$0: stratad did not start (see $log)" >&2
  exit 1
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
    server_pid=
  fi
}

# One line saying when, where and under what load a run was made.
machine_line() {
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
