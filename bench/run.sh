#!/usr/bin/env bash
# Every benchmark, one table. Our app and its Python PyTorch peer run side by side in one run
# on the same data split, the same machine and the same BLAS, so ratios mean something even
# on a noisy shared machine. Usage: bash bench/run.sh [--seconds S] [--quick] [--only speed|quality|map|gui] [--rounds N]
#   quality: train each architecture (a plain AE) for S seconds (default 60) on mnist, then score it
#   map:     the 2-D map's quality, S seconds each, seeds 0, 1, 2: the UMAP-regularised conv
#            model (the first launch's) beside the plain conv and lecture autoencoders, and
#            beside t-SNE and UMAP of a plain 8-D conv AE's codes (bench_layers --layouts)
#   speed:   one epoch of the lecture model (8,000 images), images per second; on an AVX-512
#            machine also held to AVX2 (oneDNN, our kernels, OpenBLAS), as on most laptops
#   gui:     map redraw, hover latency, event-loop lateness and throughput while training,
#            close mid-training (bench/bench_gui.cpp), on fashion (70,000 points)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=60
archs=(lecture mlp conv)
only=all
rounds=3
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --quick) seconds=15; archs=(lecture conv); shift ;;
    --only) only=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--quick] [--only speed|quality|map|gui] [--rounds N]" >&2; exit 2 ;;
  esac
done
bash "$root/scripts/setup.sh" build >&2
dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q 'install ok installed' \
  || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
app=${LX_BUILD_DIR:-$root/build}/app/latent-explorer
peer=(/usr/bin/python3 "$root/bench/peer/train_peer.py" --threads 2 --data "${LX_DATA_DIR:-$root/data}/mnist")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
fmt() { printf '%.4f' "$1"; }

