#!/usr/bin/env python3
"""Builds the unpack benchmark's images, of real files from this machine (/usr), in one OCI layout:
  big-layer    one layer of at least 50 000 entries, mostly small files (directories included);
  many-layers  30 layers of 1 000 files each.
Layers are pax tars compressed with `gzip -6`, as in make-corpus.py.

usage: make-unpack-images.py OUT_DIR
"""
import importlib.util
import os
import stat
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


def walk(make, roots, count, with_dirs):
    """Up to COUNT paths under ROOTS in path order: files up to MAX_FILE, symlinks (and directories)."""
    found = []
    for p, st in make.entries(roots, with_dirs):
        if stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_size <= MAX_FILE):
            found.append(p)
            if len(found) >= count:
                return found
    return found


def main():
    out = sys.argv[1]
    make = corpus()
    big = walk(make, ["/usr/share", "/usr/include", "/usr/lib"], BIG_ENTRIES, True)
    if len(big) < 50_000:
        sys.exit(f"only {len(big)} entries found under /usr; the big layer needs 50 000")
    many = walk(make, ["/usr/lib"], MANY_LAYERS * FILES_PER_LAYER, False)
    chunks = [big] + [many[i::MANY_LAYERS] for i in range(MANY_LAYERS)]
    with ThreadPoolExecutor(2) as pool:
        layers = list(pool.map(lambda i: make.build_layer(out, i, chunks[i]), range(len(chunks))))
    make.write_layout(out, {"big-layer": [0], "many-layers": list(range(1, MANY_LAYERS + 1))}, layers)
    print(f"unpack images: big-layer {len(big)} entries, {layers[0]['usize'] >> 20} MiB; many-layers "
          f"{MANY_LAYERS} layers, {len(many)} files, {sum(l['usize'] for l in layers[1:]) >> 20} MiB; in {out}")


if __name__ == "__main__":
    main()
