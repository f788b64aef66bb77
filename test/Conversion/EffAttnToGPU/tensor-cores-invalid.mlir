// effattn-map-to-gpu tensor-cores refuses a tuning-table choice on an op
// that the kernel cannot be built with, and bad options.
//
// RUN: effattn-opt %s --effattn-map-to-gpu=tensor-cores --verify-diagnostics --split-input-file
// RUN: not effattn-opt %s --split-input-file --effattn-map-to-gpu="tensor-cores tensor-core-warps=5" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=WARPS
// RUN: not effattn-opt %s --split-input-file --effattn-map-to-gpu="tensor-cores tensor-core-warps=8 tensor-core-stages=5" 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STAGES
// WARPS: error: effattn-map-to-gpu: warps must be 1, 2, 4 or 8, got 5
// STAGES: error: effattn-map-to-gpu: stages must be in [1, 4], got 5

func.func @sixteen_warps(%a: memref<64x32xf16>, %b: memref<32x64xf16>, %c: memref<64x64xf32>) {
  // expected-error @+2 {{tensor-core kernel: warps must be 1, 2, 4 or 8, got 16}}
  // expected-error @+1 {{'linalg.matmul' cannot be mapped to a tensor-core kernel}}
  linalg.matmul {effattn.tensor_core = {warps = 16 : i64}}
      ins(%a, %b : memref<64x32xf16>, memref<32x64xf16>) outs(%c : memref<64x64xf32>)
  return
}

// -----

func.func @five_stages(%a: memref<64x32xf16>, %b: memref<32x64xf16>, %c: memref<64x64xf32>) {
  // expected-error @+2 {{tensor-core kernel: stages must be in [1, 4], got 5}}
  // expected-error @+1 {{'linalg.matmul' cannot be mapped to a tensor-core kernel}}
  linalg.matmul {effattn.tensor_core = {stages = 5 : i64}}
      ins(%a, %b : memref<64x32xf16>, memref<32x64xf16>) outs(%c : memref<64x64xf32>)
  return
}

// -----

// 8 warps and 4 stages: 4 x (128 + 64) x 32 f16 = 48 KiB of slices, over
// what a kernel may use without opting in.
func.func @too_much_memory(%a: memref<64x32xf16>, %b: memref<32x64xf16>, %c: memref<64x64xf32>) {
  // expected-error @+2 {{tensor-core kernel: 8 warps with 4 stages needs 49152 bytes of workgroup memory, over the 49136-byte limit}}
  // expected-error @+1 {{'linalg.matmul' cannot be mapped to a tensor-core kernel}}
  linalg.matmul {effattn.tensor_core = {warps = 8 : i64, stages = 4 : i64}}
      ins(%a, %b : memref<64x32xf16>, memref<32x64xf16>) outs(%c : memref<64x64xf32>)
  return
}
