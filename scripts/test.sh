#!/usr/bin/env bash
# Sets up, builds and runs every test: the lit suite (check-effattn), the
# Python tests, and the robustness checks (sanitizers, fuzzing; see below).
# Ends with one line 'N passed, N failed'.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" || exit 1
set +e # setup.sh runs with -e; from here on every step is reported instead.

log="$EFFATTN_BUILD/test-logs"
mkdir -p "$log"

ninja -C "$EFFATTN_BUILD" check-effattn 2>&1 | tee "$log/lit.txt"
lit_rc=${PIPESTATUS[0]}
# The Python tests load libEffAttnExecutionEngine.so from this build.
EFFATTN_BUILD_DIR="$EFFATTN_BUILD" "$EFFATTN_PYTHON" -m pytest -q "$EFFATTN_ROOT/python/tests" 2>&1 |
  tee "$log/pytest.txt"
py_rc=${PIPESTATUS[0]}

# Robustness: the ASan+UBSan build of effattn (build-asan/) running the lit
# suites that need only its tools (scripts/sanitize.sh), and a bounded fuzzing
# run with a fixed seed (scripts/fuzz.sh). About 9 of CI's 30 minutes on 2
# cores; EFFATTN_ROBUSTNESS=0 skips both, EFFATTN_FUZZ_SECONDS sets the run.
san_rc=0
fuzz_rc=0
if [ "${EFFATTN_ROBUSTNESS:-1}" != 0 ]; then
  bash "$EFFATTN_ROOT/scripts/sanitize.sh" 2>&1 | tee "$log/sanitize.txt"
  san_rc=${PIPESTATUS[0]}
  bash "$EFFATTN_ROOT/scripts/fuzz.sh" "${EFFATTN_FUZZ_SECONDS:-60}" -seed=1 2>&1 |
    tee "$log/fuzz.txt"
  fuzz_rc=${PIPESTATUS[0]}
else
  : >"$log/sanitize.txt"
  : >"$log/fuzz.txt"
fi

count() { grep -Eo "$1" "$2" | grep -Eo '[0-9]+' | tail -1; }
lit_pass=$(count '^ *Passed *: *[0-9]+' "$log/lit.txt")
lit_fail=$(count '^ *Failed *: *[0-9]+' "$log/lit.txt")
py_pass=$(count '[0-9]+ passed' "$log/pytest.txt")
py_fail=$(count '[0-9]+ failed' "$log/pytest.txt")
san_pass=$(count '^ *Passed *: *[0-9]+' "$log/sanitize.txt")
san_fail=$(count '^ *Failed *: *[0-9]+' "$log/sanitize.txt")
fuzz_execs=$(count '^effattn-fuzz: [0-9]+ executions' "$log/fuzz.txt")
# The fuzzing run counts as one test.
fuzz_pass=0
fuzz_fail=0
if [ -n "$fuzz_execs" ]; then
  if [ "$fuzz_rc" -eq 0 ]; then fuzz_pass=1; else fuzz_fail=1; fi
fi
passed=$((${lit_pass:-0} + ${py_pass:-0} + ${san_pass:-0} + fuzz_pass))
failed=$((${lit_fail:-0} + ${py_fail:-0} + ${san_fail:-0} + fuzz_fail))
if [ "$lit_rc" -ne 0 ] || [ "$py_rc" -ne 0 ] || [ "$san_rc" -ne 0 ] ||
  [ "$fuzz_rc" -ne 0 ]; then
  failed=$((failed > 0 ? failed : 1))
fi
echo "lit: ${lit_pass:-0} passed, pytest: ${py_pass:-0} passed," \
  "sanitize: ${san_pass:-0} passed, fuzz: ${fuzz_execs:-0} executions"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
