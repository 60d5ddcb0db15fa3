#!/usr/bin/env bash
# Makes testdata/report.png, the README's picture of `layerfs report`: indexes the bundled sample
# images into a scratch directory, writes their report, and has headless chromium (Debian's
# `chromium` package) take a 1280x2000 screenshot of it. Run from anywhere; needs Java 17, Maven,
# chromium.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(dirname "$here")"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$top"
./layerfs index oci:testdata/images docker-archive:testdata/layered.docker.tar \
  --out "$scratch/catalog" --cache-dir "$scratch/cache" >/dev/null
./layerfs report "$scratch/catalog"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$scratch/profile" --hide-scrollbars --window-size=1280,2000 \
  --screenshot="$here/report.png" "file://$scratch/catalog/report.html" 2>/dev/null
echo "wrote $here/report.png"
