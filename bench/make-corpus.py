#!/usr/bin/env python3
"""Builds the benchmark corpus: an OCI layout of images that share base layers, made of real
files from this machine (/usr), at least 1 GiB uncompressed in at least 8 distinct layers.

usage: make-corpus.py OUT_DIR [TARGET_MIB]
Layers are plain `tar` archives compressed with `gzip -6` (two at a time), so `zcat` of the same
blobs is the natural yardstick.
"""
import hashlib
import json
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

LAYERS = 8
SOURCES = ["/usr/lib", "/usr/share", "/usr/bin", "/usr/sbin", "/usr/include", "/usr/libexec"]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def entries(roots, with_dirs=False):
    """(path, lstat) of each readable file and each symlink under ROOTS, in path order; with
    WITH_DIRS, each directory too, before what it holds."""
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            if with_dirs:
                yield dirpath, os.lstat(dirpath)
            for name in sorted(filenames):
                p = os.path.join(dirpath, name)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if os.access(p, os.R_OK) or stat.S_ISLNK(st.st_mode):
                    yield p, st


def collect(target_bytes):
    """Regular files and symlinks under SOURCES, in path order, until target_bytes of files."""
    files, total = [], 0
    for p, st in entries(SOURCES):
        files.append(p)
        total += st.st_size if stat.S_ISREG(st.st_mode) else 0
        if total >= target_bytes:
            return files, total
    return files, total


def build_layer(out, i, paths):
    """Layer i of OUT: a pax tar of PATHS (absolute, taken from /), gzip -6; its blob and figures."""
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    lst = os.path.join(out, f"layer{i}.list")
    tar = os.path.join(out, f"layer{i}.tar")
    with open(lst, "w") as f:
        f.write("\n".join(p.lstrip("/") for p in paths) + "\n")
    subprocess.run(["tar", "-C", "/", "--format=pax", "--numeric-owner", "--no-recursion",
                    "--ignore-failed-read", "-cf", tar, "-T", lst], check=True,
                   stderr=subprocess.DEVNULL)
    diff_id = sha256_file(tar)
    usize = os.path.getsize(tar)
    subprocess.run(["gzip", "-6", "-n", "-f", tar], check=True)
    digest = sha256_file(tar + ".gz")
    size = os.path.getsize(tar + ".gz")
    os.replace(tar + ".gz", os.path.join(blobs, digest))
    os.remove(lst)
    return {"digest": "sha256:" + digest, "size": size, "diff_id": "sha256:" + diff_id, "usize": usize}


def write_layout(out, images, layers):
    """Writes OUT's configs, manifests, index.json and oci-layout: IMAGES maps a tag to layer numbers."""
    blobs = os.path.join(out, "blobs", "sha256")

    def put(obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return digest, len(data)

    manifests = []
    for name, idx in images.items():
        config = {"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": [layers[i]["diff_id"] for i in idx]}}
        cdigest, csize = put(config)
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": "sha256:" + cdigest, "size": csize},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                "digest": layers[i]["digest"], "size": layers[i]["size"]} for i in idx]}
        mdigest, msize = put(manifest)
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": "sha256:" + mdigest, "size": msize,
                          "annotations": {"org.opencontainers.image.ref.name": name}})
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": manifests}, f)


def main():
    out = sys.argv[1]
    target = int(sys.argv[2] if len(sys.argv) > 2 else 1200) << 20
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    files, total = collect(target)
    if total < (1 << 30):
        sys.exit(f"only {total >> 20} MiB of files found under {SOURCES}; need 1 GiB")
    # Split into LAYERS chunks of about equal bytes.
    chunks, chunk, acc, per = [], [], 0, total / LAYERS
    for p in files:
        chunk.append(p)
        if os.path.isfile(p) and not os.path.islink(p):
            acc += os.lstat(p).st_size
        if acc >= per * (len(chunks) + 1) and len(chunks) < LAYERS - 1:
            chunks.append(chunk)
            chunk = []
    chunks.append(chunk)

    with ThreadPoolExecutor(2) as pool:
        layers = list(pool.map(lambda i: build_layer(out, i, chunks[i]), range(LAYERS)))

    # Images share the base: base = layers 0-3, then app images of 1-3 extra layers on top.
    images = {"base": [0, 1, 2, 3], "app-a": [0, 1, 2, 3, 4, 5], "app-b": [0, 1, 2, 3, 6],
              "app-c": [0, 1, 2, 3, 6, 7]}
    write_layout(out, images, layers)
    print(f"corpus: {len(images)} images, {LAYERS} layers, "
          f"{sum(l['usize'] for l in layers) >> 20} MiB uncompressed, "
          f"{sum(l['size'] for l in layers) >> 20} MiB compressed, in {out}")


if __name__ == "__main__":
    main()
