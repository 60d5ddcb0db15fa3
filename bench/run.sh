#!/usr/bin/env bash
# The layerfs benchmark: not part of the tests. Makes its data (once, into bench/work/): the index
# corpus (make-corpus.py: 4 images sharing a base, 8 gzip layers, >= 1 GiB uncompressed, real
# files from /usr) and the unpack images (make-unpack-images.py: one layer of >= 50 000 entries;
# 30 layers). Then, each peer run next to layerfs in every round, $BENCH_RUNS rounds (default 3):
#   - sync of the corpus into an empty OCI layout, and again when nothing changed, against a
#     `skopeo copy` per image (layout to layout, gzip blobs: skopeo copies them as they are);
#   - the same into an empty docker-registry (one on loopback for each tool, fresh each round);
#   - sync of the five sample images (testdata/images) when nothing changed: the fixed cost of a job;
#   - index of the corpus with a cold cache, against serial `zcat` and `sha256sum` of the same
#     blobs; the same with a warm cache; the cold index again on an embedded Flink;
#   - unpack of each unpack image (cold cache, then warm) against `umoci unpack`.
# Prints a markdown table: medians, CPU seconds (user+sys), ratios and the targets of issue 10.
# layerfs runs as users run it: through the launcher, heap held to 256 MiB.
# Needs: java, mvn, python3, gzip, GNU tar and time, umoci, skopeo, docker-registry, curl.
# usage: bench/run.sh       (work files in bench/work/, or $BENCH_WORK; remove with rm -rf)
#        BENCH_ROWS="index" bench/run.sh   runs and prints only those groups of rows, of "sync index unpack"
set -euo pipefail
work="${BENCH_WORK:-$(dirname "${BASH_SOURCE[0]}")/work}"
runs="${BENCH_RUNS:-3}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
corpus="$work/corpus"
images="$work/unpack-images"
load_start="$(load)"
started=$SECONDS
rows=" ${BENCH_ROWS:-sync index unpack} "
want() { [[ "$rows" == *" $1 "* ]]; }

[ -f "$corpus/index.json" ] || python3 "$bench/make-corpus.py" "$corpus"
! want unpack || [ -f "$images/index.json" ] || python3 "$bench/make-unpack-images.py" "$images"