system=$("$app" inspect --system)
blas=$(sed -n 's/^BLAS: //p' <<<"$system")
kernels=$(sed -n 's/^BLAS kernels: //p' <<<"$system")
echo "$(grep '^CPU: ' <<<"$system"); oneDNN $(sed -n 's/^oneDNN kernels: //p' <<<"$system"), ours $(sed -n 's/^our kernels: //p' <<<"$system")"
echo "BLAS: $blas${kernels:+, kernels $kernels}"
echo "threads: 2   data: mnist (8,000 train / 2,000 validation)   budget: ${seconds} s of training"
echo
[[ $only == all || $only == quality ]] || archs=()
((${#archs[@]} == 0)) || printf '%-8s %-7s %8s %8s %9s %8s\n' arch who val_mse knn5 img/s epochs
for arch in "${archs[@]}"; do
  ours=$("$app" train --model ae --arch "$arch" --epochs 100000 --seconds "$seconds" --out "$tmp/$arch.ckpt" 2>/dev/null)
  score=$("$app" eval --model "$tmp/$arch.ckpt")
  printf '%-8s %-7s %8s %8s %9.0f %8s\n' "$arch" ours "$(fmt "$(field val_mse <<<"$score")")" \
    "$(fmt "$(field knn5_accuracy <<<"$score")")" "$(field images_per_second <<<"$ours")" "$(field epochs <<<"$ours")"
  theirs=$("${peer[@]}" --arch "$arch" --seconds "$seconds")
  printf '%-8s %-7s %8s %8s %9.0f %8s\n' "$arch" python "$(fmt "$(field val_mse <<<"$theirs")")" \
    "$(fmt "$(field knn5_accuracy <<<"$theirs")")" "$(field train_images_per_second <<<"$theirs")" "$(field epochs <<<"$theirs")"
done
echo
if [[ $only == all || $only == map ]]; then
  # 5-NN of the validation codes among the training codes and validation MSE (eval's), the
  # mean of three seeds; the rows' own figures beside it.
  printf '%-22s %8s %8s   %s\n' model val_mse knn5 'per seed (knn5)'
  for row in "umap conv" "ae conv" "ae lecture"; do
    set -- $row
    mse=() knn=()
    for seed in 0 1 2; do
      "$app" train --model "$1" --arch "$2" --seed "$seed" --epochs 100000 --seconds "$seconds" \
        --out "$tmp/map.ckpt" >/dev/null 2>&1
      score=$("$app" eval --model "$tmp/map.ckpt")
      mse+=("$(field val_mse <<<"$score")")
      knn+=("$(field knn5_accuracy <<<"$score")")
    done
    /usr/bin/python3 - "$1 $2" "${mse[@]}" "${knn[@]}" <<'PY'
import statistics, sys
name, v = sys.argv[1], [float(x) for x in sys.argv[2:]]
mse, knn = v[:3], v[3:]
print(f"{name:<22} {statistics.mean(mse):8.4f} {statistics.mean(knn):8.4f}   {', '.join(f'{x:.3f}' for x in knn)}")
PY
  done
  # t-SNE and UMAP of a plain 8-D conv AE's codes (same budget), scored the same way.
  sne=() um=()
  for seed in 0 1 2; do
    "$app" train --model ae --arch conv --latent 8 --seed "$seed" --epochs 100000 --seconds "$seconds" \
      --out "$tmp/wide.ckpt" >/dev/null 2>&1
    layouts=$("${app%/app/latent-explorer}/bench/bench_layers" --layouts "$tmp/wide.ckpt")
    sne+=("$(sed -n 's/^t-SNE: 5-NN \([0-9.]*\).*/\1/p' <<<"$layouts")")
    um+=("$(sed -n 's/^UMAP:  5-NN \([0-9.]*\).*/\1/p' <<<"$layouts")")
  done
  /usr/bin/python3 - "${sne[@]}" "${um[@]}" <<'PY'
import statistics, sys
v = [float(x) for x in sys.argv[1:]]
for name, knn in (("t-SNE of ae conv 8-D", v[:3]), ("UMAP of ae conv 8-D", v[3:])):
    print(f"{name:<22} {'-':>8} {statistics.mean(knn):8.4f}   {', '.join(f'{x:.3f}' for x in knn)}")
PY
  echo
fi
# Speed: one epoch (8,000 images), ours and the peer alternating, N rounds each, so that
# both see the same machine; the ratio of the medians is the figure.
speed() { # arch model
  local o=() t=() i
  for ((i = 0; i < rounds; i++)); do
    o+=("$("$app" train --arch "$1" --model "$2" --epochs 1 --out "$tmp/speed.ckpt" 2>/dev/null | field images_per_second)")
    t+=("$("${peer[@]}" --arch "$1" --model "$2" --epochs 1 | field train_images_per_second)")
  done
  /usr/bin/python3 - "$1" "$2" "${o[@]}" "${t[@]}" <<'PY'
import statistics, sys
arch, model, v = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3:]]
ours, theirs = v[:len(v) // 2], v[len(v) // 2:]
print(f"speed, {arch} {model}, one epoch: ours {statistics.median(ours):,.0f} img/s "
      f"({', '.join(f'{x:,.0f}' for x in ours)}), python {statistics.median(theirs):,.0f} img/s "
      f"({', '.join(f'{x:,.0f}' for x in theirs)}), ratio {statistics.median(ours) / statistics.median(theirs):.2f}")
PY
}
if [[ $only == all || $only == speed ]]; then
  speed lecture ae
  speed lecture vae
  speed conv ae
  echo
  # On an AVX-512 machine, the same again as on one with AVX2 only (most laptops and desktops):
  # oneDNN (ours and PyTorch's), our own kernels and OpenBLAS held to AVX2.
  if grep -q '(up to AVX-512)' <<<"$system" && [[ -z ${ONEDNN_MAX_CPU_ISA:-} ]]; then
    echo "the same, held to AVX2 (ONEDNN_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell):"
    (
      export ONEDNN_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell
      speed lecture ae
      speed lecture vae
      speed conv ae
    )
    echo
  fi
fi
if [[ $only == all || $only == gui ]]; then
  "${LX_BUILD_DIR:-$root/build}/bench/bench_gui" --data fashion --arch conv --seconds "$((seconds < 20 ? seconds : 20))" \
    --scripted "$root/tests/data/tiny_ae.pt" 2>/dev/null
fi
