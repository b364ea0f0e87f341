#!/usr/bin/env bash
# Install what the real-browser tests and the benchmark use, from Debian's packages:
#   chromium        driven by playwright-core in test/integration/browser (executablePath /usr/bin/chromium)
#   libvips-tools   the `vips` command the benchmark compares against (optional for tests)
#   libopenjp2-tools  `opj_compress`: tests write 16-bit RGB JPEG 2000 files with it (the npm
#                   WebAssembly encoder cannot); the pipeline itself needs none of these
# Idempotent: does nothing when all are already there. Needs root (CI runs as root) or sudo.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v vips >/dev/null 2>&1 || need+=(libvips-tools)
command -v opj_compress >/dev/null 2>&1 || need+=(libopenjp2-tools)

if [ "${#need[@]}" -eq 0 ]; then
  echo "install-browser: chromium, vips and opj_compress already installed"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-browser: need root or sudo to install ${need[*]}" >&2
    exit 1
  fi
fi

echo "install-browser: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
/usr/bin/chromium --version
command -v vips >/dev/null && vips --version
