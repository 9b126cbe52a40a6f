#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine (idempotent):
#   1. Chromium (the browser for the puppeteer tests; its package also ships SwiftShader, the software Vulkan
#      driver a GPU-less browser uses) and the Vulkan loader;
#   2. lavapipe, Mesa's LLVM-compiled software Vulkan driver (4–6× faster than SwiftShader here). Dawn needs
#      Mesa >= 24: on Debian 12 that is mesa-vulkan-drivers from bookworm-backports; distributions whose own
#      Mesa is >= 24 (Debian 13, Ubuntu 24.04+) get their own package. Where neither works, set-up still
#      finishes and WebGPU runs on SwiftShader (one line says so);
#   3. npm packages;
#   4. with --with-fashion-mnist (CI passes it): the Debian package dataset-fashion-mnist (a 30 MB download,
#      for `npm run train -- --dataset fashion-mnist` and its test). Optional: a failure says so and set-up goes on;
#   5. with --with-torch: Debian's python3-torch (PyTorch 1.13 for /usr/bin/python3, a few hundred MB), the CPU
#      peer for the training-step bench (`npm run bench -- --node --kernels none --e2e`, bench/torch_unet.py).
#      Optional like 4: without it the bench notes "skipped: install python3-torch" and goes on.
# On a machine with a GPU and its Vulkan driver, Dawn uses the GPU and the software drivers are fallbacks.
set -euo pipefail
cd "$(dirname "$0")/.."

with_fashion_mnist=0
with_torch=0
for arg in "$@"; do
  case "$arg" in
    --with-fashion-mnist) with_fashion_mnist=1 ;;
    --with-torch) with_torch=1 ;;
    *) echo "setup: unknown option $arg (known: --with-fashion-mnist, --with-torch)" >&2; exit 2 ;;
  esac
done

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_install() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
apt_updated=0
apt_update() { ((apt_updated)) || { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; }; }

need_apt=()
[ -x /usr/bin/chromium ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need_apt+=(chromium)
{ ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; } || need_apt+=(libvulkan1)
if ((${#need_apt[@]})); then
  if command -v apt-get >/dev/null; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    apt_update
    apt_install "${need_apt[@]}"
  else
    echo "setup: please install ${need_apt[*]} (Chromium and the Vulkan loader) with your package manager" >&2
  fi
fi

# lavapipe: is a Mesa >= 24 lavapipe already installed?
mesa_major() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/'; }
have_lavapipe() {
  local v; v=$(mesa_major)
  [ -n "$v" ] && [ "$v" -ge 24 ] && ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1
}
if ! have_lavapipe; then
  codename=$( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}" )
  if ! command -v apt-get >/dev/null; then
    echo "setup: note: lavapipe not installed (no apt-get); install Mesa >= 24's Vulkan drivers for faster software WebGPU. Using SwiftShader."
  else
    echo "setup: installing lavapipe (mesa-vulkan-drivers, Mesa >= 24)"
    if [ "$codename" = bookworm ]; then
      # Same mirror as the system's bookworm line, suite bookworm-backports.
      src=/etc/apt/sources.list.d/bookworm-backports.list
      if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        mirror=$(grep -rhE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ' || true)
        echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" | $SUDO tee "$src" >/dev/null
        apt_updated=0
      fi
      apt_update || true
      apt_install -t bookworm-backports mesa-vulkan-drivers || true
    else
      apt_update || true
      apt_install mesa-vulkan-drivers || true
    fi
    if have_lavapipe; then
      echo "setup: lavapipe installed (Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
    else
      echo "setup: note: could not install lavapipe (Mesa >= 24); WebGPU will run on SwiftShader (slower)."
    fi
  fi
fi

# puppeteer uses the system Chromium here; skip its own browser download (no network for it in CI).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

# Fashion-MNIST (optional): the package puts its gzipped IDX files in /usr/share/datasets/fashion-mnist.
if ((with_fashion_mnist)) && [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  if command -v apt-get >/dev/null && { apt_update || true; } && apt_install dataset-fashion-mnist; then
    echo "setup: installed dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)"
  else
    echo "setup: note: could not install dataset-fashion-mnist; --dataset fashion-mnist and its test will not run"
  fi
fi

# PyTorch on the CPU (optional): Debian's build for the system python, /usr/bin/python3 (not a pyenv or venv
# python on PATH); bench/torch-peer.ts runs that one unless TORCH_PYTHON says otherwise.
if ((with_torch)) && ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  if command -v apt-get >/dev/null && { apt_update || true; } && apt_install python3-torch; then
    echo "setup: installed python3-torch ($(/usr/bin/python3 -c 'import torch; print(torch.__version__)'))"
  else
    echo "setup: note: could not install python3-torch; the training-step bench will skip its PyTorch peer"
  fi
fi
