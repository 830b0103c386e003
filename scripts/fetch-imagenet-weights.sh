#!/usr/bin/env bash
# Downloads torchvision's official ImageNet weights (IMAGENET1K_V1, the files torchvision 0.14 uses) for the six
# CNNs of the study into a folder, and checks each file's SHA-256 prefix (the 8 hex digits in its name).
# Needs internet access to download.pytorch.org: our own build and CI machines have none, so this script is not
# run by the tests; the loading paths are tested on files made at test time.
#
# Usage: scripts/fetch-imagenet-weights.sh [DIR] [MODEL...]    (default DIR: ./weights, default: all six)
# Then: mgc weights inspect DIR/resnet50-0676ba61.pth
set -euo pipefail

dir="${1:-weights}"
shift || true
declare -A urls=(
  [resnet18]=https://download.pytorch.org/models/resnet18-f37072fd.pth
  [resnet34]=https://download.pytorch.org/models/resnet34-b627a593.pth
  [resnet50]=https://download.pytorch.org/models/resnet50-0676ba61.pth
  [vgg16]=https://download.pytorch.org/models/vgg16-397923af.pth
  [vgg16_bn]=https://download.pytorch.org/models/vgg16_bn-6c64b313.pth
  [vgg19]=https://download.pytorch.org/models/vgg19-dcbb9e9d.pth
  [vgg19_bn]=https://download.pytorch.org/models/vgg19_bn-c79401a0.pth
  [densenet121]=https://download.pytorch.org/models/densenet121-a639ec97.pth
  [inception_v3]=https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth
  [mobilenet_v2]=https://download.pytorch.org/models/mobilenet_v2-b0353104.pth
  [efficientnet_b0]=https://download.pytorch.org/models/efficientnet_b0_rwightman-3dd342df.pth
)
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(resnet50 vgg16 densenet121 inception_v3 mobilenet_v2 efficientnet_b0)

mkdir -p "$dir"
for m in "${models[@]}"; do
  url="${urls[$m]:-}"
  if [ -z "$url" ]; then
    echo "fetch-imagenet-weights: unknown model '$m' (known: ${!urls[*]})" >&2
    exit 2
  fi
  file="$dir/$(basename "$url")"
  if [ ! -s "$file" ]; then
    echo "downloading $m: $url"
    curl -fL --retry 3 -o "$file.part" "$url"
    mv "$file.part" "$file"
  fi
  want=$(basename "$url" .pth | grep -oE '[0-9a-f]{8}$')
  have=$(sha256sum "$file" | cut -c1-8)
  if [ "$want" != "$have" ]; then
    echo "fetch-imagenet-weights: $file has SHA-256 prefix $have, expected $want: removing it" >&2
    rm -f "$file"
    exit 1
  fi
  echo "$m: $file (sha256 $have...)"
done
