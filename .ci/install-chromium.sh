#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (they drive /usr/bin/chromium
# through playwright-core, which must never download a browser of its own).
# Idempotent: does nothing when Chromium is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
