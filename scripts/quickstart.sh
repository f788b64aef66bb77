#!/usr/bin/env bash
# The main job on the bundled example: set up and build, then parse, verify
# and pretty-print examples/effattn_model.mlir (every effattn op), check that
# its generic form round-trips, and print a report.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

example="${1:-$EFFATTN_ROOT/examples/effattn_model.mlir}"
opt="$EFFATTN_BUILD/bin/effattn-opt"
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
echo "== Report"
"$opt" "$example" --print-op-stats -o /dev/null 2>&1 | grep -E "effattn\." |
  sed 's/ *, */: /; s/^ */  /'
functions=$(grep -c "func.func @" "$out/model.mlir")
ops=$("$opt" "$example" --print-op-stats -o /dev/null 2>&1 | grep -c "effattn\.")
echo "  $functions functions, $ops distinct effattn ops: parsed, verified,"
echo "  printed, and the generic form re-parses to the same IR."
echo "  Output: $out/model.mlir"
