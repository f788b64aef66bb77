// effattn-to-nvvm options: block size, chip and PTX version, and one clear
// error for each invalid option.
//
// RUN: effattn-opt %s --effattn-to-nvvm="block-size=128" > %t.128.mlir
// RUN: FileCheck %s --check-prefix=B128 < %t.128.mlir
// RUN: %extract_gpu_binary %t.128.mlir | FileCheck %s --check-prefix=B128-PTX
// RUN: effattn-opt %s --effattn-to-nvvm | %extract_gpu_binary \
// RUN:   | FileCheck %s --check-prefix=SM80
// RUN: effattn-opt %s --effattn-to-nvvm="chip=sm_90a" | %extract_gpu_binary \
// RUN:   | FileCheck %s --check-prefix=SM90A
// RUN: effattn-opt %s --effattn-to-nvvm="chip=sm_100a" | %extract_gpu_binary \
// RUN:   | FileCheck %s --check-prefix=SM100A
// RUN: effattn-opt %s --effattn-to-nvvm="chip=sm_90a features=+ptx85" \
// RUN:   | %extract_gpu_binary | FileCheck %s --check-prefix=PTX85
//
// The GPU tiles come from the tuning table's `gpu` entries (256 x 256), and
// the options override them.
// RUN: effattn-opt %s --effattn-decompose \
// RUN:   --effattn-schedule="target=sm_80" | FileCheck %s --check-prefix=TILES
// RUN: effattn-opt %s --effattn-decompose \
// RUN:   --effattn-schedule="target=sm_80 query-tile=32" \
// RUN:   | FileCheck %s --check-prefix=TILES32
//
// RUN: not effattn-opt %s --effattn-to-nvvm="chip=sm_xx" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-CHIP
// RUN: not effattn-opt %s --effattn-to-nvvm="chip=gfx90a" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=AMD-CHIP
// RUN: not effattn-opt %s --effattn-to-nvvm="chip=sm_50" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OLD-CHIP
// RUN: not effattn-opt %s --effattn-to-nvvm="features=+sm_80" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-FEATURES
// RUN: not effattn-opt %s --effattn-to-nvvm="format=cubin" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-FORMAT
// RUN: not effattn-opt %s --effattn-to-nvvm="block-size=0" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-BLOCK
// RUN: not effattn-opt %s --effattn-to-nvvm="block-size=2048" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-BLOCK2
// RUN: not effattn-opt %s --effattn-to-nvvm="key-tile=-8" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-TILE
// RUN: not effattn-opt %s --effattn-to-nvvm="tensor-cores=true tensor-core-warps=3" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-WARPS
// RUN: not effattn-opt %s --effattn-to-nvvm="tensor-cores=true tensor-core-stages=5" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-STAGES
// RUN: not effattn-opt %s --effattn-to-nvvm="opt-level=7" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-OPT
// RUN: not effattn-opt %s --effattn-to-nvvm="tuning-table=%t.missing.json" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-TABLE

// B128-LABEL: llvm.func @attn(
// B128-DAG:     %[[ONE:.+]] = llvm.mlir.constant(1 : index) : i64
// B128-DAG:     %[[BS:.+]] = llvm.mlir.constant(128 : index) : i64
// B128:         gpu.launch_func <%{{.+}} : !llvm.ptr> @attn_k0_fill::@attn_k0_fill blocks in (%{{.+}}, %[[ONE]], %[[ONE]]) threads in (%[[BS]], %[[ONE]], %[[ONE]]) : i64
// B128-PTX-LABEL: // gpu.binary @attn_k0_fill
// B128-PTX:       .maxntid 128, 1, 1

// SM80:   .version 8.0
// SM80:   .target sm_80
// SM90A:  .version 8.0
// SM90A:  .target sm_90a
// SM100A: .version 8.6
// SM100A: .target sm_100a
// PTX85:  .version 8.5
// PTX85:  .target sm_90a

// TILES-LABEL: func.func @attn(
// TILES:         scf.for %{{.+}} step %c256
// TILES:           scf.for %{{.+}} step %c256
// TILES32-LABEL: func.func @attn(
// TILES32:         scf.for %{{.+}} step %c32
// TILES32:           scf.for %{{.+}} step %c256

// BAD-CHIP: error: effattn-to-nvvm: chip 'sm_xx' is not an NVIDIA GPU architecture (sm_80, sm_90a, ...)
// AMD-CHIP: error: effattn-to-nvvm: chip 'gfx90a' is not an NVIDIA GPU architecture (sm_80, sm_90a, ...)
// OLD-CHIP: error: effattn-to-nvvm: no default PTX version for chip 'sm_50' (known: sm_75 to sm_121f); give features=+ptxNN
// BAD-FEATURES: error: effattn-to-nvvm: features '+sm_80' name no PTX version (e.g. +ptx80)
// BAD-FORMAT: error: effattn-to-nvvm: format 'cubin' is not one of isa, bin, fatbin
// BAD-BLOCK: error: effattn-to-nvvm: block-size 0 is not in [1, 1024]
// BAD-BLOCK2: error: effattn-to-nvvm: block-size 2048 is not in [1, 1024]
// BAD-TILE: error: effattn-to-nvvm: query-tile, key-tile and chunk-size must not be negative
// BAD-WARPS: error: effattn-to-nvvm: warps must be 1, 2, 4 or 8, got 3
// BAD-STAGES: error: effattn-to-nvvm: stages must be in [1, 4], got 5
// BAD-OPT: error: effattn-to-nvvm: opt-level 7 is not in [0, 3]
// BAD-TABLE: error: effattn-schedule: tuning table cannot read '{{.*}}missing.json': No such file or directory

func.func @attn(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>,
                %v: tensor<1x4x?x64xf32>) -> tensor<1x4x?x64xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>)
      -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}
