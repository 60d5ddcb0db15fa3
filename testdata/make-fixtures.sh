#!/usr/bin/env bash
# Generates the container-image test fixtures in testdata/ with real tools.
#
# Usage (as root, from the repository root):   testdata/make-fixtures.sh
#
# Debian packages needed: umoci skopeo zstd jq attr tar gzip coreutils python3
# The script deletes and recreates all of its outputs (see testdata/README.md);
# it never touches anything outside testdata/.
set -euo pipefail

# ---------------------------------------------------------------- prerequisites
need() { # need COMMAND DEBIAN-PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "make-fixtures.sh: missing '$1' - install it with: apt-get install -y $2" >&2
    exit 1
  fi
}
need umoci umoci
need skopeo skopeo
need zstd zstd
need jq jq
need setfattr attr
need getfattr attr
need tar tar
need gzip gzip
need sha256sum coreutils
need python3 python3
need mkfifo coreutils
if [ "$(id -u)" != 0 ]; then
  echo "make-fixtures.sh: must run as root (umoci unpack/repack of setuid files, fifos and chowned files)" >&2
  exit 1
fi

cd "$(dirname "$0")/.."            # repository root
TD=testdata
IMG=$TD/images
BAD=$TD/bad

export LC_ALL=C.UTF-8 TZ=UTC
export SOURCE_DATE_EPOCH=1700000000
umask 022
EPOCH=1700000000
CREATED=2023-11-14T22:13:20Z       # = @1700000000
FIXED_MTIME=1234567890             # the "file with a fixed mtime"
TARFLAGS=(--format=pax --blocking-factor=1 --sort=name --mtime=@$EPOCH --clamp-mtime --numeric-owner
          "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime")

WORK=$(mktemp -d /tmp/layerfs-fixtures.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- helpers
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
blob() { echo "$1/blobs/sha256/${2#sha256:}"; }          # blob LAYOUT DIGEST -> path
bsize() { size "$(blob "$1" "$2")"; }                     # bsize LAYOUT DIGEST -> bytes

# put_blob LAYOUT FILE: move FILE into LAYOUT's blob store, print its digest
put_blob() {
  local h; h=$(sha "$2")
  mkdir -p "$1/blobs/sha256"
  mv -f "$2" "$1/blobs/sha256/$h"
  chmod 644 "$1/blobs/sha256/$h"
  echo "sha256:$h"
}
# put_json LAYOUT JSON: store compact JSON text (no trailing newline) as a blob
put_json() {
  local f="$WORK/json.$$.$RANDOM"
  printf '%s' "$2" >"$f"
  put_blob "$1" "$f"
}
# mktar DIR OUT: deterministic PAX tar of DIR's contents (entries without "./")
mktar() {
  local names=()
  mapfile -t names < <(cd "$1" && ls -A | LC_ALL=C sort)
  tar "${TARFLAGS[@]}" --xattrs --xattrs-include='user.*' -C "$1" -cf "$2" -- "${names[@]}"
}
# stamp DIR: give every path in DIR the fixed mtime
stamp() { find "$1" -exec touch -h -d @$EPOCH {} +; }

new_layout() { # new_layout DIR
  mkdir -p "$1/blobs/sha256"
  printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
  printf '%s' '{"schemaVersion":2,"manifests":[]}' >"$1/index.json"
}
# set_index LAYOUT TAG DESCRIPTOR-JSON: add/replace the index.json entry for TAG
set_index() {
  local d
  d=$(jq -c --arg t "$2" '.annotations = ((.annotations // {}) + {"org.opencontainers.image.ref.name": $t})' <<<"$3")
  jq -c --arg t "$2" --argjson d "$d" \
    '.manifests = ([.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] != $t)] + [$d])' \
    "$1/index.json" >"$WORK/index.json"
  printf '%s' "$(cat "$WORK/index.json")" >"$1/index.json"
}
manifest_desc() { # manifest_desc LAYOUT TAG -> descriptor JSON
  jq -ce --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)' "$1/index.json"
}
manifest_digest() { manifest_desc "$1" "$2" | jq -r .digest; }

