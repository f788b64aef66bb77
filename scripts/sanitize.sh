#!/usr/bin/env bash
# Builds effattn-opt, effattn-run and the fuzzing harness with AddressSanitizer
# and UndefinedBehaviorSanitizer (scripts/asan-build.sh: build-asan/) and runs
# the lit tests that need nothing else: Dialect, Conversion, Tools, Fuzz (the
# inputs effattn-fuzz found) and the CPU integration tests (the JIT-compiled
# code itself is not instrumented; leaks are checked too). Any sanitizer
# report aborts the tool, which fails its test.
# Ends with the lit summary; exits non-zero when a test failed.
#
#   scripts/sanitize.sh [LIT_PATH...]    (default: the directories above,
#                                         relative to test/)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/asan-build.sh" || exit 1
set +e

targets=(effattn-opt effattn-run effattn-fuzz mlir-doc)
# test/Tools also covers effattn-compile, where the tree has it.
if [ -f "$EFFATTN_ROOT/tools/effattn-compile/CMakeLists.txt" ]; then
  targets+=(effattn-compile)
fi
asan_build "${targets[@]}" || exit 1

# abort_on_error: a report is a crash, which `not` does not excuse, rather
# than exit code 1, which it would. allocator_may_return_null: effattn-run
# reports an allocation it cannot make instead of ASan aborting on it.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

paths=()
for p in "${@:-Dialect Conversion Tools Fuzz Integration/CPU}"; do
  for q in $p; do
    paths+=("$EFFATTN_ASAN_BUILD/test/$q")
  done
done
# peak-memory.test measures the resident set, which ASan's shadow memory and
# quarantine inflate: it is meaningless here.
"$LLVM_PREFIX/bin/lit" -sv -j"${EFFATTN_JOBS:-2}" --filter-out 'peak-memory' \
  "${paths[@]}"
