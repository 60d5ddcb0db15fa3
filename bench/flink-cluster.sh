#!/usr/bin/env bash
# A Flink 1.19 standalone session cluster on this machine, from Flink's own jars (Maven Central has
# no flink-dist: flink-cluster/pom.xml resolves the class path), as the tests start it: one
# JobManager and N TaskManagers of S task slots, each its own JVM, then submit to it with
#   ./layerfs index ... --runner=FlinkRunner --flinkMaster=127.0.0.1:PORT --parallelism=N*S
#
#   bench/flink-cluster.sh start [DIR]   start it (DIR default bench/work/flink); prints the master
#   bench/flink-cluster.sh stop [DIR]    stop every process it started
#   bench/flink-cluster.sh kill-tm I [DIR]  kill -9 TaskManager I (0-based), as a crash would
#
# FLINK_TASKMANAGERS (default 2), FLINK_SLOTS (task slots each, default 1), FLINK_REST_PORT
# (default 8081), FLINK_TM_HEAP (task heap of each TaskManager, default 256m). DIR/conf/config.yaml
# is written on the first start and kept: edit it as you would a Flink installation's. Logs:
# DIR/*.log. On a cluster of several machines, start the same processes there with
# jobmanager.rpc.address set to the JobManager's host.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-}"
case "$cmd" in
  start|stop) dir="${2:-$here/bench/work/flink}" ;;
  kill-tm) dir="${3:-$here/bench/work/flink}" ;;
  *) echo "usage: $0 start|stop [DIR] | kill-tm I [DIR]" >&2; exit 2 ;;
esac
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

stop() {
  for pid in "$dir"/*.pid; do
    [ -f "$pid" ] || continue
    kill "$(cat "$pid")" 2>/dev/null || true
    rm -f "$pid"
  done
}

case "$cmd" in
  stop) stop; exit 0 ;;
  kill-tm) kill -9 "$(cat "$dir/taskmanager-$2.pid")"; rm -f "$dir/taskmanager-$2.pid"; exit 0 ;;
esac

cp_file="$here/flink-cluster/target/classpath.txt"
if [ ! -f "$cp_file" ]; then
  (cd "$here" && mvn -B -q -f flink-cluster/pom.xml generate-resources >&2)
fi
cp="$(cat "$cp_file")"
java="${JAVA:-java}"
conf="$dir/conf"
port="${FLINK_REST_PORT:-8081}"
if [ ! -f "$conf/config.yaml" ]; then
  mkdir -p "$conf"
  # A port of its own: with Flink's default (6123) the TaskManagers of a second cluster on this
  # machine join the first one's JobManager.
  rpc_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  cat >"$conf/config.yaml" <<EOF
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: 127.0.0.1
jobmanager.memory.process.size: 768m
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $port
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
taskmanager.numberOfTaskSlots: ${FLINK_SLOTS:-1}
taskmanager.memory.task.heap.size: ${FLINK_TM_HEAP:-256m}
taskmanager.memory.managed.size: 128m
metrics.fetcher.update-interval: 1000
# Flink on Java 17 reflects into these (Flink's distribution opens them in its own config).
env.java.opts.all: --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
# layerfs unpack makes paths from names' bytes with the JDK's Unix paths (the launcher jar's
# manifest opens them; a cluster JVM does not read a job jar's manifest).
env.java.opts.taskmanager: --add-opens=java.base/sun.nio.fs=ALL-UNNAMED
EOF
fi
setting() { sed -n "s/^$1: *//p" "$conf/config.yaml"; }
port="$(setting rest.port)"

# What Flink's bin/*.sh do: the memory options of each JVM are derived from config.yaml.
params() { "$java" -cp "$cp" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" 2>/dev/null \
  | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'; }
launch() { # role index main-class resource-command
  local p jvm dyn
  p="$(params "$4")"
  jvm="$(sed -n 1p <<<"$p")"; dyn="$(sed -n 2p <<<"$p")"
  # shellcheck disable=SC2046,SC2086
  nohup "$java" $(setting env.java.opts.all) $(setting "env.java.opts.$1") $jvm -cp "$cp" "$3" --configDir "$conf" $dyn \
    >"$dir/$1-$2.log" 2>&1 &
  echo $! >"$dir/$1-$2.pid"
}

stop
launch jobmanager 0 org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS
for ((i = 0; i < ${FLINK_TASKMANAGERS:-2}; i++)); do
  launch taskmanager "$i" org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
done
want=$(( ${FLINK_TASKMANAGERS:-2} * $(setting taskmanager.numberOfTaskSlots) ))
for _ in $(seq 240); do
  slots="$(curl -sf "http://127.0.0.1:$port/overview" | python3 -c 'import json,sys; print(json.load(sys.stdin)["slots-total"])' 2>/dev/null || true)"
  if [ "${slots:-0}" -ge "$want" ]; then
    echo "Flink session cluster up: $want task slots; submit with --runner=FlinkRunner --flinkMaster=127.0.0.1:$port --parallelism=$want --flinkJobJarDir=$dir/job-jars"
    exit 0
  fi
  sleep 0.5
done
echo "$0: the cluster did not register $want task slots in 120 s; see $dir/*.log" >&2
exit 1