# hand_image LAYOUT TAG MODE OS ARCH VARIANT DIR...
#   Builds an image by hand (no umoci): one layer per DIR, MODE gzip|none.
#   Tags it in index.json unless TAG is "-"; prints the manifest descriptor.
hand_image() {
  local layout=$1 tag=$2 mode=$3 os=$4 arch=$5 variant=$6; shift 6
  local layers='[]' diffs='[]' hist='[]' dir t diff dig mt n=0
  for dir in "$@"; do
    n=$((n + 1))
    t="$WORK/hand-layer.tar"
    mktar "$dir" "$t"
    diff="sha256:$(sha "$t")"
    if [ "$mode" = gzip ]; then
      gzip -n -9 -c "$t" >"$t.gz"; rm -f "$t"; t="$t.gz"
      mt=application/vnd.oci.image.layer.v1.tar+gzip
    else
      mt=application/vnd.oci.image.layer.v1.tar
    fi
    local sz; sz=$(size "$t")
    dig=$(put_blob "$layout" "$t")
    layers=$(jq -c --arg m "$mt" --arg d "$dig" --argjson s "$sz" '. + [{mediaType:$m,digest:$d,size:$s}]' <<<"$layers")
    diffs=$(jq -c --arg d "$diff" '. + [$d]' <<<"$diffs")
    hist=$(jq -c --arg c "$CREATED" --arg b "make-fixtures.sh: hand-built layer $n ($(basename "$dir"))" \
             '. + [{created:$c,created_by:$b}]' <<<"$hist")
  done
  local cfg
  cfg=$(jq -nc --arg c "$CREATED" --arg os "$os" --arg a "$arch" --arg v "$variant" \
        --argjson d "$diffs" --argjson h "$hist" \
        '{created:$c,architecture:$a} + (if $v == "" then {} else {variant:$v} end)
         + {os:$os,config:{Env:["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
            rootfs:{type:"layers",diff_ids:$d},history:$h}')
  local cdig csz; cdig=$(put_json "$layout" "$cfg"); csz=$(bsize "$layout" "$cdig")
  local man
  man=$(jq -nc --arg cd "$cdig" --argjson cs "$csz" --argjson l "$layers" \
        '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
          config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},layers:$l}')
  local mdig; mdig=$(put_json "$layout" "$man")
  local desc
  desc=$(jq -nc --arg d "$mdig" --argjson s "$(bsize "$layout" "$mdig")" \
         '{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s}')
  [ "$tag" = - ] || set_index "$layout" "$tag" "$desc"
  echo "$desc"
}

# ------------------------------------------------ single-image layouts for bad/
# export_tag SRC TAG DST: new layout DST holding only image TAG of SRC (same blobs)
export_tag() {
  local src=$1 tag=$2 dst=$3 desc m d
  rm -rf "$dst"; new_layout "$dst"
  desc=$(manifest_desc "$src" "$tag")
  m=$(jq -r .digest <<<"$desc")
  cp "$(blob "$src" "$m")" "$(blob "$dst" "$m")"
  for d in $(jq -r '.config.digest, .layers[].digest' "$(blob "$src" "$m")"); do
    cp "$(blob "$src" "$d")" "$(blob "$dst" "$d")"
  done
  set_index "$dst" "$tag" "$desc"
}
# the manifest/config/layer of the single image in LAYOUT
the_manifest() { blob "$1" "$(jq -r '.manifests[0].digest' "$1/index.json")"; }
layer_blob() { blob "$1" "$(jq -r ".layers[$2].digest" "$(the_manifest "$1")")"; }
# rewrite_manifest LAYOUT JQ-FILTER [jq args...]: re-digest manifest, update index
rewrite_manifest() {
  local l=$1 f=$2; shift 2
  local old new txt
  old=$(the_manifest "$l")
  txt=$(jq -c "$@" "$f" "$old")
  new=$(put_json "$l" "$txt")
  [ "$(blob "$l" "$new")" = "$old" ] || rm -f "$old"
  jq -c --arg d "$new" --argjson s "$(bsize "$l" "$new")" '.manifests[0].digest = $d | .manifests[0].size = $s' \
    "$l/index.json" >"$WORK/index.json"
  printf '%s' "$(cat "$WORK/index.json")" >"$l/index.json"
}
# rewrite_config LAYOUT JQ-FILTER [jq args...]: re-digest config, then manifest
rewrite_config() {
  local l=$1 f=$2; shift 2
  local old new txt
  old=$(blob "$l" "$(jq -r .config.digest "$(the_manifest "$l")")")
  txt=$(jq -c "$@" "$f" "$old")
  new=$(put_json "$l" "$txt")
  [ "$(blob "$l" "$new")" = "$old" ] || rm -f "$old"
  rewrite_manifest "$l" '.config.digest = $d | .config.size = $s' --arg d "$new" --argjson s "$(bsize "$l" "$new")"
}
# replace_layer LAYOUT INDEX FILE [DIFFID]: swap layer INDEX's blob for FILE,
# re-digesting the manifest (and the config's diff_id when DIFFID is given)
replace_layer() {
  local l=$1 i=$2 f=$3 diff=${4:-} old sz new
  old=$(layer_blob "$l" "$i"); sz=$(size "$f")
  new=$(put_blob "$l" "$f")
  rm -f "$old"
  if [ -n "$diff" ]; then
    rewrite_config "$l" '.rootfs.diff_ids[$i] = $d' --argjson i "$i" --arg d "$diff"
  fi
  rewrite_manifest "$l" '.layers[$i].digest = $d | .layers[$i].size = $s' \
    --argjson i "$i" --arg d "$new" --argjson s "$sz"
}

# umoci wrappers with fixed history/creation times
umoci_new() { # umoci_new TAG
  umoci new --image "$IMG:$1"
  umoci config --image "$IMG:$1" --no-history --created "$CREATED" --author "layerfs make-fixtures.sh" \
    --os linux --architecture amd64 \
    --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
umoci_repack() { # umoci_repack TAG BUNDLE COMMENT
  stamp "$2/rootfs"
  umoci repack --image "$IMG:$1" --history.created "$CREATED" --history.created_by "$3" "$2"
  rm -rf "$2"
}
umoci_add_layer() { # umoci_add_layer TAG DIR COMMENT
  mktar "$2" "$WORK/add-layer.tar"
  umoci raw add-layer --image "$IMG:$1" --history.created "$CREATED" --history.created_by "$3" \
    "$WORK/add-layer.tar"
  rm -f "$WORK/add-layer.tar"
}

# ---------------------------------------------------------------- start afresh
rm -rf "$IMG" "$BAD" "$TD/layered.docker.tar" "$TD/small.oci-docker.tar"
umoci init --layout "$IMG"

# ======================================================================= small
# layer 1 (umoci repack): a few files; layer 2 (hand tar): overwrite + whiteout
umoci_new small
umoci unpack --image "$IMG:small" "$WORK/b"
R=$WORK/b/rootfs
mkdir -p "$R/etc" "$R/data/sub" "$R/bin"
echo "hello from small" >"$R/hello.txt"
echo "small=1" >"$R/etc/small.conf"
echo "nested" >"$R/data/sub/nested.txt"
echo "removed in layer 2" >"$R/data/gone.txt"
printf '#!/bin/sh\necho small\n' >"$R/bin/run.sh"; chmod 755 "$R/bin/run.sh"
umoci_repack small "$WORK/b" "small layer 1: files"
S=$WORK/small2; mkdir -p "$S/data" "$S/etc"
echo "small=2" >"$S/etc/small.conf"
: >"$S/data/.wh.gone.txt"
echo "added in layer 2" >"$S/data/added.txt"
stamp "$S"
umoci_add_layer small "$S" "small layer 2: overwrite etc/small.conf, delete data/gone.txt"

# ===================================================================== layered
umoci_new layered
# ---- layer 1 (umoci repack): base tree
umoci unpack --image "$IMG:layered" "$WORK/b"
R=$WORK/b/rootfs
mkdir -p "$R/etc" "$R/app/data/nested/deep" "$R/olddir/sub" "$R/opaque/sub" \
         "$R/replaced/y" "$R/recreate" "$R/links"
echo "version=1" >"$R/etc/config.txt"
echo "hello from layer 1" >"$R/etc/motd"
echo "deep file" >"$R/app/data/nested/deep/file.txt"
echo "app readme" >"$R/app/README"
echo "this file is deleted in layer 2" >"$R/remove-me.txt"
echo "olddir/a (olddir is deleted in layer 2)" >"$R/olddir/a.txt"
echo "olddir/sub/b" >"$R/olddir/sub/b.txt"
echo "lower 1 (hidden by opaque dir in layer 4)" >"$R/opaque/lower1.txt"
echo "lower 2 (hidden by opaque dir in layer 4)" >"$R/opaque/sub/lower2.txt"
echo "replaced/x (replaced/ becomes a file in layer 4)" >"$R/replaced/x.txt"
echo "replaced/y/z" >"$R/replaced/y/z.txt"
echo "recreate/old (whited out and recreated in layer 4)" >"$R/recreate/old.txt"
ln -s ../etc/config.txt "$R/links/rel"
ln -s /etc/config.txt "$R/links/abs"
: >"$R/empty.txt"
umoci_repack layered "$WORK/b" "layered layer 1: base tree"
# ---- layer 2 (umoci repack): overwrite a file, delete a file and a dir tree
umoci unpack --image "$IMG:layered" "$WORK/b"
R=$WORK/b/rootfs
echo "version=2 (overwritten in layer 2)" >"$R/etc/config.txt"
rm "$R/remove-me.txt"
rm -r "$R/olddir"
echo "added in layer 2" >"$R/app/data/added-in-layer2.txt"
umoci_repack layered "$WORK/b" "layered layer 2: modify etc/config.txt, delete remove-me.txt and olddir/"
# ---- layer 3 (hand tar): special entries
S=$WORK/layer3
LONGDIR="long/this-directory-name-is-long-enough-to-need-pax/and-so-is-this-one-0123456789abcdef"
mkdir -p "$S/bin" "$S/shared" "$S/special" "$S/home/user" "$S/données" "$S/attrs" "$S/$LONGDIR" "$S/times"
printf '#!/bin/sh\necho setuid\n' >"$S/bin/suid-tool"; chmod 4755 "$S/bin/suid-tool"
chmod 1777 "$S/shared"
echo "in the sticky dir" >"$S/shared/note.txt"
mkfifo "$S/special/fifo"
echo "hardlinked content" >"$S/special/hardlink-target.txt"
ln "$S/special/hardlink-target.txt" "$S/special/hardlink.txt"
echo "owned by 1000:1000" >"$S/home/user/owned.txt"
chown 1000:1000 "$S/home/user" "$S/home/user/owned.txt"
echo "non-ASCII name" >"$S/données/café-ünïcødé.txt"
echo "has user.layerfs xattr" >"$S/attrs/xattr.txt"
echo "path longer than 100 characters" >"$S/$LONGDIR/file-with-a-long-name.txt"
echo "mtime is $FIXED_MTIME" >"$S/times/fixed-mtime.txt"
stamp "$S"
touch -d @$FIXED_MTIME "$S/times/fixed-mtime.txt"
setfattr -n user.layerfs -v fixture "$S/attrs/xattr.txt"
umoci_add_layer layered "$S" "layered layer 3: special entries (hand-built tar)"
# ---- layer 4 (hand tar): opaque dir, dir replaced by file, whiteout+recreate
S=$WORK/layer4
mkdir -p "$S/opaque" "$S/recreate"
: >"$S/opaque/.wh..wh..opq"
echo "new in opaque dir (layer 4)" >"$S/opaque/new.txt"
echo "replaced/ is now a regular file (layer 4)" >"$S/replaced"
: >"$S/.wh.recreate"
echo "recreated in layer 4" >"$S/recreate/new.txt"
stamp "$S"
umoci_add_layer layered "$S" "layered layer 4: opaque dir, dir->file, whiteout+recreate (hand-built tar)"

umoci gc --layout "$IMG"

# ================================================================ layered-zstd
# skopeo 1.9.3 reuses the gzip blobs already present when the destination is the
# same layout (no recompression), so convert into a scratch layout and copy back.
skopeo --insecure-policy copy -q --dest-compress-format zstd --dest-compress \
  "oci:$IMG:layered" "oci:$WORK/zstd:layered-zstd"
skopeo --insecure-policy copy -q "oci:$WORK/zstd:layered-zstd" "oci:$IMG:layered-zstd"

# ======================================================================= multi
mkdir -p "$WORK/multi-amd64/etc" "$WORK/multi-arm64/etc"
echo "amd64" >"$WORK/multi-amd64/etc/arch"
echo "only on amd64" >"$WORK/multi-amd64/amd64.txt"
echo "arm64" >"$WORK/multi-arm64/etc/arch"
echo "only on arm64" >"$WORK/multi-arm64/arm64.txt"
stamp "$WORK/multi-amd64"; stamp "$WORK/multi-arm64"
D1=$(hand_image "$IMG" - gzip linux amd64 "" "$WORK/multi-amd64")
D2=$(hand_image "$IMG" - gzip linux arm64 v8 "$WORK/multi-arm64")
INDEX=$(jq -nc --argjson a "$D1" --argjson b "$D2" \
  '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",
    manifests:[$a + {platform:{architecture:"amd64",os:"linux"}},
               $b + {platform:{architecture:"arm64",os:"linux",variant:"v8"}}]}')
IDIG=$(put_json "$IMG" "$INDEX")
set_index "$IMG" multi "$(jq -nc --arg d "$IDIG" --argjson s "$(bsize "$IMG" "$IDIG")" \
  '{mediaType:"application/vnd.oci.image.index.v1+json",digest:$d,size:$s}')" >/dev/null

# ================================================================ uncompressed
mkdir -p "$WORK/uncompressed/data"
echo "stored in an uncompressed layer" >"$WORK/uncompressed/data/plain.txt"
stamp "$WORK/uncompressed"
hand_image "$IMG" uncompressed none linux amd64 "" "$WORK/uncompressed" >/dev/null

# ====================================================== layered.docker.tar
skopeo --insecure-policy copy -q "oci:$IMG:layered" \
  "docker-archive:$TD/layered.docker.tar:layerfs/layered:1.0"
# skopeo 1.9.3 writes the normalised name ("docker.io/layerfs/layered:1.0") into
# manifest.json and repositories; `docker save` writes the familiar form. Rewrite
# those two members in place (same member order and headers).
python3 - "$TD/layered.docker.tar" <<'EOF'
import io, sys, tarfile
path = sys.argv[1]
with tarfile.open(path) as t:
    members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as out:
    for m, data in members:
        if m.name in ("manifest.json", "repositories"):
            data = data.replace(b'"docker.io/layerfs/', b'"layerfs/')
            m.size = len(data)
        out.addfile(m, io.BytesIO(data) if data is not None else None)
EOF

# ================================================ small.oci-docker.tar (Docker 25+)
O=$WORK/ocidocker; new_layout "$O"
SM=$(blob "$IMG" "$(manifest_digest "$IMG" small)")
CFG=$(jq -r .config.digest "$SM")
cp "$(blob "$IMG" "$CFG")" "$(blob "$O" "$CFG")"
LAYERS='[]'
for d in $(jq -r '.layers[].digest' "$SM"); do
  gzip -dc "$(blob "$IMG" "$d")" >"$WORK/ul.tar"
  sz=$(size "$WORK/ul.tar"); dig=$(put_blob "$O" "$WORK/ul.tar")
  LAYERS=$(jq -c --arg d "$dig" --argjson s "$sz" \
    '. + [{mediaType:"application/vnd.oci.image.layer.v1.tar",digest:$d,size:$s}]' <<<"$LAYERS")
done
MAN=$(jq -c --argjson l "$LAYERS" '{schemaVersion, mediaType: "application/vnd.oci.image.manifest.v1+json"} + . | .layers = $l' "$SM")
MDIG=$(put_json "$O" "$MAN")
printf '%s' "$(jq -nc --arg d "$MDIG" --argjson s "$(bsize "$O" "$MDIG")" \
  '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",
    manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,
      annotations:{"io.containerd.image.name":"docker.io/layerfs/small:1.0",
                   "org.opencontainers.image.ref.name":"1.0"}}]}')" >"$O/index.json"