blobs=()
for b in "$corpus"/blobs/sha256/*; do
  [ "$(head -c 2 "$b" | od -An -tx1 | tr -d ' ')" = 1f8b ] && blobs+=("$b")
done
TAGS="$(ref_names "$corpus")"
export TAGS corpus
# skopeo_loop DEST [OPTIONS]: one `skopeo copy` per image of the corpus to DEST:TAG, e.g. oci:DIR
# or docker://HOST/REPO (a command, for timed).
skopeo_loop=(bash -c 'd="$1"; shift; for t in $TAGS; do skopeo copy -q "$@" "oci:$corpus:$t" "$d:$t"; done' sh)
# The sample images' destination is in step before the first timed run.
rm -rf "$work/sample"
"$layerfs" sync "oci:$top/testdata/images" "oci:$work/sample" >/dev/null

rm -f "$work"/*.times
for i in $(seq "$runs"); do
  echo "round $i of $runs (load $(load))" >&2
  if want sync; then
  rm -rf "$work/sync" "$work/skopeo"
  timed "$work/sync.times" "$layerfs" sync "oci:$corpus" "oci:$work/sync"
  timed "$work/skopeo.times" "${skopeo_loop[@]}" "oci:$work/skopeo"
  timed "$work/sync-noop.times" "$layerfs" sync "oci:$corpus" "oci:$work/sync"
  timed "$work/skopeo-noop.times" "${skopeo_loop[@]}" "oci:$work/skopeo"
  rm -rf "$work/reg"
  reg_l=$(start_registry "$work/reg/layerfs")
  reg_s=$(start_registry "$work/reg/skopeo")
  timed "$work/sync-reg.times" "$layerfs" sync "oci:$corpus" "docker://127.0.0.1:$reg_l/corpus" --tls-verify=false
  timed "$work/skopeo-reg.times" "${skopeo_loop[@]}" "docker://127.0.0.1:$reg_s/corpus" --dest-tls-verify=false
  timed "$work/sync-reg-noop.times" "$layerfs" sync "oci:$corpus" "docker://127.0.0.1:$reg_l/corpus" --tls-verify=false
  timed "$work/skopeo-reg-noop.times" "${skopeo_loop[@]}" "docker://127.0.0.1:$reg_s/corpus" --dest-tls-verify=false
  stop_started
  timed "$work/sample-noop.times" "$layerfs" sync "oci:$top/testdata/images" "oci:$work/sample"
  fi

  if want index; then
  timed "$work/zcat.times" sh -c 'for b in "$@"; do zcat "$b"; done' sh "${blobs[@]}"
  timed "$work/sha.times" sha256sum "${blobs[@]}"
  rm -rf "$work/cache" "$work/out"
  timed "$work/cold.times" "$layerfs" index "oci:$corpus" --out "$work/out" --cache-dir "$work/cache"
  timed "$work/warm.times" "$layerfs" index "oci:$corpus" --out "$work/out" --cache-dir "$work/cache"
  rm -rf "$work/flink-cache" "$work/flink-out"
  timed "$work/flink.times" "$layerfs" index "oci:$corpus" --out "$work/flink-out" --cache-dir "$work/flink-cache" \
      --runner=FlinkRunner --flinkMaster=[local] --parallelism=2
  # The same catalog from both runners, or the comparison means nothing (run.json says when and how it ran).
  diff -r -x run.json "$work/out" "$work/flink-out" >/dev/null || { echo "Flink's catalog differs from the direct runner's" >&2; exit 1; }
  fi

  if want unpack; then
  # Each timed unpack follows the removal of the tree before it, flushed: on ext4 without a
  # journal (this machine's disk) inodes freed in the last minutes are skipped, one by one, when
  # new ones are allocated (recently_deleted), so a run right after a removal pays for it and
  # the one after a create does not (README, "Unpack: the plan in parallel").
  fresh() { rm -rf "$work/unpack"; sync; }
  for image in big-layer many-layers; do
    fresh
    rm -rf "$work/unpack-cache"
    timed "$work/unpack-cold-$image.times" "$layerfs" unpack "oci:$images:$image" "$work/unpack" --cache-dir "$work/unpack-cache"
    fresh
    timed "$work/unpack-warm-$image.times" "$layerfs" unpack "oci:$images:$image" "$work/unpack" --cache-dir "$work/unpack-cache"
    fresh
    timed "$work/umoci-$image.times" umoci unpack --image "$images:$image" "$work/unpack"
  done
  fi
done
rm -rf "$work/sync" "$work/skopeo" "$work/reg" "$work/unpack"

# cell FILE: "wall s (CPU s)"; wall FILE: the median wall time.
wall() { median "$1" 1; }
cell() { printf '%.3f s (%.2f CPU s)' "$(median "$1" 1)" "$(median "$1" 2)"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
w() { wall "$work/$1.times"; }
c() { cell "$work/$1.times"; }
want index && cold_cpu_per_s=$(awk -v c="$(median "$work/cold.times" 2)" -v w="$(w cold)" 'BEGIN { printf "%.2f", c / w }')
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, load average $load_start at the start and $(load) at the end;" \
  "medians of $runs rounds; $((SECONDS - started)) s in all. CPU = user + sys."
echo
echo "| job | layerfs | peer | ratio | target |"
echo "|---|---|---|---|---|"
if want sync; then
echo "| sync corpus into an empty OCI layout | $(c sync) | skopeo copy per image $(c skopeo) | $(ratio "$(w sync)" "$(w skopeo)") | <= 1.0 |"
echo "| re-sync, nothing changed | $(c sync-noop) | skopeo copy per image again $(c skopeo-noop) | $(ratio "$(w sync-noop)" "$(w skopeo-noop)") | <= 1.0 |"
echo "| sync corpus into an empty registry | $(c sync-reg) | skopeo copy per image $(c skopeo-reg) | $(ratio "$(w sync-reg)" "$(w skopeo-reg)") | <= 0.8 |"
echo "| re-sync into the registry, nothing changed | $(c sync-reg-noop) | skopeo copy per image again $(c skopeo-reg-noop) | $(ratio "$(w sync-reg-noop)" "$(w skopeo-reg-noop)") | |"
echo "| re-sync of the 5 sample images, nothing changed | $(c sample-noop) | | | <= 1.0 s |"
fi
if want index; then
echo "| index, cold cache ($cold_cpu_per_s CPU s per s) | $(c cold) | serial zcat $(c zcat) | $(ratio "$(w cold)" "$(w zcat)") | <= 0.75, >= 1.6 CPU s per s |"
echo "| index, cold cache | $(c cold) | serial sha256sum $(c sha) | $(ratio "$(w cold)" "$(w sha)") | |"
echo "| index, warm cache | $(c warm) | cold index | $(ratio "$(w warm)" "$(w cold)") | <= 0.25 |"
echo "| index, cold, embedded Flink (parallelism 2) | $(c flink) | direct runner | $(ratio "$(w flink)" "$(w cold)") | same catalog |"
fi
if want unpack; then
for image in big-layer many-layers; do
  echo "| unpack $image, warm cache | $(c "unpack-warm-$image") | umoci unpack $(c "umoci-$image") | $(ratio "$(w "unpack-warm-$image")" "$(w "umoci-$image")") | <= 0.5 |"
  echo "| unpack $image, cold cache | $(c "unpack-cold-$image") | umoci unpack | $(ratio "$(w "unpack-cold-$image")" "$(w "umoci-$image")") | |"
done
fi
