#!/usr/bin/env python3
"""Builds the unpack benchmark's images, of real files from this machine (/usr), in one OCI layout:
  big-layer    one layer of at least 50 000 entries, mostly small files (directories included);
  many-layers  30 layers of 1 000 files each.
Layers are pax tars compressed with `gzip -6`, as in make-corpus.py.

usage: make-unpack-images.py OUT_DIR
"""
import importlib.util
import os
import sys
from concurrent.futures import ThreadPoolExecutor

BIG_ENTRIES = 60_000
MANY_LAYERS = 30
FILES_PER_LAYER = 1_000
MAX_FILE = 256 << 10  # keeps the images to a few hundred MiB: the weight is in the count of files


def corpus():
    spec = importlib.util.spec_from_file_location("corpus", os.path.join(os.path.dirname(__file__), "make-corpus.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def walk(roots, count, with_dirs):
    """Up to COUNT paths under ROOTS in path order: regular files up to MAX_FILE and symlinks (and directories)."""
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            if with_dirs:
                found.append(dirpath)
            for name in sorted(filenames):
                p = os.path.join(dirpath, name)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if os.path.islink(p) or (os.path.isfile(p) and st.st_size <= MAX_FILE and os.access(p, os.R_OK)):
                    found.append(p)
                if len(found) >= count:
                    return found
    return found


def main():
    out = sys.argv[1]
    make = corpus()
    big = walk(["/usr/share", "/usr/include", "/usr/lib"], BIG_ENTRIES, True)
    if len(big) < 50_000:
        sys.exit(f"only {len(big)} entries found under /usr; the big layer needs 50 000")
    many = walk(["/usr/lib"], MANY_LAYERS * FILES_PER_LAYER, False)
    chunks = [big] + [many[i::MANY_LAYERS] for i in range(MANY_LAYERS)]
    with ThreadPoolExecutor(2) as pool:
        layers = list(pool.map(lambda i: make.build_layer(out, i, chunks[i]), range(len(chunks))))
    make.write_layout(out, {"big-layer": [0], "many-layers": list(range(1, MANY_LAYERS + 1))}, layers)
    print(f"unpack images: big-layer {len(big)} entries, {layers[0]['usize'] >> 20} MiB; many-layers "
          f"{MANY_LAYERS} layers, {len(many)} files, {sum(l['usize'] for l in layers[1:]) >> 20} MiB; in {out}")


if __name__ == "__main__":
    main()
