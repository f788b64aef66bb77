#!/usr/bin/env bash
# Sets up, builds and runs every test: the lit suite (check-effattn) and the
# Python tests. Ends with one line 'N passed, N failed'.
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

count() { grep -Eo "$1" "$2" | grep -Eo '[0-9]+' | tail -1; }
lit_pass=$(count '^ *Passed *: *[0-9]+' "$log/lit.txt")
lit_fail=$(count '^ *Failed *: *[0-9]+' "$log/lit.txt")
py_pass=$(count '[0-9]+ passed' "$log/pytest.txt")
py_fail=$(count '[0-9]+ failed' "$log/pytest.txt")
passed=$((${lit_pass:-0} + ${py_pass:-0}))
failed=$((${lit_fail:-0} + ${py_fail:-0}))
if [ "$lit_rc" -ne 0 ] || [ "$py_rc" -ne 0 ]; then
  failed=$((failed > 0 ? failed : 1))
fi
echo "lit: ${lit_pass:-0} passed, pytest: ${py_pass:-0} passed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
