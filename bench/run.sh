#!/usr/bin/env bash
# The layerfs benchmark: not part of the tests. Builds (once) a corpus of real files, >= 1 GiB
# uncompressed in 8 distinct gzip layers shared by 4 images, then measures in one run, each
# figure the median of $BENCH_RUNS runs (default 3):
#   - serial `zcat` and `sha256sum` of the same blobs (the yardsticks);
#   - `layerfs index`, cold cache, JVM held to -Xmx256m: wall, CPU seconds per wall second, peak RSS;
#   - the same with a warm cache;
#   - the cold `index` on an embedded Flink (--flinkMaster=[local], parallelism 2), same heap;
#   - `layerfs unpack` of the largest image (app-a, warm cache) against `umoci unpack` of it;
# prints the ratios the issues set targets for, then runs bench/mirror.sh (sync into an OCI
# layout and into a registry, against skopeo). Needs: java, mvn, python3, gzip, GNU time, umoci,
# skopeo, docker-registry.
# usage: bench/run.sh            (work files go to bench/work/, removed with `rm -rf bench/work`)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
work="${BENCH_WORK:-$here/work}"
runs="${BENCH_RUNS:-3}"
corpus="$work/corpus"
mkdir -p "$work"

[ -f "$corpus/index.json" ] || python3 "$here/make-corpus.py" "$corpus"
"$top/layerfs" --help >/dev/null   # builds the jar when missing or stale
# As users run it: through the launcher (class-data archive included), heap held to 256 MiB.
export LAYERFS_JAVA_OPTS=-Xmx256m
"$top/layerfs" index "oci:$top/testdata/images:small" --out "$work/warmup" --cache-dir "$work/warmup" >/dev/null

blobs=()
for b in "$corpus"/blobs/sha256/*; do
  [ "$(head -c 2 "$b" | od -An -tx1 | tr -d ' ')" = 1f8b ] && blobs+=("$b")
done
echo "corpus: ${#blobs[@]} layer blobs, $(du -sh "$corpus" | cut -f1) compressed"

source "$here/timing.sh"

rm -f "$work"/*.times
for i in $(seq "$runs"); do
  timed "$work/zcat.times" sh -c 'for b in "$@"; do zcat "$b"; done' sh "${blobs[@]}"
  timed "$work/sha.times" sha256sum "${blobs[@]}"
  rm -rf "$work/cache" "$work/out"
  timed "$work/cold.times" "$top/layerfs" index "oci:$corpus" --out "$work/out" --cache-dir "$work/cache"
  timed "$work/warm.times" "$top/layerfs" index "oci:$corpus" --out "$work/out" --cache-dir "$work/cache"
  rm -rf "$work/flink-cache" "$work/flink-out"
  timed "$work/flink.times" "$top/layerfs" index "oci:$corpus" --out "$work/flink-out" --cache-dir "$work/flink-cache" \
      --runner=FlinkRunner --flinkMaster=[local] --parallelism=2
  # The same catalog from both runners, or the comparison means nothing (run.json says when and how it ran).
  diff -r -x run.json "$work/out" "$work/flink-out" >/dev/null || { echo "Flink's catalog differs from the direct runner's" >&2; exit 1; }
  rm -rf "$work/unpack" "$work/umoci"
  timed "$work/unpack.times" "$top/layerfs" unpack "oci:$corpus:app-a" "$work/unpack" --cache-dir "$work/cache"
  timed "$work/umoci.times" umoci unpack --image "$corpus:app-a" "$work/umoci"
done
rm -rf "$work/unpack" "$work/umoci"

zcat_s=$(median "$work/zcat.times" 1)
sha_s=$(median "$work/sha.times" 1)
cold_s=$(median "$work/cold.times" 1)
cold_cpu=$(median "$work/cold.times" 2)
cold_rss=$(median "$work/cold.times" 3)
warm_s=$(median "$work/warm.times" 1)
warm_rss=$(median "$work/warm.times" 3)
flink_s=$(median "$work/flink.times" 1)
flink_rss=$(median "$work/flink.times" 3)
unpack_s=$(median "$work/unpack.times" 1)
unpack_rss=$(median "$work/unpack.times" 3)
umoci_s=$(median "$work/umoci.times" 1)
umoci_rss=$(median "$work/umoci.times" 3)
awk -v z="$zcat_s" -v s="$sha_s" -v c="$cold_s" -v cc="$cold_cpu" -v cr="$cold_rss" -v w="$warm_s" -v wr="$warm_rss" \
    -v f="$flink_s" -v fr="$flink_rss" -v u="$unpack_s" -v ur="$unpack_rss" -v m="$umoci_s" -v mr="$umoci_rss" -v n="$runs" 'BEGIN {
  printf "medians of %d runs (seconds)\n", n
  printf "  zcat, serial          %7.2f\n", z
  printf "  sha256sum, serial     %7.2f\n", s
  printf "  layerfs index, cold   %7.2f   CPU %.2f s per wall s, peak RSS %d MiB (-Xmx256m)\n", c, cc / c, cr / 1024
  printf "  layerfs index, warm   %7.2f   peak RSS %d MiB\n", w, wr / 1024
  printf "  index cold, Flink     %7.2f   peak RSS %d MiB (embedded, parallelism 2, -Xmx256m)\n", f, fr / 1024
  printf "  layerfs unpack app-a  %7.2f   peak RSS %d MiB (warm cache, -Xmx256m)\n", u, ur / 1024
  printf "  umoci unpack app-a    %7.2f   peak RSS %d MiB\n", m, mr / 1024
  printf "ratios\n"
  printf "  index cold / zcat     %7.2f   (target < 0.75)\n", c / z
  printf "  index cold / sha256sum %6.2f\n", c / s
  printf "  index warm / cold     %7.2f   (target < 0.25)\n", w / c
  printf "  index Flink / direct  %7.2f\n", f / c
  printf "  unpack / umoci unpack %7.2f   (target < 0.5)\n", u / m
}'

# The mirror benchmark: sync into an OCI layout and a registry, against skopeo.
"$here/mirror.sh"
