#!/usr/bin/env bash
# The WAN benchmark: a source docker-registry behind a relay that adds 10 ms each way (a 20 ms
# round trip, no bandwidth cap; bench/delay-relay.py, as this sandbox has no tc netem), holding
# 48 tags in 6 repositories that share a base layer (bench/make-wan.py), mirrored into empty
# docker-registries by `layerfs sync --config` and by `skopeo sync --src yaml --dest docker`,
# one YAML for both; then re-synced when nothing changed; then layerfs's mirror grows by a
# repository holding repo0's images (its large layers mounted from the repositories in step, not
# pulled again). The destinations sit behind relays without delay, which count layerfs's
# requests. Prints seconds (wall, CPU) and ratios.
# Needs: skopeo and docker-registry (Debian packages), python3, curl.
set -euo pipefail
work="${BENCH_WORK:-$(dirname "${BASH_SOURCE[0]}")/work}/wan"
delay="${WAN_DELAY_MS:-10}"
repos="${WAN_REPOS:-6}"
tags="${WAN_TAGS:-8}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rm -rf "$work/reg" "$work"/*.log "$work"/*.times

[ -f "$work/src/repo0/index.json" ] || python3 "$bench/make-wan.py" "$work/src" "$repos" "$tags"

src=$(start_registry "$work/reg/src")
for r in $(seq 0 $((repos - 1))); do
  for t in $(seq 0 $((tags - 1))); do
    skopeo copy -q --dest-tls-verify=false "oci:$work/src/repo$r:v$t" "docker://127.0.0.1:$src/repo$r:v$t"
  done
done
wan=$(start_relay "$src" "$delay" "$work/src-requests.log")
dest_l=$(start_registry "$work/reg/dest-layerfs")
dest_s=$(start_registry "$work/reg/dest-skopeo")
tap_l=$(start_relay "$dest_l" 0 "$work/dest-requests.log")
{
  echo "127.0.0.1:$wan:"
  echo "  images:"
  for r in $(seq 0 $((repos - 1))); do echo "    repo$r: []"; done
  echo "  tls-verify: false"
} > "$work/wan.yaml"
echo "wan source: $repos repositories x $tags tags behind a ${delay} ms each-way relay; $(du -sh "$work/reg/src/storage" | cut -f1) stored"

count() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
timed "$work/layerfs-cold.times" "$layerfs" sync --config "$work/wan.yaml" "docker://127.0.0.1:$tap_l/mirror" --tls-verify=false
cold=$(count "$work/src-requests.log")
timed "$work/skopeo-cold.times" skopeo sync --src yaml --dest docker --dest-tls-verify=false "$work/wan.yaml" "127.0.0.1:$dest_s/mirror"
s0=$(count "$work/src-requests.log"); d0=$(count "$work/dest-requests.log")
timed "$work/layerfs-noop.times" "$layerfs" sync --config "$work/wan.yaml" "docker://127.0.0.1:$tap_l/mirror" --tls-verify=false
s1=$(count "$work/src-requests.log"); d1=$(count "$work/dest-requests.log")
timed "$work/skopeo-noop.times" skopeo sync --src yaml --dest docker --dest-tls-verify=false "$work/wan.yaml" "127.0.0.1:$dest_s/mirror"
blob_gets=$(head -n "$cold" "$work/src-requests.log" | grep -c '^GET .*/blobs/' || true)
for t in $(seq 0 $((tags - 1))); do
  skopeo copy -q --dest-tls-verify=false "oci:$work/src/repo0:v$t" "docker://127.0.0.1:$src/added:v$t"
done
sed 's/^  tls-verify/    added: []\n  tls-verify/' "$work/wan.yaml" > "$work/wan-added.yaml"
s2=$(count "$work/src-requests.log"); d2=$(count "$work/dest-requests.log")
timed "$work/layerfs-added.times" "$layerfs" sync --config "$work/wan-added.yaml" "docker://127.0.0.1:$tap_l/mirror" --tls-verify=false
added_gets=$(tail -n +"$((s2 + 1))" "$work/src-requests.log" | grep -c '^GET .*/blobs/' || true)
added_mounts=$(tail -n +"$((d2 + 1))" "$work/dest-requests.log" | grep -c '^POST .*mount=' || true)
# The no-op's requests asked per tag (a manifest HEAD or GET) and those asked once per run, by
# kind (tag lists, the referrers-API probe), at both ends.
noop() { tail -n +"$((s0 + 1))" "$work/src-requests.log" | head -n "$((s1 - s0))"; tail -n +"$((d0 + 1))" "$work/dest-requests.log" | head -n "$((d1 - d0))"; }
per_tag=$(noop | grep -c ' /v2/.*/manifests/' || true)
per_run=$(noop | grep -v ' /v2/.*/manifests/' | sed -E 's#^([A-Z]+) /v2/.*/(tags/list|referrers|blobs)(/.*)?$#\1 \2#' | sort | uniq -c \
  | awk '{ printf "%s%d %s %s", sep, $1, $2, $3; sep = ", " }')

n=$((repos * tags))
read -r lc lcc _ < "$work/layerfs-cold.times"; read -r sc scc _ < "$work/skopeo-cold.times"
read -r ln lnc _ < "$work/layerfs-noop.times"; read -r sn snc _ < "$work/skopeo-noop.times"
read -r la lac _ < "$work/layerfs-added.times"
awk -v n="$n" -v lc="$lc" -v lcc="$lcc" -v sc="$sc" -v scc="$scc" -v ln="$ln" -v lnc="$lnc" -v sn="$sn" -v snc="$snc" \
    -v la="$la" -v lac="$lac" -v added_gets="$added_gets" -v added_mounts="$added_mounts" -v tags="$tags" \
    -v src=$((s1 - s0)) -v dst=$((d1 - d0)) -v gets="$blob_gets" -v per_tag="$per_tag" -v per_run="$per_run" -v load="$(load)" 'BEGIN {
  printf "WAN mirror, %d tags (seconds wall / CPU), load %s\n", n, load
  printf "  cold   layerfs %7.2f / %6.2f   skopeo sync %7.2f / %6.2f   ratio %.2f (target <= 0.5)\n", lc, lcc, sc, scc, lc / sc
  printf "  no-op  layerfs %7.2f / %6.2f   skopeo sync %7.2f / %6.2f   ratio %.2f (target <= 0.5)\n", ln, lnc, sn, snc, ln / sn
  printf "  layerfs cold: %d blob GETs at the source\n", gets
  printf "  layerfs no-op: %d requests at the source, %d at the destination: %.2f per unchanged tag in all\n", src, dst, (src + dst) / n
  # The target is per tag; issue 11 allows a tag list per repository, and one referrers probe a registry is the run'"'"'s.
  printf "    asked per tag (manifest HEADs and GETs): %d, %.2f a tag (target <= 2); once a run: %d (%s)\n", per_tag, per_tag / n, src + dst - per_tag, per_run
  printf "  layerfs adding a repository of repo0'"'"'s %d tags: %.2f / %.2f; %d blob GETs at the source (configs, own layers), %d mounts\n", tags, la, lac, added_gets, added_mounts
}'
