#!/usr/bin/env bash
# Sets up a Debian 12 machine for effattn and builds it into build/.
#
# Installs what is missing (LLVM/MLIR 22 from Debian's packages, CMake, Ninja,
# Python with numpy and pytest), configures once, then builds incrementally.
# Sourced by quickstart.sh and test.sh; can also be run on its own.
set -euo pipefail

EFFATTN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EFFATTN_BUILD="${EFFATTN_BUILD:-$EFFATTN_ROOT/build}"
LLVM_PREFIX=/usr/lib/llvm-22
# Debian's interpreter sees Debian's python3-* packages; every script and lit
# test uses this one.
EFFATTN_PYTHON="${EFFATTN_PYTHON:-/usr/bin/python3}"
export EFFATTN_ROOT EFFATTN_BUILD EFFATTN_PYTHON

# libclang-rt-22-dev: the sanitizer and libFuzzer runtimes of the robustness
# checks (scripts/sanitize.sh, scripts/fuzz.sh).
packages=(cmake ninja-build llvm-22-dev libmlir-22-dev mlir-22-tools clang-22
          lld-22 clang-format-22 libclang-rt-22-dev python3 python3-numpy
          python3-pytest python3-pip)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "effattn setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null ||
      { echo "effattn setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f "$EFFATTN_BUILD/build.ninja" ]; then
  cmake -G Ninja -S "$EFFATTN_ROOT" -B "$EFFATTN_BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$LLVM_PREFIX/bin/clang" \
    -DCMAKE_CXX_COMPILER="$LLVM_PREFIX/bin/clang++" \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="$LLVM_PREFIX/bin/lit" \
    -DPython3_EXECUTABLE="$EFFATTN_PYTHON" >/dev/null
fi
ninja -C "$EFFATTN_BUILD" effattn-opt effattn-run effattn-compile mlir-doc \
  EffAttnExecutionEngine

# nvdisasm, for the SASS gates of the tensor-core kernels
# (test/Pipelines/tensor-core-sass.test): NVIDIA's wheel on PyPI, unpacked
# into the build tree (nothing installed into the system). Best effort:
# without network access those tests report UNSUPPORTED.
NVDISASM_WHEEL="nvidia-cuda-nvdisasm==13.5.37"
NVDISASM_DIR="$EFFATTN_BUILD/tools/nvdisasm"
if [ ! -x "$NVDISASM_DIR/nvidia/cu13/bin/nvdisasm" ]; then
  wheel_dir="$(mktemp -d)"
  if "$EFFATTN_PYTHON" -m pip download -q --no-deps --disable-pip-version-check \
       -d "$wheel_dir" "$NVDISASM_WHEEL" >/dev/null 2>&1; then
    "$EFFATTN_PYTHON" -m zipfile -e "$wheel_dir"/*.whl "$NVDISASM_DIR"
    chmod +x "$NVDISASM_DIR/nvidia/cu13/bin/nvdisasm"
  else
    echo "effattn setup: could not fetch $NVDISASM_WHEEL from PyPI; the SASS gates will be skipped"
  fi
  rm -rf "$wheel_dir"
fi
