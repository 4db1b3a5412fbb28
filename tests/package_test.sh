#!/usr/bin/env bash
# The package as a user gets it. `cpack -G DEB` in the build folder makes the .deb; unpacked
# into a scratch root (dpkg-deb -x), its launcher and metainfo are valid, the icon is there in
# every hicolor size, the file types parse, the mnist digits came with it, its dependencies are
# Debian's packages of the libraries the binary links, and the installed binary answers
# --version and finds the data installed beside it (not the build's).
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
id=org.latentexplorer.LatentExplorer
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "package: $*" >&2; exit 1; }

cd "$build"
cpack -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1 || { cat "$scratch/cpack.log" >&2; fail "cpack -G DEB failed"; }
debs=("$scratch"/out/latent-explorer_*.deb)
[ -f "${debs[0]}" ] || fail "cpack made no latent-explorer_*.deb"
deb=${debs[0]}
echo "made $(basename "$deb") ($(du -h "$deb" | cut -f1))"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
echo "Recommends: $(dpkg-deb -f "$deb" Recommends)"
for package in libtorch libqt6widgets6 libqcustomplot libdnnl libc6; do
  grep -q "$package" <<<"$depends" || fail "Depends names no $package package"
done

root=$scratch/root
dpkg-deb -x "$deb" "$root"
share=$root/usr/share
desktop-file-validate "$share/applications/$id.desktop" || fail "the desktop file is not valid"
grep -q "^Exec=latent-explorer %f$" "$share/applications/$id.desktop" || fail "the desktop file does not open a file with %f"
appstreamcli validate --no-net "$share/metainfo/$id.metainfo.xml" >"$scratch/appstream.log" 2>&1 \
  || { cat "$scratch/appstream.log" >&2; fail "the metainfo is not valid"; }
for size in 16 22 24 32 48 64 128 256 512; do
  icon=$share/icons/hicolor/${size}x${size}/apps/$id.png
  [ -s "$icon" ] || fail "no ${size}x${size} icon"
  read -r w h < <(od -An -tu4 --endian=big -j16 -N8 "$icon") # the PNG header's width and height
  [ "$w $h" = "$size $size" ] || fail "$icon is $w x $h, not $size x $size"
done
[ -s "$share/icons/hicolor/scalable/apps/$id.svg" ] || fail "no scalable icon"
[ -s "$share/doc/latent-explorer/copyright" ] || fail "no copyright file"
# The file types: update-mime-database refuses a malformed definition.
mkdir -p "$scratch/mime/packages"
cp "$share/mime/packages/$id.xml" "$scratch/mime/packages/"
update-mime-database "$scratch/mime" 2>"$scratch/mime.log"
! grep -qi "error\|warning" "$scratch/mime.log" || { cat "$scratch/mime.log" >&2; fail "the file types do not parse"; }
grep -q "application/x-latent-explorer-checkpoint" "$scratch/mime/globs2" || fail "the checkpoint type is not registered"

for f in images-idx3-ubyte labels-idx1-ubyte; do
  [ -s "$share/latent-explorer/data/mnist/$f" ] || fail "the mnist digits ($f) are not in the package"
done
binary=$root/usr/bin/latent-explorer
"$binary" --version | grep -q "^Latent Explorer " || fail "the installed binary does not answer --version"
env -u LX_DATA_DIR "$binary" inspect --system | grep -qx "datasets: $share/latent-explorer/data" \
  || fail "the installed binary does not look for its data beside it: $(env -u LX_DATA_DIR "$binary" inspect --system | grep datasets)"
# And it reads them: a model scored on the installed mnist (2,000 of its 10,000 for validation).
env -u LX_DATA_DIR "$binary" eval --model "$source/tests/data/tiny_ae.pt" --data mnist | grep -q '"val_images":2000' \
  || fail "eval on the installed mnist did not see its 2,000 validation images"
echo "package: all checks passed"
