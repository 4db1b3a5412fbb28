#!/bin/bash
# Renders the application icon's PNG sizes (the hicolor theme's) from latent-explorer.svg.
# Run by hand after changing the SVG (ImageMagick); the PNGs are committed.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 22 24 32 48 64 128 256 512; do
    convert -background none -density 300 latent-explorer.svg -resize ${size}x${size} -strip "latent-explorer-${size}.png"
done
