# What every benchmark script starts with (sourced after `set -euo pipefail`, with $work set):
# the timing helpers, the launcher built before anything is timed, layerfs's heap held to 256 MiB
# as users run it (LAYERFS_JAVA_OPTS wins), and loopback registries and relays that are stopped
# when the script exits.
bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$bench")"
layerfs="$top/layerfs"
export LAYERFS_JAVA_OPTS="${LAYERFS_JAVA_OPTS:--Xmx256m}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
source "$bench/timing.sh"
"$layerfs" --help >/dev/null   # builds the jar (and its class-data archive) when missing or stale

# The processes start_registry and start_relay started; they run in command substitutions
# (subshells), so their pids go to a file, not a variable.
started_pids="$work/started-$$.pids"

load() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ref_names LAYOUT: the tags of an OCI layout, one a line.
ref_names() {
  python3 -c 'import json,sys; [print(m["annotations"]["org.opencontainers.image.ref.name"]) for m in json.load(open(sys.argv[1]))["manifests"]]' "$1/index.json"
}

# wait_for_v2 PORT WHAT [LOG]: waits until http://127.0.0.1:PORT/v2/ answers; prints PORT.
wait_for_v2() {
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$1/v2/" >/dev/null 2>&1 && { echo "$1"; return; }
    sleep 0.1
  done
  echo "$2 did not start${3:+: $(cat "$3")}" >&2; return 1
}

# start_registry DIR: a docker-registry (deletes allowed) storing in DIR, on a free loopback port; prints the port.
start_registry() {
  local dir="$1" port
  port=$(free_port)
  mkdir -p "$dir"
  cat > "$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  echo $! >> "$started_pids"
  wait_for_v2 "$port" docker-registry "$dir/log"
}

# start_relay TARGET_PORT DELAY_MS LOG: bench/delay-relay.py to TARGET_PORT, adding DELAY_MS each
# way and logging each request to LOG; prints its port.
start_relay() {
  local port
  port=$(free_port)
  python3 "$bench/delay-relay.py" "$port" "$1" "$2" "$3" >/dev/null 2>&1 &
  echo $! >> "$started_pids"
  wait_for_v2 "$port" relay
}

# stop_started: stops every registry and relay started so far.
stop_started() {
  [ -f "$started_pids" ] || return 0
  xargs kill < "$started_pids" 2>/dev/null || true
  rm -f "$started_pids"
}
trap stop_started EXIT
