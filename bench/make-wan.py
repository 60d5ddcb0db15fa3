#!/usr/bin/env python3
"""Builds the WAN benchmark's source: REPOS OCI layouts (repo0, repo1, ...) of TAGS tags each,
every image a base layer all of them share, a layer its repository's images share and one of
its own (gzip tars of random bytes, so no compression helps anyone). Written to OUT_DIR/repoN.

usage: make-wan.py OUT_DIR [REPOS [TAGS [BASE_MIB]]]
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def main():
    out = sys.argv[1]
    repos = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    tags = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    base_mib = int(sys.argv[4]) if len(sys.argv) > 4 else 48
    rand = open("/dev/urandom", "rb")

    def layer(name, size):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo(name)
            info.size = size
            info.mtime = 0
            tar.addfile(info, io.BytesIO(rand.read(size)))
        data = raw.getvalue()
        gz = gzip.compress(data, compresslevel=1, mtime=0)
        return {"gz": gz, "diff_id": "sha256:" + hashlib.sha256(data).hexdigest(),
                "digest": "sha256:" + hashlib.sha256(gz).hexdigest()}

    base = layer("base.bin", base_mib << 20)
    for r in range(repos):
        layout = os.path.join(out, f"repo{r}")
        blobs = os.path.join(layout, "blobs", "sha256")
        os.makedirs(blobs, exist_ok=True)

        def put(data):
            digest = hashlib.sha256(data).hexdigest()
            with open(os.path.join(blobs, digest), "wb") as f:
                f.write(data)
            return {"digest": "sha256:" + digest, "size": len(data)}

        shared = layer(f"repo{r}.bin", 4 << 20)
        manifests = []
        for t in range(tags):
            own = layer(f"repo{r}-tag{t}.bin", 256 << 10)
            stack = [base, shared, own]
            for l in stack:
                put(l["gz"])
            config = {"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in stack]}}
            c = put(json.dumps(config, separators=(",", ":")).encode())
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **c),
                        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                    "digest": l["digest"], "size": len(l["gz"])} for l in stack]}
            m = put(json.dumps(manifest, separators=(",", ":")).encode())
            manifests.append(dict(mediaType="application/vnd.oci.image.manifest.v1+json",
                                  annotations={"org.opencontainers.image.ref.name": f"v{t}"}, **m))
        with open(os.path.join(layout, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        with open(os.path.join(layout, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": manifests}, f)
    print(f"wan source: {repos} repositories x {tags} tags, a {base_mib} MiB base layer shared by all, in {out}")


if __name__ == "__main__":
    main()
