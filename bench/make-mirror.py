#!/usr/bin/env python3
"""Builds the mirror benchmark's source: an OCI layout of 12 images that share base layers,
over 1 GiB of blobs, from the index corpus (make-corpus.py). Its layers are the corpus's
layers stored uncompressed, so the bytes a mirror moves are the bytes of real files.

usage: make-mirror.py CORPUS_DIR OUT_DIR
"""
import hashlib
import itertools
import json
import os
import subprocess
import sys


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    with open(os.path.join(corpus, "index.json")) as f:
        index = json.load(f)

    def blob(digest):
        return os.path.join(corpus, "blobs", "sha256", digest.split(":")[1])

    # The corpus's distinct layers, in first-seen order, each stored uncompressed.
    layers = []
    for m in index["manifests"]:
        with open(blob(m["digest"])) as f:
            for layer in json.load(f)["layers"]:
                if layer["digest"] not in [l["src"] for l in layers]:
                    layers.append({"src": layer["digest"]})
    for layer in layers:
        tmp = os.path.join(out, "layer.tmp")
        with open(tmp, "wb") as f:
            subprocess.run(["zcat", blob(layer["src"])], stdout=f, check=True)
        h = hashlib.sha256()
        with open(tmp, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        layer["digest"] = "sha256:" + h.hexdigest()
        layer["size"] = os.path.getsize(tmp)
        os.replace(tmp, os.path.join(blobs, h.hexdigest()))

    def put(obj):
        data = json.dumps(obj, separators=(",", ":")).encode()
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest, len(data)

    # 12 images: the base (layers 0-3) alone, with one top layer, with two, and with three.
    tops = list(range(4, len(layers)))
    stacks = [[]] + [[t] for t in tops] + [list(p) for p in itertools.combinations(tops, 2)] + [tops[:3]]
    manifests = []
    for n, top in enumerate(stacks[:12]):
        idx = [0, 1, 2, 3] + top
        config = {"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": [layers[i]["digest"] for i in idx]}}
        cdigest, csize = put(config)
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": cdigest, "size": csize},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                "digest": layers[i]["digest"], "size": layers[i]["size"]} for i in idx]}
        mdigest, msize = put(manifest)
        manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "digest": mdigest, "size": msize,
                          "annotations": {"org.opencontainers.image.ref.name": f"image-{n:02d}"}})
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": manifests}, f)
    print(f"mirror source: {len(manifests)} images, {len(layers)} distinct layers, "
          f"{sum(l['size'] for l in layers) >> 20} MiB of layer blobs, in {out}")


if __name__ == "__main__":
    main()
