// effattn-schedule reads its tile sizes from the tuning table: the shipped
// defaults (lib/Tuning/defaults.json), or a file given by `tuning-table`.
//
// RUN: effattn-opt %s --effattn-schedule --canonicalize | FileCheck %s --check-prefix=DEFAULT
// RUN: echo '{"version": 1, "entries": [{"op": "softmax_attention", "query_tile": 16, "key_tile": 8}, {"op": "softmax_attention", "head_dim": 128, "dtype": "f32", "target": "cpu", "query_tile": 48, "key_tile": 24}]}' > %t.json
// RUN: effattn-opt %s --effattn-schedule="tuning-table=%t.json" --canonicalize | FileCheck %s --check-prefix=TABLE
// RUN: effattn-opt %s --effattn-schedule="tuning-table=%t.json query-tile=8" --canonicalize | FileCheck %s --check-prefix=OVERRIDE
// RUN: not effattn-opt %s --effattn-schedule="tuning-table=%t.missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: echo '{"version": 1, "entries": [{"op": "softmax_attention", "query_tiles": 16}]}' > %t.typo.json
// RUN: not effattn-opt %s --effattn-schedule="tuning-table=%t.typo.json" 2>&1 | FileCheck %s --check-prefix=TYPO
// RUN: echo '{"version": 1, "entries": [{"op": "softmax_attention", "key_tile": -4}]}' > %t.negative.json
// RUN: not effattn-opt %s --effattn-schedule="tuning-table=%t.negative.json" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: echo '{"version": 1, "entries": [{"op": "quad_attention", "mma": "wgmma"}]}' > %t.wgmma.json
// RUN: not effattn-opt %s --effattn-schedule="tuning-table=%t.wgmma.json" 2>&1 | FileCheck %s --check-prefix=WGMMA
// RUN: echo '{"version": 1, "entries": [{"op": "quad_attention", "warps": 3}]}' > %t.warps.json
// RUN: not effattn-opt %s --effattn-schedule="tuning-table=%t.warps.json" 2>&1 | FileCheck %s --check-prefix=WARPS
// RUN: echo '{"version": 1, "entries": [{"op": "quad_attention", "stages": 9}]}' > %t.stages.json
// RUN: not effattn-opt %s --effattn-schedule="tuning-table=%t.stages.json" 2>&1 | FileCheck %s --check-prefix=STAGES
// RUN: echo '{"version": 1, "entries": [' > %t.truncated.json
// RUN: not effattn-opt %s --effattn-schedule="tuning-table=%t.truncated.json" 2>&1 | FileCheck %s --check-prefix=TRUNCATED

// MISSING: error: effattn-schedule: tuning table cannot read '{{.*}}missing.json': No such file or directory
// TYPO: error: effattn-schedule: tuning table '{{.*}}typo.json': entry 0: unknown field 'query_tiles'
// NEGATIVE: error: effattn-schedule: tuning table '{{.*}}negative.json': entry 0: 'key_tile' must be a non-negative integer
// WGMMA: error: effattn-schedule: tuning table '{{.*}}wgmma.json': entry 0: 'mma' must be "mma.sync" or "none", got "wgmma" (wgmma is not implemented)
// WARPS: error: effattn-schedule: tuning table '{{.*}}warps.json': entry 0: 'warps' must be 1, 2, 4 or 8, got 3
// STAGES: error: effattn-schedule: tuning table '{{.*}}stages.json': entry 0: 'stages' must be in [1, 4], got 9
// TRUNCATED: error: effattn-schedule: tuning table '{{.*}}truncated.json': {{.+}}

// Head dim 64: the generic entry (64 x 64); head dim 128: its own (32 x 64).
// DEFAULT-LABEL: func.func @head_dim_64(
// DEFAULT:         scf.for %{{.+}} step %c64
// DEFAULT:           scf.for %{{.+}} step %c64
// DEFAULT-LABEL: func.func @head_dim_128(
// DEFAULT:         scf.for %{{.+}} step %c32
// DEFAULT:           scf.for %{{.+}} step %c64
// The most specific entry wins; pass options override the table.
// TABLE-LABEL: func.func @head_dim_64(
// TABLE:         scf.for %{{.+}} step %c16
// TABLE:           scf.for %{{.+}} step %c8
// TABLE-LABEL: func.func @head_dim_128(
// TABLE:         scf.for %{{.+}} step %c48
// TABLE:           scf.for %{{.+}} step %c24
// OVERRIDE-LABEL: func.func @head_dim_128(
// OVERRIDE:         scf.for %{{.+}} step %c8
// OVERRIDE:           scf.for %{{.+}} step %c24
func.func @head_dim_64(%q: tensor<1x1x?x64xf32>) -> tensor<1x1x?x64xf32> {
  %0 = effattn.softmax_attention %q, %q, %q : (tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>) -> tensor<1x1x?x64xf32>
  return %0 : tensor<1x1x?x64xf32>
}

func.func @head_dim_128(%q: tensor<1x1x?x128xf32>) -> tensor<1x1x?x128xf32> {
  %0 = effattn.softmax_attention %q, %q, %q : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>) -> tensor<1x1x?x128xf32>
  return %0 : tensor<1x1x?x128xf32>
}
