#!/usr/bin/env bash
# The main job on the bundled example: set up and build, then parse, verify
# and pretty-print examples/effattn_model.mlir (every effattn op), check that
# its generic form round-trips, JIT-run every function on the CPU through the
# default (scheduled) pipeline on random inputs, compare each result with the
# reference lowering (effattn-run --check), compile every function to PTX
# for sm_90a (effattn-compile --emit=ptx, checked by ptxas when the CUDA
# toolkit is present), and print a report.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

example="${1:-$EFFATTN_ROOT/examples/effattn_model.mlir}"
opt="$EFFATTN_BUILD/bin/effattn-opt"
run="$EFFATTN_BUILD/bin/effattn-run"
# The dynamic sequence length of the example's functions on the CPU.
seq_len="${EFFATTN_SEQ_LEN:-200}"
out="$EFFATTN_BUILD/quickstart"
mkdir -p "$out"

echo "== effattn-opt $example"
"$opt" "$example" -o "$out/model.mlir"
"$opt" "$example" --mlir-print-op-generic -o "$out/model.generic.mlir"
"$opt" "$out/model.generic.mlir" -o "$out/model.reparsed.mlir"
cmp -s "$out/model.mlir" "$out/model.reparsed.mlir" ||
  { echo "error: generic form does not round-trip" >&2; exit 1; }
cat "$out/model.mlir"

echo
echo "== effattn-run on the CPU: T = $seq_len, random inputs, --check"
status=0
checks=()
for fn in $(grep -o "func.func @[A-Za-z0-9_]*" "$out/model.mlir" | sed 's/func.func @//'); do
  if "$run" "$out/model.mlir" --entry="$fn" --random-inputs --seed=1 \
      --dynamic-size="$seq_len" --check >"$out/run.$fn.txt" 2>&1; then
    verdict=ok
  else
    verdict=FAILED
    status=1
  fi
  worst=$(grep -Eo "rel_rms=[0-9.e+-]+" "$out/run.$fn.txt" |
    sed 's/rel_rms=//' | sort -g | tail -1)
  checks+=("$(printf '  %-18s %d results, worst rel. RMS vs reference %-12s %s' \
    "@$fn" "$(grep -c '^result' "$out/run.$fn.txt")" "${worst:-n/a}" "$verdict")")
  sed 's/^/  /' "$out/run.$fn.txt"
done

echo
echo "== effattn-compile --target=cuda --chip=sm_90a --emit=ptx"
compile="$EFFATTN_BUILD/bin/effattn-compile"
rm -rf "$out/ptx"
if "$compile" "$out/model.mlir" --target=cuda --chip=sm_90a --emit=ptx \
    -o "$out/ptx" --report >"$out/ptx-report.txt" 2>&1; then
  ptx_summary="$(ls "$out/ptx" | wc -l) PTX kernels in $out/ptx; $(tail -1 "$out/ptx-report.txt")"
else
  ptx_summary="FAILED (see $out/ptx-report.txt)"
  status=1
fi
sed 's/^/  /' "$out/ptx-report.txt"

echo
echo "== Report"
"$opt" "$example" --print-op-stats -o /dev/null 2>&1 | grep -E "effattn\." |
  sed 's/ *, */: /; s/^ */  /'
functions=$(grep -c "func.func @" "$out/model.mlir")
ops=$("$opt" "$example" --print-op-stats -o /dev/null 2>&1 | grep -c "effattn\.")
echo "  $functions functions, $ops distinct effattn ops: parsed, verified,"
echo "  printed, and the generic form re-parses to the same IR."
echo "  CPU runs (scheduled pipeline against the reference lowering):"
printf '%s\n' "${checks[@]}"
echo "  GPU (sm_90a): $ptx_summary"
echo "  Output: $out/model.mlir, $out/run.*.txt, $out/ptx/"
exit $status
