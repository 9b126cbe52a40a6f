#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine (idempotent): the SwiftShader Vulkan driver (shipped in
# Debian's chromium package, also the browser for the puppeteer tests), the Vulkan loader, and npm packages.
# On a machine with a GPU and its Vulkan driver, Dawn uses the GPU and SwiftShader is only a fallback.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need_apt+=(chromium)
{ ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; } || need_apt+=(libvulkan1)
if ((${#need_apt[@]})); then
  if command -v apt-get >/dev/null; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing ${need_apt[*]} with apt-get"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (Chromium and the Vulkan loader) with your package manager" >&2
  fi
fi

# puppeteer uses the system Chromium here; skip its own browser download (no network for it in CI).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
