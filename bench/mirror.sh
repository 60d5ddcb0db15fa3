#!/usr/bin/env bash
# The mirror benchmark (run by bench/run.sh, or alone): 12 images sharing base layers, 1.2 GiB
# of blobs (bench/make-mirror.py), synced by layerfs (a) into an empty OCI layout and (b) into a
# local registry, each against `skopeo copy` run once per image on the same images, and (c)
# re-synced when nothing changed. Its layers are stored uncompressed, and skopeo compresses
# each on its way into an OCI layout; so (d) the common case too: the index corpus's gzip
# images synced layout to layout, where skopeo copies blobs as they are, and re-synced when
# nothing changed. Peers interleaved; prints medians of $BENCH_RUNS runs (default 3) and ratios.
# Needs: skopeo and docker-registry (Debian packages), python3.
set -euo pipefail
work="${BENCH_WORK:-$(dirname "${BASH_SOURCE[0]}")/work}"
runs="${BENCH_RUNS:-3}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
src="$work/mirror-src"

[ -f "$work/corpus/index.json" ] || python3 "$bench/make-corpus.py" "$work/corpus"
[ -f "$src/index.json" ] || python3 "$bench/make-mirror.py" "$work/corpus" "$src"
mapfile -t tags < <(ref_names "$src")
echo "mirror source: ${#tags[@]} images, $(du -sh "$src" | cut -f1) of blobs"

skopeo_loop() {  # skopeo_loop DEST_PREFIX [skopeo options]: one skopeo copy per image
  local dest="$1"; shift
  for t in "${tags[@]}"; do skopeo copy -q "$@" "oci:$src:$t" "$dest:$t"; done
}
corpus="$work/corpus"
mapfile -t corpus_tags < <(ref_names "$corpus")
export -f skopeo_loop
export src

rm -f "$work"/m-*.times
for i in $(seq "$runs"); do
  rm -rf "$work/m-oci" "$work/m-skopeo-oci" "$work/m-reg"
  timed "$work/m-oci-full.times" "$layerfs" sync "oci:$src" "oci:$work/m-oci"
  timed "$work/m-oci-noop.times" "$layerfs" sync "oci:$src" "oci:$work/m-oci"
  timed "$work/m-skopeo-oci.times" bash -c "tags=(${tags[*]}); $(declare -f skopeo_loop); skopeo_loop oci:$work/m-skopeo-oci"
  a=127.0.0.1:$(start_registry "$work/m-reg/a")
  b=127.0.0.1:$(start_registry "$work/m-reg/b")
  timed "$work/m-reg-full.times" "$layerfs" sync "oci:$src" "docker://$a/mirror" --tls-verify=false
  timed "$work/m-reg-noop.times" "$layerfs" sync "oci:$src" "docker://$a/mirror" --tls-verify=false
  timed "$work/m-skopeo-reg.times" bash -c "tags=(${tags[*]}); $(declare -f skopeo_loop); skopeo_loop docker://$b/mirror --dest-tls-verify=false"
  timed "$work/m-skopeo-reg-noop.times" bash -c "tags=(${tags[*]}); $(declare -f skopeo_loop); skopeo_loop docker://$b/mirror --dest-tls-verify=false"
  stop_started
  # (d) gzip layers, layout to layout: skopeo copies the blobs as they are.
  rm -rf "$work/m-gz" "$work/m-skopeo-gz"
  timed "$work/m-gz-full.times" "$layerfs" sync "oci:$corpus" "oci:$work/m-gz"
  timed "$work/m-skopeo-gz.times" bash -c "for t in ${corpus_tags[*]}; do skopeo copy -q oci:$corpus:\$t oci:$work/m-skopeo-gz:\$t; done"
  timed "$work/m-gz-noop.times" "$layerfs" sync "oci:$corpus" "oci:$work/m-gz"
  timed "$work/m-skopeo-gz-noop.times" bash -c "for t in ${corpus_tags[*]}; do skopeo copy -q oci:$corpus:\$t oci:$work/m-skopeo-gz:\$t; done"
done
rm -rf "$work/m-oci" "$work/m-skopeo-oci" "$work/m-reg" "$work/m-gz" "$work/m-skopeo-gz"
gf=$(median "$work/m-gz-full.times" 1); sg=$(median "$work/m-skopeo-gz.times" 1)
gn=$(median "$work/m-gz-noop.times" 1); sgn=$(median "$work/m-skopeo-gz-noop.times" 1)

of=$(median "$work/m-oci-full.times" 1); on=$(median "$work/m-oci-noop.times" 1); so=$(median "$work/m-skopeo-oci.times" 1)
rf=$(median "$work/m-reg-full.times" 1); rn=$(median "$work/m-reg-noop.times" 1); sr=$(median "$work/m-skopeo-reg.times" 1)
srn=$(median "$work/m-skopeo-reg-noop.times" 1); rss=$(median "$work/m-reg-full.times" 3)
awk -v gf="$gf" -v sg="$sg" -v gn="$gn" -v sgn="$sgn" -v of="$of" -v on="$on" -v so="$so" -v rf="$rf" -v rn="$rn" -v sr="$sr" -v srn="$srn" -v rss="$rss" -v n="$runs" 'BEGIN {
  printf "mirror: medians of %d runs (seconds)\n", n
  printf "  layerfs sync -> empty OCI layout     %7.2f\n", of
  printf "  skopeo copy per image -> OCI layout  %7.2f\n", so
  printf "  layerfs sync -> empty registry       %7.2f   peak RSS %d MiB\n", rf, rss / 1024
  printf "  skopeo copy per image -> registry    %7.2f\n", sr
  printf "  layerfs re-sync, nothing changed     %7.2f (OCI)  %7.2f (registry)\n", on, rn
  printf "  skopeo copy per image, again         %7.2f (registry)\n", srn
  printf "ratios\n"
  printf "  sync OCI / skopeo                    %7.2f   (target < 1.0)\n", of / so
  printf "  sync registry / skopeo               %7.2f   (target < 1.0)\n", rf / sr
  printf "  no-op re-sync / full sync            %7.2f (OCI)  %7.2f (registry)   (target < 0.2)\n", on / of, rn / rf
  printf "  no-op re-sync / skopeo no-op loop    %7.2f   (registry, target < 1.0)\n", rn / srn
  printf "gzip corpus, layout to layout (skopeo copies blobs as they are)\n"
  printf "  layerfs sync -> empty OCI layout     %7.2f   skopeo copy per image %7.2f   ratio %.2f (target < 1.0)\n", gf, sg, gf / sg
  printf "  re-sync, nothing changed             %7.2f   skopeo copy per image %7.2f   ratio %.2f (target < 1.0)\n", gn, sgn, gn / sgn
}'
