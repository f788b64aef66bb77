// effattn-schedule hands the tuning table's tensor-core choice for an op
// (mma, warps, stages) to every linalg op of its schedule, as the
// effattn.tensor_core attribute effattn-map-to-gpu reads. The shipped f16
// and bf16 GPU entries: chunks of 128 of mixed_chunk_attention take 8 warps
// and 2 stages, chunks of 256 8 and 3; other targets and dtypes have no
// choice.
//
// RUN: effattn-opt %s --effattn-schedule="target=sm_90a" | FileCheck %s
// RUN: effattn-opt %s --effattn-schedule="target=cpu" | FileCheck %s --check-prefix=CPU
// RUN: echo '{"version": 1, "entries": [{"op": "mixed_chunk_attention", "dtype": "f16", "target": "gpu", "mma": "none"}]}' > %t.json
// RUN: effattn-opt %s --effattn-schedule="target=sm_90a tuning-table=%t.json" | FileCheck %s --check-prefix=NONE

// Every linalg op of the schedule carries it: the fills and the generics
// (Q·Kᵀ in the chunk, the chunk states Kᵀ·V, ...).
// CHECK-LABEL: func.func @chunks_128(
// CHECK:         linalg.fill {effattn.tensor_core = {mma = "mma.sync", stages = 2 : i64, warps = 8 : i64}}
// CHECK:         linalg.generic {{.*}} attrs = {effattn.tensor_core = {mma = "mma.sync", stages = 2 : i64, warps = 8 : i64}}
// CHECK-NOT:     linalg.generic {{.*}}outs({{[^)]*}}) {{{ *$}}
// CHECK:         return
// CPU-LABEL: func.func @chunks_128(
// CPU-NOT:       effattn.tensor_core
// NONE-LABEL: func.func @chunks_128(
// NONE:         linalg.{{.*}}effattn.tensor_core = {mma = "none"}
func.func @chunks_128(%qq: tensor<1x2x?x64xf16>, %kq: tensor<1x2x?x64xf16>,
                      %ql: tensor<1x2x?x64xf16>, %kl: tensor<1x2x?x64xf16>,
                      %v: tensor<1x2x?x64xf16>) -> tensor<1x2x?x64xf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 128 causal
      : (tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>,
         tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>) -> tensor<1x2x?x64xf16>
  return %o : tensor<1x2x?x64xf16>
}

// bf16 has the same shipped choices: chunks of 256 take 8 warps and 3
// stages.
// CHECK-LABEL: func.func @chunks_256_bf16(
// CHECK:         linalg.generic {{.*}} attrs = {effattn.tensor_core = {mma = "mma.sync", stages = 3 : i64, warps = 8 : i64}}
// CHECK:         return
// CPU-LABEL: func.func @chunks_256_bf16(
// CPU-NOT:       effattn.tensor_core
func.func @chunks_256_bf16(%qq: tensor<1x2x?x64xbf16>, %kq: tensor<1x2x?x64xbf16>,
                           %ql: tensor<1x2x?x64xbf16>, %kl: tensor<1x2x?x64xbf16>,
                           %v: tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xbf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 256 causal
      : (tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>,
         tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>) -> tensor<1x2x?x64xbf16>
  return %o : tensor<1x2x?x64xbf16>
}

// With tensor cores chosen (f16), quad attention's weights are rounded to
// f16 where they are made, so that P·V is an f16 contraction into f32 too;
// on the CPU they stay f32.
// CHECK-LABEL: func.func @quad_weights(
// CHECK:         %[[W:.+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x?x?xf32>) outs(%{{.*}} : tensor<1x1x?x?xf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to f16
// CHECK:         linalg.generic {{.*}} ins(%[[W]], %{{.*}} : tensor<1x1x?x?xf16>, tensor<1x1x?x64xf16>) outs(%{{.*}} : tensor<1x1x?x64xf32>)
// CPU-LABEL: func.func @quad_weights(
// CPU:           %[[W:.+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x1x?x?xf32>) outs(%{{.*}} : tensor<1x1x?x?xf32>)
// CPU:           linalg.generic {{.*}} ins(%[[W]], %{{.*}} : tensor<1x1x?x?xf32>, tensor<1x1x?x64xf16>)
func.func @quad_weights(%q: tensor<1x1x?x64xf16>) -> tensor<1x1x?x64xf16> {
  %0 = effattn.quad_attention %q, %q, %q : (tensor<1x1x?x64xf16>, tensor<1x1x?x64xf16>, tensor<1x1x?x64xf16>) -> tensor<1x1x?x64xf16>
  return %0 : tensor<1x1x?x64xf16>
}

// f32: no tensor-core choice.
// CHECK-LABEL: func.func @f32(
// CHECK-NOT:     effattn.tensor_core
// CHECK:         return
func.func @f32(%q: tensor<1x1x?x64xf32>) -> tensor<1x1x?x64xf32> {
  %0 = effattn.quad_attention %q, %q, %q : (tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>) -> tensor<1x1x?x64xf32>
  return %0 : tensor<1x1x?x64xf32>
}
