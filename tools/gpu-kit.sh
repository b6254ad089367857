#!/usr/bin/env bash
# Packs .gpukit/, everything bench/gpu-check.sh needs on a lent GPU machine
# (which has CUDA PyTorch but no Node, no npm and no network): this Node and
# Dawn (xz-compressed), the CLI bundle and the compare bench bundle, the UNet
# fixtures (the VAE ones are too large to travel), and the Vulkan loader debs
# the device notes ask for. About 45 MiB, under the 64 MiB a call may carry.
#
#   bash tools/gpu-kit.sh     # here, after npm install; needs apt-get and ../shared/fixtures
# then the device tool: command "bash bench/gpu-check.sh", carry [".gpukit"].
set -euo pipefail
cd "$(dirname "$0")/.."
kit=.gpukit
grep -qx '/.gpukit/' .git/info/exclude || echo '/.gpukit/' >>.git/info/exclude
rm -rf "$kit"
mkdir -p "$kit/webgpu/dist/linux-x64" "$kit/fixtures" "$kit/gl"

node tools/build.mjs
cp -r dist "$kit/dist"
node -e "
  const { build } = await import('esbuild');
  const { wgslFile } = await import('./tools/wgsl-plugin.mjs');
  await build({ entryPoints: ['bench/compare.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20',
                plugins: [wgslFile], external: ['webgpu'], outfile: '$kit/compare.mjs', logLevel: 'warning' });
" --input-type=module
# compare.mjs finds its peer beside itself (import.meta.dirname).
cp bench/torch_peer.py "$kit/"

xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >"$kit/node.xz"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$kit/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$kit/webgpu/dist/linux-x64/dawn.node.xz"

for f in unet-ch unet-exp; do cp -r "../shared/fixtures/$f" "$kit/fixtures/"; done

apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
mkdir -p /tmp/amd64/partial
apt-get "${apt[@]}" update -qq
(cd "$kit/gl" && apt-get "${apt[@]}" download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
du -sh "$kit"
