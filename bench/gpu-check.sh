#!/usr/bin/env bash
# The GPU check, on a lent GPU machine (see tools/gpu-kit.sh, which packs
# .gpukit/ here first):
#   device run: command "bash bench/gpu-check.sh", carry [".gpukit"], timeout_s 540
# Parity on the UNet fixtures (f32 and f16; where the adapter offers
# chromium-experimental-subgroup-matrix with f16 shapes, the f16 check runs the
# GEMMs on the real subgroup-matrix builtins, its first run anywhere: the
# adapter line of each check names the shapes found and used), mg3d bench on the CH variant at
# batches 1, 8, 32 (f32 and f16), a batch-32 kernel profile, and the engine
# against CUDA PyTorch eager (bench/compare.ts --peer-device cuda). Everything
# goes to $OUT: gpu-check.log and the JSON reports (at most 8 files come back).
set -uo pipefail
kit=.gpukit
OUT=${OUT:-out/gpu-check}
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-check.log") 2>&1

for f in "$kit"/gl/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -e "$icd" ]; then
  export VK_DRIVER_FILES=$icd __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi

# Node and Dawn travel xz-compressed; Python's lzma unpacks them wherever xz is missing.
unxz_to() { python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
mkdir -p /tmp/mg3d-node node_modules/webgpu/dist/linux-x64 dist
unxz_to "$kit/node.xz" /tmp/mg3d-node/node && chmod +x /tmp/mg3d-node/node
export PATH=/tmp/mg3d-node:$PATH
cp "$kit"/webgpu/package.json "$kit"/webgpu/index.js node_modules/webgpu/
unxz_to "$kit/webgpu/dist/linux-x64/dawn.node.xz" node_modules/webgpu/dist/linux-x64/dawn.node
cp -r "$kit"/dist/. dist/

echo "== $(date -u +%FT%TZ) node $(node --version)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name())'

step() {
  local limit=$1
  shift
  echo
  echo "== $*"
  timeout "$limit" "$@" || echo "== exit $? (limit ${limit} s)"
}

step 60 node dist/mg3d.mjs check "$kit/fixtures/unet-ch"
step 60 node dist/mg3d.mjs check "$kit/fixtures/unet-ch" --precision f16
step 60 node dist/mg3d.mjs check "$kit/fixtures/unet-exp"
step 120 node dist/mg3d.mjs bench --variant ch --batches 1,8,32 --time-budget 60 --json "$OUT/bench-ch.json"
step 120 node dist/mg3d.mjs bench --variant ch --batches 1,8,32 --time-budget 60 --precision f16 --json "$OUT/bench-ch-f16.json"
step 60 node dist/mg3d.mjs profile --variant ch --batch 32 --top 20
step 150 node "$kit/compare.mjs" --n-feat 512 --batches 1,8,32 --repeats 5 --peer-device cuda --python python3 --json "$OUT/compare.json"
echo "== done $(date -u +%FT%TZ)"