printf '%s' "$(jq -nc --arg c "blobs/sha256/${CFG#sha256:}" --argjson l "$LAYERS" \
  '[{Config:$c,RepoTags:["layerfs/small:1.0"],Layers:[$l[].digest | "blobs/sha256/" + ltrimstr("sha256:")]}]')" \
  >"$O/manifest.json"
chmod -R u=rwX,go=rX "$O"; stamp "$O"
tar "${TARFLAGS[@]}" --owner=0 --group=0 -C "$O" -cf "$TD/small.oci-docker.tar" \
  blobs index.json manifest.json oci-layout

# ========================================================================= bad/
mkdir -p "$BAD"
# missing-blob: first layer's blob deleted
export_tag "$IMG" small "$BAD/missing-blob"
rm "$(layer_blob "$BAD/missing-blob" 0)"
# wrong-digest: one byte in the middle of the first layer flipped (same length)
export_tag "$IMG" small "$BAD/wrong-digest"
python3 - "$(layer_blob "$BAD/wrong-digest" 0)" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 0xFF
open(p, 'wb').write(b)
EOF
# truncated: first layer cut to half its length
export_tag "$IMG" small "$BAD/truncated"
L=$(layer_blob "$BAD/truncated" 0); truncate -s $(( $(size "$L") / 2 )) "$L"
# bad-diffid: config's first diff_id wrong; config, manifest and index re-digested
export_tag "$IMG" small "$BAD/bad-diffid"
rewrite_config "$BAD/bad-diffid" '.rootfs.diff_ids[0] = $d' \
  --arg d "sha256:$(printf 'not the layer' | sha256sum | cut -d' ' -f1)"
