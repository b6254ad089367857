#!/usr/bin/env bash
# Installs a CPU Vulkan driver that Dawn accepts (Mesa >= 25 lavapipe from
# bookworm-backports; Debian 12's stock Mesa 22 is refused by Dawn). Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
mesa_ok() {
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25
}
if ! mesa_ok; then
  list=/etc/apt/sources.list.d/mg3d-backports.list
  if [ ! -f "$list" ]; then
    uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || { echo "no Debian mirror URI found in apt sources" >&2; exit 1; }
    echo "deb $uri bookworm-backports main" > "$list"
  fi
  apt-get update -qq
  apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
fi
