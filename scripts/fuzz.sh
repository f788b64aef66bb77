#!/usr/bin/env bash
# Builds the libFuzzer harness tools/effattn-fuzz (in the sanitizer build of
# scripts/asan-build.sh) and fuzzes the parser, verifiers, printers and
# lowerings for a bounded time.
#
#   scripts/fuzz.sh [SECONDS] [LIBFUZZER_FLAG...]      (default: 120 s)
#
# Seeds: every test/ and examples/ module (tools/effattn-fuzz/gather-corpus.py);
# dictionary: tools/effattn-fuzz/effattn.dict. The corpus grows in
# build-asan/fuzz/corpus across runs; crashing inputs are written to
# build-asan/fuzz/artifacts/ (replay one: build-asan/bin/effattn-fuzz FILE).
# Ends with one line 'effattn-fuzz: N executions in S s, ...'; exits 1 when
# the run found a crash, a leak or a timeout.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/asan-build.sh" || exit 1
set +e

seconds="${1:-120}"
shift $(($# > 0 ? 1 : 0))
asan_build effattn-fuzz || exit 1

dir="$EFFATTN_ASAN_BUILD/fuzz"
mkdir -p "$dir/corpus" "$dir/artifacts"
rm -rf "$dir/seeds"
seeds=$("$EFFATTN_PYTHON" "$EFFATTN_ROOT/tools/effattn-fuzz/gather-corpus.py" \
  "$EFFATTN_ROOT" "$dir/seeds") || exit 1

# Any sanitizer report ends the run as a crash.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
start=$(date +%s)
"$EFFATTN_ASAN_BUILD/bin/effattn-fuzz" -max_total_time="$seconds" \
  -max_len=16384 -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
  -dict="$EFFATTN_ROOT/tools/effattn-fuzz/effattn.dict" \
  -artifact_prefix="$dir/artifacts/" "$@" "$dir/corpus" "$dir/seeds" \
  >"$dir/fuzz.log" 2>&1
rc=$?
elapsed=$(($(date +%s) - start))

stat() { grep -Eo "stat::$1: *[0-9]+" "$dir/fuzz.log" | grep -Eo '[0-9]+$' | tail -1; }
execs=$(stat number_of_executed_units)
corpus=$(find "$dir/corpus" -type f | wc -l)
if [ "$rc" -ne 0 ]; then
  # The report: from the sanitizer's or the harness's first line on.
  grep -n -m1 -E '^==[0-9]+==ERROR|runtime error|effattn-fuzz: |ALARM|out-of-memory|deadly signal' \
    "$dir/fuzz.log" | cut -d: -f1 | { read -r line && tail -n +"$line" "$dir/fuzz.log" | head -60; }
  echo "effattn-fuzz: ${execs:-0} executions in ${elapsed} s, FOUND A CRASH" \
    "(input in $dir/artifacts/, log $dir/fuzz.log)"
  exit 1
fi
echo "effattn-fuzz: ${execs:-0} executions in ${elapsed} s, no crash" \
  "($seeds seeds, corpus of $corpus inputs in $dir/corpus)"