# corrupt-gzip: first layer = gzip header + garbage; blob digest/size are right
export_tag "$IMG" small "$BAD/corrupt-gzip"
python3 - "$WORK/corrupt.gz" <<'EOF'
import sys
hdr = bytes([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03])
open(sys.argv[1], 'wb').write(hdr + b'this is not deflate data \xff\xfe\xfd' * 8)
EOF
replace_layer "$BAD/corrupt-gzip" 0 "$WORK/corrupt.gz"
# gzip-trailing-garbage: first layer = its own gzip, then 16 bytes that are not a gzip member;
# diff_id unchanged (the members decompress to the same tar), manifest re-digested
export_tag "$IMG" small "$BAD/gzip-trailing-garbage"
cp "$(layer_blob "$BAD/gzip-trailing-garbage" 0)" "$WORK/trailing.gz"
printf 'trailing garbage' >>"$WORK/trailing.gz"
replace_layer "$BAD/gzip-trailing-garbage" 0 "$WORK/trailing.gz"
# bad-tar: first layer = valid gzip of 1500 pseudo-random bytes; digest and diff_id right
export_tag "$IMG" small "$BAD/bad-tar"
python3 - "$WORK/random.bin" <<'EOF'
import random, sys
open(sys.argv[1], 'wb').write(random.Random(1700000000).randbytes(1500))
EOF
DIFF="sha256:$(sha "$WORK/random.bin")"
gzip -n -9 -c "$WORK/random.bin" >"$WORK/random.gz"
replace_layer "$BAD/bad-tar" 0 "$WORK/random.gz" "$DIFF"
# unknown-mediatype: first layer's media type application/x-unknown
export_tag "$IMG" small "$BAD/unknown-mediatype"
rewrite_manifest "$BAD/unknown-mediatype" '.layers[0].mediaType = "application/x-unknown"'
# malformed-index: index.json is not JSON
export_tag "$IMG" small "$BAD/malformed-index"
printf '%s' '{"schemaVersion":2,"manifests":[{"mediaType": this is not json' >"$BAD/malformed-index/index.json"
# malformed-manifest: manifest blob is truncated JSON (digest and size correct)
export_tag "$IMG" small "$BAD/malformed-manifest"
OLD=$(the_manifest "$BAD/malformed-manifest")
TXT='{"schemaVersion":2,'
NEW=$(put_json "$BAD/malformed-manifest" "$TXT"); rm -f "$OLD"
jq -c --arg d "$NEW" --argjson s "$(bsize "$BAD/malformed-manifest" "$NEW")" '.manifests[0].digest = $d | .manifests[0].size = $s' \
  "$BAD/malformed-manifest/index.json" >"$WORK/index.json"
