#!/usr/bin/env bash
# Generates testdata/shapes/: an OCI layout with one tag per real-world layer shape (issue 15),
# each made by the tool that writes it in the wild. See testdata/README.md, "shapes/".
#
# Usage (as root, from the repository root):   testdata/make-layer-shapes.sh
#
# Debian packages needed: tar (GNU tar 1.34) zstd pigz python3 util-linux (unshare) coreutils attr
# Root is needed for `unshare --pid`, which makes GNU tar's PID (written into the names of
# sparse files' PAX headers) always 1, so two runs give byte-identical blobs.
set -euo pipefail

need() { # need COMMAND DEBIAN-PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "make-layer-shapes.sh: missing '$1' - install it with: apt-get install -y $2" >&2
    exit 1
  fi
}
need tar tar
need zstd zstd
need pigz pigz
need python3 python3
need unshare util-linux
need setfattr attr
if [ "$(id -u)" != 0 ]; then
  echo "make-layer-shapes.sh: must run as root (unshare --pid)" >&2
  exit 1
fi

cd "$(dirname "$0")/.."            # repository root
OUT=testdata/shapes
export LC_ALL=C.UTF-8 TZ=UTC
umask 022
EPOCH=1700000000
WORK=$(mktemp -d /tmp/layerfs-shapes.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/layers"
GNUTAR=(tar --blocking-factor=1 --sort=name --mtime=@$EPOCH --owner=0 --group=0 --numeric-owner)
PAXOPT="--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime"

# ---------------------------------------------------------------- GNU tar shapes
# A sparse file: data, a 96 KiB hole, data, a hole to the end (GNU tar stores only the data).
SP="$WORK/sparse-src"
mkdir -p "$SP"
python3 - "$SP/sparse.bin" <<'EOF'
import sys
with open(sys.argv[1], 'wb') as f:
    f.write(b'head' * 1024)
    f.seek(102400); f.write(b'middle' * 512)
    f.seek(262144); f.truncate()
EOF
echo "not sparse" >"$SP/plain.txt"
touch -d @$EPOCH "$SP"/*
for v in 0.0 0.1 1.0; do
  unshare --pid --fork "${GNUTAR[@]}" --sparse --sparse-version=$v --format=posix "$PAXOPT" -C "$SP" \
    -cf "$WORK/layers/sparse-pax-$v.tar" plain.txt sparse.bin
done
unshare --pid --fork "${GNUTAR[@]}" --sparse --format=gnu -C "$SP" -cf "$WORK/layers/sparse-gnu.tar" plain.txt sparse.bin

# tar --append: the same path twice, the second time longer.
AP="$WORK/append-src"
mkdir -p "$AP"
echo "first" >"$AP/twice.txt"
touch -d @$EPOCH "$AP/twice.txt"
"${GNUTAR[@]}" --format=gnu -C "$AP" -cf "$WORK/layers/gnu-append.tar" twice.txt
echo "second, and longer than the first" >"$AP/twice.txt"
touch -d @$EPOCH "$AP/twice.txt"
"${GNUTAR[@]}" --format=gnu -C "$AP" --append -f "$WORK/layers/gnu-append.tar" twice.txt

# xattr names with "=" and "%": GNU tar writes them as %3D and %25 in the SCHILY.xattr keyword
# ("user.lit%3D" becomes user.lit%253D). Needs a file system with user xattrs under $WORK.
XA="$WORK/xattr-src"
mkdir -p "$XA"
echo "xattr names with = and %" >"$XA/odd.txt"
setfattr -n 'user.a=b' -v equals "$XA/odd.txt"
setfattr -n 'user.100%' -v percent "$XA/odd.txt"
setfattr -n 'user.lit%3D' -v literal "$XA/odd.txt"
touch -d @$EPOCH "$XA/odd.txt"
"${GNUTAR[@]}" --format=posix "$PAXOPT" --xattrs --xattrs-include='user.*' -C "$XA" \
  -cf "$WORK/layers/xattr-equals-name.tar" odd.txt

# ---------------------------------------------------------------- Python tarfile shapes
python3 - "$WORK/layers" "$EPOCH" <<'EOF'
import io, os, sys, tarfile
out, epoch = sys.argv[1], int(sys.argv[2])

def info(name, kind=tarfile.REGTYPE, data=b'', mode=0o644, **kw):
    t = tarfile.TarInfo(name)
    t.type, t.mode, t.mtime, t.size = kind, mode, epoch, len(data) if kind == tarfile.REGTYPE else 0
    for k, v in kw.items():
        setattr(t, k, v)
    return t, data

def write(name, entries, fmt=tarfile.PAX_FORMAT, encoding='utf-8'):
    with tarfile.open(os.path.join(out, name + '.tar'), 'w', format=fmt, encoding=encoding,
                      errors='surrogateescape') as tf:
        for e in entries:
            if isinstance(e, bytes):           # raw records written by hand (see raw_pax)
                tf.fileobj.write(e); tf.offset += len(e)
            else:
                t, data = e
                tf.addfile(t, io.BytesIO(data) if t.isreg() else None)

def raw_pax(records, name, data, mode=0o644):
    """A PAX header with RECORDS (bytes keys and values, written as they are: no hdrcharset) for
    a file NAME, then the file, as Go's archive/tar and GNU tar write non-UTF-8 values."""
    body = b''
    for k, v in records:
        rec = b' ' + k + b'=' + v + b'\n'
        n = len(rec) + 1
        while len(str(n)) + len(rec) != n:
            n = len(str(n)) + len(rec)
        body += str(n).encode() + rec
    x = tarfile.TarInfo('PaxHeaders/' + name.decode('ascii', 'replace').replace('\ufffd', '_'))
    x.type, x.size, x.mtime = tarfile.XHDTYPE, len(body), epoch
    pad = lambda b: b + b'\0' * (-len(b) % 512)
    t = tarfile.TarInfo(name.decode('ascii', 'replace').replace('\ufffd', '_'))
    t.size, t.mode, t.mtime = len(data), mode, epoch
    return (x.tobuf(tarfile.USTAR_FORMAT) + pad(body) + t.tobuf(tarfile.USTAR_FORMAT) + pad(data))

# latin-1 bytes in a ustar name (no PAX path), as old tools write them.
write('latin1-ustar-name', [info('caf\xe9.txt', data=b'latin-1\n'), info('cafe.txt', data=b'ascii\n')],
      fmt=tarfile.USTAR_FORMAT, encoding='latin-1')
# PAX path with hdrcharset=BINARY (tarfile does that for undecodable names), and a hardlink to it.
write('pax-binary-path', [info(os.fsdecode(b'bin-\xff\xfe.txt'), data=b'binary path\n'),
                          info(os.fsdecode(b'link-\xe9'), tarfile.LNKTYPE, linkname=os.fsdecode(b'bin-\xff\xfe.txt'))])
# PAX path with raw non-UTF-8 bytes and no hdrcharset, as Go's archive/tar writes it.
write('pax-raw-path', [raw_pax([(b'path', b'raw-\xe9\xe8-' + b'x' * 100 + b'.txt')], b'raw-path', b'raw path\n')])
# Binary xattr values: user.* and security.capability (a VFS cap v2 blob: cap_net_bind_service).
cap = bytes([0, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
write('binary-xattr', [raw_pax([(b'SCHILY.xattr.user.bin', b'\x00\xff\xfe\x80 not utf-8'),
                                (b'SCHILY.xattr.user.text', b'plain'),
                                (b'SCHILY.xattr.security.capability', cap)], b'xattr.bin', b'has xattrs\n')])
# Owner names and xattr names that are not UTF-8 (two names differ only in an invalid byte), raw
# in PAX records as Go's archive/tar and GNU tar write them; a trusted.* one needs root to be set.
write('binary-names', [raw_pax([(b'uname', b'us\xe9r'), (b'gname', b'gr\xfe\xff'),
                                (b'SCHILY.xattr.user.n\xe9', b'one'), (b'SCHILY.xattr.user.n\xff', b'two'),
                                (b'SCHILY.xattr.trusted.t\xe9', b'\x00three')], b'names.bin', b'odd names\n')])
# Ids past 31 bits: base-256 in a GNU header, decimal in PAX records.
write('big-ids', [info('nobody.txt', data=b'nobody\n', uid=4294967294, gid=4294967294),
                  info('two-to-31.txt', data=b'2^31\n', uid=2**31, gid=2**31 + 1)], fmt=tarfile.GNU_FORMAT)
write('big-ids-pax', [info('nobody.txt', data=b'nobody\n', uid=4294967294, gid=4294967294)])
# Times: before 1970 and after 2038, base-256 (GNU; 2^33 is the first that needs it, and stays
# below 2262, the end of what utimensat's nanoseconds in a signed 64-bit count can say) and PAX.
write('times-gnu', [info('pre-1970.txt', data=b'1960\n', mtime=-315619200),
                    info('post-2038.txt', data=b'2100\n', mtime=4102444800),
                    info('base-256.txt', data=b'2242\n', mtime=2**33)], fmt=tarfile.GNU_FORMAT)
write('times-pax', [info('pre-1970.txt', data=b'1960\n', mtime=-315619200.25),
                    info('post-2038.txt', data=b'2100\n', mtime=4102444800.5),
                    info('fraction.txt', data=b'now\n', mtime=1700000000.75)])
# The root entry "./" with its own mode and owner, as a rootfs tarred from `mktemp -d` has.
write('root-entry', [info('./', tarfile.DIRTYPE, mode=0o700, uid=1000, gid=1000),
                     info('./file.txt', data=b'in root\n', uid=1000, gid=1000)])
# aufs metadata (docker's aufs driver): never created by an extractor of OCI layers.
write('aufs-meta', [info('.wh..wh.aufs', data=b''), info('.wh..wh.orph/', tarfile.DIRTYPE, mode=0o700),
                    info('.wh..wh.plnk/', tarfile.DIRTYPE, mode=0o700),
                    info('.wh..wh.plnk/12345.67', data=b'plink\n'), info('kept.txt', data=b'kept\n')])
# Parent directories without entries of their own.
write('implicit-parent', [info('a/b/c.txt', data=b'deep\n'), info('x/', tarfile.DIRTYPE, mode=0o750),
                          info('x/y/z.txt', data=b'under implicit y\n')])
# A hardlink to a name that only comes later in the tar.
write('hardlink-forward', [info('link.txt', tarfile.LNKTYPE, linkname='target.txt'),
                           info('target.txt', data=b'target\n')])
# A path twice, the second with another size.
write('duplicate-path', [info('dup.txt', data=b'first version\n'), info('dup.txt', data=b'2nd\n')])
# A hardlink whose target is rewritten after it: the link keeps the old content.
write('hardlink-rewritten', [info('orig.txt', data=b'old content\n'), info('link.txt', tarfile.LNKTYPE, linkname='orig.txt'),
                             info('orig.txt', data=b'new, longer content\n')])
# A chain of three names: b links a, c links b (tar writes every link to the first name).
write('hardlink-chain', [info('a.txt', data=b'chain\n'), info('b.txt', tarfile.LNKTYPE, linkname='a.txt'),
                         info('c.txt', tarfile.LNKTYPE, linkname='a.txt')])
# File + hardlink; a later layer whites out the first name (whiteout form) or its directory (opaque).
write('hardlink-whiteout-1', [info('first.txt', data=b'shared\n'), info('second.txt', tarfile.LNKTYPE, linkname='first.txt')])
write('hardlink-whiteout-2', [info('.wh.first.txt', data=b'')])
write('hardlink-opaque-1', [info('d/', tarfile.DIRTYPE, mode=0o755), info('d/first.txt', data=b'shared\n'),
                            info('second.txt', tarfile.LNKTYPE, linkname='d/first.txt')])
write('hardlink-opaque-2', [info('d/', tarfile.DIRTYPE, mode=0o755), info('d/.wh..wh..opq', data=b''),
                            info('d/new.txt', data=b'new\n')])
# Base for the stream shapes.
write('streams', [info('etc/', tarfile.DIRTYPE, mode=0o755), info('etc/a.conf', data=b'a=1\n'),
                  info('etc/b.conf', data=b'b=2\n' * 300), info('etc/c.link', tarfile.SYMTYPE, linkname='a.conf')])
EOF

# ---------------------------------------------------------------- streams
L="$WORK/layers"
# zstd:chunked style: a skippable frame (magic 0x184D2A50) first, then the zstd frame.
python3 - "$L/streams.skip" <<'EOF'
import struct, sys
payload = b'{"layerfs":"skippable frame before the data"}'
open(sys.argv[1], 'wb').write(struct.pack('<II', 0x184D2A50, len(payload)) + payload)
EOF
zstd -q -19 --no-check -c "$L/streams.tar" >"$L/streams.zst"
cat "$L/streams.skip" "$L/streams.zst" >"$L/zstd-skippable.layer"
pigz -n -T -9 -c "$L/streams.tar" >"$L/pigz.layer"
# eStargz style: one gzip member per tar entry (header+content), the end marker, a footer member.
python3 - "$L/streams.tar" "$L/estargz.layer" <<'EOF'
import gzip, sys, tarfile
raw = open(sys.argv[1], 'rb').read()
cuts = [m.offset for m in tarfile.open(sys.argv[1]).getmembers()] + [len(raw)]
parts = [raw[a:b] for a, b in zip(cuts, cuts[1:])]
out = b''.join(gzip.compress(p, mtime=0) for p in parts if p)
# footer: an empty member whose extra field "SG" holds the TOC offset and "STARGZ" (estargz spec)
extra = b'SG' + (22).to_bytes(2, 'little') + b'%016xSTARGZ' % len(out)
footer = b'\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff' + len(extra).to_bytes(2, 'little') + extra + b'\x03\x00' + b'\x00' * 8
open(sys.argv[2], 'wb').write(out + footer)
EOF

# ---------------------------------------------------------------- the OCI layout
rm -rf "$OUT"
python3 - "$OUT" "$L" "$EPOCH" <<'EOF'
import hashlib, json, os, subprocess, sys
out, layers, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out + '/blobs/sha256')
T = 'application/vnd.oci.image.layer.v1.tar'
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    with open(f'{out}/blobs/sha256/{h}', 'wb') as f:
        f.write(data)
    return {'digest': 'sha256:' + h, 'size': len(data)}
def dump(o):
    return json.dumps(o, separators=(',', ':'), sort_keys=True).encode()
def read(name):
    return open(os.path.join(layers, name), 'rb').read()
plain = lambda n: (read(n + '.tar'), T, read(n + '.tar'))
zst = lambda n: (read(n + '.layer'), T + '+zstd', read('streams.tar'))
gz = lambda n: (read(n + '.layer'), T + '+gzip', read('streams.tar'))
shapes = {n: [plain(n)] for n in [
    'sparse-pax-0.0', 'sparse-pax-0.1', 'sparse-pax-1.0', 'sparse-gnu', 'gnu-append', 'latin1-ustar-name',
    'pax-binary-path', 'pax-raw-path', 'binary-xattr', 'binary-names', 'big-ids', 'big-ids-pax', 'times-gnu', 'times-pax',
    'root-entry', 'aufs-meta', 'implicit-parent', 'hardlink-forward', 'duplicate-path', 'hardlink-rewritten',
    'hardlink-chain', 'streams', 'xattr-equals-name']}
shapes['hardlink-whiteout'] = [plain('hardlink-whiteout-1'), plain('hardlink-whiteout-2')]
shapes['hardlink-opaque'] = [plain('hardlink-opaque-1'), plain('hardlink-opaque-2')]
shapes['zstd-skippable'] = [zst('zstd-skippable')]
shapes['pigz'] = [gz('pigz')]
shapes['estargz'] = [gz('estargz')]
created = '2023-11-14T22:13:20Z'
index = []
for tag, ls in sorted(shapes.items()):
    descs = [dict(mediaType=mt, **blob(data)) for data, mt, _ in ls]
    diff_ids = ['sha256:' + hashlib.sha256(tar).hexdigest() for _, _, tar in ls]
    config = {'architecture': 'amd64', 'os': 'linux', 'created': created,
              'config': {'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']},
              'rootfs': {'type': 'layers', 'diff_ids': diff_ids},
              'history': [{'created': created, 'created_by': 'make-layer-shapes.sh ' + tag}] * len(ls)}
    c = dict(mediaType='application/vnd.oci.image.config.v1+json', **blob(dump(config)))
    m = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'config': c, 'layers': descs}
    index.append(dict(mediaType='application/vnd.oci.image.manifest.v1+json', **blob(dump(m)),
                      annotations={'org.opencontainers.image.ref.name': tag}))
open(out + '/index.json', 'wb').write(dump({'schemaVersion': 2, 'manifests': index}))
open(out + '/oci-layout', 'wb').write(b'{"imageLayoutVersion":"1.0.0"}')
EOF

# ---------------------------------------------------------------- check
for d in "$OUT"/blobs/sha256/*; do
  [ "$(sha256sum "$d" | cut -d' ' -f1)" = "$(basename "$d")" ] || { echo "bad blob $d" >&2; exit 1; }
done
zstd -dc "$L/zstd-skippable.layer" | cmp - "$L/streams.tar"
gzip -dc "$L/estargz.layer" | cmp - "$L/streams.tar"
for t in sparse-pax-0.0 sparse-pax-0.1 sparse-pax-1.0 sparse-gnu; do
  tar -tvf "$L/$t.tar" | grep -q ' 262144 .* sparse.bin' || { echo "$t: not a 256 KiB sparse.bin" >&2; exit 1; }
done
echo "testdata/shapes: $(ls "$OUT/blobs/sha256" | wc -l) blobs, $(du -sk "$OUT" | cut -f1) KiB"
python3 -c 'import json,sys; [print(m["annotations"]["org.opencontainers.image.ref.name"], m["digest"]) for m in json.load(open(sys.argv[1]))["manifests"]]' "$OUT/index.json"
