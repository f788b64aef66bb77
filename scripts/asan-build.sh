#!/usr/bin/env bash
# The robustness build shared by scripts/sanitize.sh and scripts/fuzz.sh,
# sourced by both: build-asan/ (EFFATTN_ASAN_BUILD), RelWithDebInfo with
# assertions kept, -fsanitize=address,undefined -fno-sanitize-recover=all on
# effattn's own code, and libFuzzer coverage (-fsanitize=fuzzer-no-link) so
# that the same objects serve the fuzzer (tools/effattn-fuzz). Debian's
# libMLIR.so and libLLVM.so are not instrumented.
#
# Usage (after sourcing): asan_build TARGET...
set -euo pipefail

EFFATTN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EFFATTN_ASAN_BUILD="${EFFATTN_ASAN_BUILD:-$EFFATTN_ROOT/build-asan}"
LLVM_PREFIX=/usr/lib/llvm-22
EFFATTN_PYTHON="${EFFATTN_PYTHON:-/usr/bin/python3}"
export EFFATTN_ROOT EFFATTN_ASAN_BUILD EFFATTN_PYTHON

# The sanitizer and libFuzzer runtimes come with clang-22 (libclang-rt-22-dev).
if [ ! -e "$LLVM_PREFIX/lib/clang/22/lib/linux/libclang_rt.fuzzer-x86_64.a" ]; then
  echo "effattn: the sanitizer runtimes are missing; run scripts/setup.sh" \
    "(or apt-get install libclang-rt-22-dev)" >&2
  exit 1
fi

asan_build() {
  if [ ! -f "$EFFATTN_ASAN_BUILD/build.ninja" ]; then
    cmake -G Ninja -S "$EFFATTN_ROOT" -B "$EFFATTN_ASAN_BUILD" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
      -DCMAKE_C_COMPILER="$LLVM_PREFIX/bin/clang" \
      -DCMAKE_CXX_COMPILER="$LLVM_PREFIX/bin/clang++" \
      -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
      -DLLVM_EXTERNAL_LIT="$LLVM_PREFIX/bin/lit" \
      -DPython3_EXECUTABLE="$EFFATTN_PYTHON" \
      -DEFFATTN_SANITIZERS=address,undefined \
      -DEFFATTN_ENABLE_ASSERTIONS=ON \
      -DEFFATTN_ENABLE_FUZZER=ON >/dev/null
  fi
  ninja -C "$EFFATTN_ASAN_BUILD" -j"${EFFATTN_JOBS:-2}" "$@"
}