printf '%s' "$(cat "$WORK/index.json")" >"$BAD/malformed-manifest/index.json"
# two-images: "good" = small (intact); "broken" = its own 1-layer image whose layer is missing
export_tag "$IMG" small "$BAD/two-images"
jq -c '.manifests[0].annotations["org.opencontainers.image.ref.name"] = "good"' \
  "$BAD/two-images/index.json" >"$WORK/index.json"
printf '%s' "$(cat "$WORK/index.json")" >"$BAD/two-images/index.json"
mkdir -p "$WORK/broken"; echo "this layer's blob is deleted" >"$WORK/broken/broken.txt"; stamp "$WORK/broken"
BD=$(hand_image "$BAD/two-images" broken gzip linux amd64 "" "$WORK/broken")
rm "$(blob "$BAD/two-images" "$(jq -r '.layers[0].digest' "$(blob "$BAD/two-images" "$(jq -r .digest <<<"$BD")")")")"

# ================================================================ self-checks
echo "== checks"
for t in layered small; do
  rm -rf "$WORK/check"
  umoci unpack --image "$IMG:$t" "$WORK/check" >/dev/null
  echo "umoci unpack $t: ok"
done
for t in layered layered-zstd small multi uncompressed; do
  skopeo inspect --raw "oci:$IMG:$t" >/dev/null
  echo "skopeo inspect oci:$IMG:$t: ok"
done
[ "$(skopeo inspect "oci:$IMG:layered" | jq -r '.Layers | length')" = 4 ]
tar -xOf "$TD/layered.docker.tar" manifest.json | jq -e '.[0].RepoTags == ["layerfs/layered:1.0"]' >/dev/null
tar -xOf "$TD/small.oci-docker.tar" manifest.json | jq -e '.[0].RepoTags == ["layerfs/small:1.0"]' >/dev/null
jq -e '[.layers[].mediaType] | all(. == "application/vnd.oci.image.layer.v1.tar+zstd")' \
  "$(blob "$IMG" "$(manifest_digest "$IMG" layered-zstd)")" >/dev/null
echo "== manifest digests"
jq -r '.manifests[] | "\(.annotations["org.opencontainers.image.ref.name"])\t\(.digest)"' "$IMG/index.json"
for b in "$BAD"/*; do
  jq -r --arg n "${b#$TD/}" '.manifests[] | "\($n):\(.annotations["org.opencontainers.image.ref.name"])\t\(.digest)"' \
    "$b/index.json" 2>/dev/null || echo "${b#$TD/}: (index.json is not JSON)"
done
echo "testdata file bytes: $(find "$TD" -type f -printf '%s\n' | awk '{s += $1} END {print s}')"
