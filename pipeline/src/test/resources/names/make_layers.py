# Writes two layers whose names are bytes, as Python's tarfile writes them in the wild:
#   pax.tar  PAX format: names that are not UTF-8 get hdrcharset=BINARY and their raw bytes,
#            a binary user.* xattr value, a hardlink and a symlink to such names;
#   gnu.tar  GNU format: latin-1 names straight in the header, a GNU long name ('L').
# Usage: make_layers.py OUT_DIR. Names are given as bytes (os.fsdecode keeps them exactly).
import io, os, sys, tarfile

out = sys.argv[1]
CAFE = b"caf\xe9"  # latin-1: not UTF-8


def name(b):
    return b.decode("utf-8", "surrogateescape")


def add(tar, path, kind=tarfile.REGTYPE, data=b"", link=b"", xattrs=None):
    info = tarfile.TarInfo(name(path))
    info.type = kind
    info.mtime = 1700000000
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.linkname = name(link)
    if xattrs:
        info.pax_headers = {"SCHILY.xattr." + k: name(v) for k, v in xattrs.items()}
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


with tarfile.open(os.path.join(out, "pax.tar"), "w", format=tarfile.PAX_FORMAT,
                  encoding="utf-8", errors="surrogateescape") as t:
    add(t, b"d-" + CAFE, tarfile.DIRTYPE)
    add(t, b"d-" + CAFE + b"/f\xff", data=b"ff")
    add(t, b"d-" + CAFE + b"/f\xfe", data=b"fe")
    add(t, b"d-caf\xc3\xa9", tarfile.DIRTYPE)  # the same name in UTF-8: another directory
    add(t, b"d-caf\xc3\xa9/" + CAFE, data=b"utf8 dir, latin-1 file")
    add(t, b"link", tarfile.LNKTYPE, link=b"d-" + CAFE + b"/f\xff")
    add(t, b"sym", tarfile.SYMTYPE, link=b"d-" + CAFE + b"/f\xfe")
    add(t, b"x-" + CAFE, data=b"binary xattr", xattrs={"user.bin": b"\xde\xad\x00\xef", "user.text": b"h\xc3\xa9"})

with tarfile.open(os.path.join(out, "gnu.tar"), "w", format=tarfile.GNU_FORMAT,
                  encoding="latin-1", errors="surrogateescape") as t:
    add(t, b"g-" + CAFE, data=b"latin-1 in the header")
    add(t, b"g-long-" + b"n" * 120 + b"\xe9", data=b"latin-1 in a GNU long name")
