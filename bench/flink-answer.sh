#!/usr/bin/env bash
# Command to answer on a Flink session cluster (issue 14): how much longer a user waits for
# `layerfs index` and `sync` than the job itself runs on the cluster. Starts the cluster of
# bench/flink-cluster.sh (a JobManager and two one-slot TaskManagers, separate JVMs), then, in
# each of $BENCH_RUNS rounds (default 3), with the job jar on shared storage (--flinkJobJarDir)
# and without it (uploaded with the job):
#   - index of the bench corpus with an empty cache;
#   - sync of the corpus into an empty OCI layout.
# The job's own duration is the JobManager's (REST /jobs/overview: end-time minus start-time).
# Before the rounds, one Flink command that is not timed (see below).
# Prints a markdown table of medians: command wall (CPU s), job, their ratio (target <= 1.5).
# usage: bench/flink-answer.sh   (work files in bench/work/, or $BENCH_WORK)
set -euo pipefail
work="${BENCH_WORK:-$(dirname "${BASH_SOURCE[0]}")/work}"
runs="${BENCH_RUNS:-3}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
corpus="$work/corpus"
[ -f "$corpus/index.json" ] || python3 "$bench/make-corpus.py" "$corpus"

cluster="$work/flink-answer"
port="$(free_port)"
FLINK_REST_PORT="$port" "$bench/flink-cluster.sh" start "$cluster" >&2
stop_cluster() { "$bench/flink-cluster.sh" stop "$cluster"; stop_started; }
trap stop_cluster EXIT
# flink-cluster.sh keeps a config it wrote before: read the port it really uses.
port="$(sed -n 's/^rest.port: *//p' "$cluster/conf/config.yaml")"
flink=(--runner=FlinkRunner "--flinkMaster=127.0.0.1:$port" --parallelism=2)

# job_seconds: the duration of the newest finished job, from the JobManager.
job_seconds() {
  curl -sf "http://127.0.0.1:$port/jobs/overview" | python3 -c '
import json, sys
jobs = [j for j in json.load(sys.stdin)["jobs"] if j["end-time"] > 0]
newest = max(jobs, key=lambda j: j["end-time"])
print("%.2f" % ((newest["end-time"] - newest["start-time"]) / 1000))'
}
# run NAME CMD...: times CMD into NAME.times, the job's own duration into NAME.job.
run() {
  local name="$1"; shift
  timed "$work/fa-$name.times" "$@"
  job_seconds >> "$work/fa-$name.job"
}

rm -f "$work"/fa-*.times "$work"/fa-*.job
# Not timed: the first Flink command of a build writes the launcher's class archive for Flink
# commands (./layerfs) and puts the job jar in the shared directory; every later one finds both.
rm -rf "$work/fa-warm"
"$layerfs" index "oci:$top/testdata/images:small" --out "$work/fa-warm/out" --cache-dir "$work/fa-warm/cache" \
  "${flink[@]}" "--flinkJobJarDir=$cluster/job-jars" >/dev/null 2>&1
load_start="$(load)"
for i in $(seq "$runs"); do
  echo "round $i of $runs (load $(load))" >&2
  for mode in shared upload; do
    extra=()
    [ "$mode" = shared ] && extra=("--flinkJobJarDir=$cluster/job-jars")
    rm -rf "$work/fa-out" "$work/fa-cache" "$work/fa-sync"
    run "index-$mode" "$layerfs" index "oci:$corpus" --out "$work/fa-out" --cache-dir "$work/fa-cache" \
      "${flink[@]}" ${extra[@]+"${extra[@]}"}
    run "sync-$mode" "$layerfs" sync "oci:$corpus" "oci:$work/fa-sync" "${flink[@]}" ${extra[@]+"${extra[@]}"}
  done
done

echo "Command to answer on a Flink session cluster (2 TaskManagers x 1 slot, loopback), medians of $runs; load $load_start at the start, $(load) at the end."
echo
echo "| job | command, wall s (CPU s) | job on the cluster, s | ratio (target <= 1.5) |"
echo "|---|---|---|---|"
for name in index-shared index-upload sync-shared sync-upload; do
  wall="$(median "$work/fa-$name.times" 1)"
  cpu="$(median "$work/fa-$name.times" 2)"
  job="$(sort -n "$work/fa-$name.job" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
  label="${name%-*} $( [ "${name#*-}" = shared ] && echo "(--flinkJobJarDir)" || echo "(jar uploaded)")"
  echo "| $label | $wall ($cpu) | $job | $(awk -v a="$wall" -v b="$job" 'BEGIN { printf "%.2f", a / b }') |"
done
