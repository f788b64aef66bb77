// Reference lowering of offset_scale and rel_pos_bias to linalg on tensors.
//
// RUN: effattn-opt %s --convert-effattn-to-linalg | FileCheck %s --implicit-check-not="effattn."
// RUN: effattn-opt %s --effattn-to-llvm | FileCheck %s --check-prefix=LLVM \
// RUN:   --implicit-check-not="{{(effattn|linalg|tensor|memref|scf|arith|math)\.}}"

// One element-wise linalg.generic per row n: z * gamma[n] + beta[n] in f32.
// CHECK: #[[$ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK: #[[$ROW0:.+]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK: #[[$ROW1:.+]] = affine_map<(d0, d1, d2) -> (1, d2)>
// CHECK-LABEL: func.func @offset_scale(
// CHECK-SAME: %[[Z:[^:]+]]: tensor<?x?x4xbf16>, %[[G:[^:]+]]: tensor<2x4xbf16>, %[[B:[^:]+]]: tensor<2x4xbf16>)
// CHECK: %[[D0:.+]] = tensor.dim %[[Z]], %{{.+}} : tensor<?x?x4xbf16>
// CHECK: %[[D1:.+]] = tensor.dim %[[Z]], %{{.+}} : tensor<?x?x4xbf16>
// CHECK: %[[E0:.+]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x4xbf16>
// CHECK: %[[R0:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW0]], #[[$ROW0]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[Z]], %[[G]], %[[B]] : tensor<?x?x4xbf16>, tensor<2x4xbf16>, tensor<2x4xbf16>) outs(%[[E0]] : tensor<?x?x4xbf16>)
// CHECK-NEXT: ^bb0(%[[ZV:.+]]: bf16, %[[GV:.+]]: bf16, %[[BV:.+]]: bf16, %{{.+}}: bf16):
// CHECK-NEXT: %[[ZF:.+]] = arith.extf %[[ZV]] : bf16 to f32
// CHECK-NEXT: %[[GF:.+]] = arith.extf %[[GV]] : bf16 to f32
// CHECK-NEXT: %[[ZG:.+]] = arith.mulf %[[ZF]], %[[GF]] : f32
// CHECK-NEXT: %[[BF:.+]] = arith.extf %[[BV]] : bf16 to f32
// CHECK-NEXT: %[[SUM:.+]] = arith.addf %[[ZG]], %[[BF]] : f32
// CHECK-NEXT: %[[OUT:.+]] = arith.truncf %[[SUM]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[OUT]] : bf16
// CHECK: %[[R1:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW1]], #[[$ROW1]], #[[$ID]]], {{.*}} ins(%[[Z]], %[[G]], %[[B]] :
// CHECK: return %[[R0]], %[[R1]] : tensor<?x?x4xbf16>, tensor<?x?x4xbf16>
// LLVM-LABEL: llvm.func @offset_scale(
func.func @offset_scale(%z: tensor<?x?x4xbf16>, %g: tensor<2x4xbf16>, %b: tensor<2x4xbf16>) -> (tensor<?x?x4xbf16>, tensor<?x?x4xbf16>) {
  %0:2 = effattn.offset_scale %z, %g, %b : (tensor<?x?x4xbf16>, tensor<2x4xbf16>, tensor<2x4xbf16>) -> (tensor<?x?x4xbf16>, tensor<?x?x4xbf16>)
  return %0#0, %0#1 : tensor<?x?x4xbf16>, tensor<?x?x4xbf16>
}

// CHECK-LABEL: func.func @offset_scale_f32(
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: arith.extf
// CHECK: return
// LLVM-LABEL: llvm.func @offset_scale_f32(
func.func @offset_scale_f32(%z: tensor<7x16xf32>, %g: tensor<4x16xf32>, %b: tensor<4x16xf32>) -> (tensor<7x16xf32>, tensor<7x16xf32>, tensor<7x16xf32>, tensor<7x16xf32>) {
  %0:4 = effattn.offset_scale %z, %g, %b : (tensor<7x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) -> (tensor<7x16xf32>, tensor<7x16xf32>, tensor<7x16xf32>, tensor<7x16xf32>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<7x16xf32>, tensor<7x16xf32>, tensor<7x16xf32>, tensor<7x16xf32>
}

// toeplitz: params[j - i + Smax - 1], Smax = 8, times the scale.
// CHECK-LABEL: func.func @toeplitz(
// CHECK-SAME: %[[P:[^:]+]]: tensor<15xf16>
// CHECK: %[[OUT:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} outs(%{{.+}} : tensor<8x6xf16>)
// CHECK-NEXT: ^bb0(
// CHECK-NEXT: %[[J:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[I:.+]] = linalg.index 0 : index
// CHECK-NEXT: %[[RP:.+]] = arith.subi %[[J]], %[[I]] : index
// CHECK-NEXT: %[[SHIFT:.+]] = arith.constant 7 : index
// CHECK-NEXT: %[[IDX:.+]] = arith.addi %[[RP]], %[[SHIFT]] : index
// CHECK-NEXT: %[[V:.+]] = tensor.extract %[[P]][%[[IDX]]] : tensor<15xf16>
// CHECK-NEXT: %[[VF:.+]] = arith.extf %[[V]] : f16 to f32
// CHECK-NEXT: %[[SCALE:.+]] = arith.constant -7.500000e-01 : f32
// CHECK-NEXT: %[[SCALED:.+]] = arith.mulf %[[VF]], %[[SCALE]] : f32
// CHECK-NEXT: %[[R:.+]] = arith.truncf %[[SCALED]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[R]] : f16
// CHECK: return %[[OUT]] : tensor<8x6xf16>
// LLVM-LABEL: llvm.func @toeplitz(
func.func @toeplitz(%p: tensor<15xf16>) -> tensor<8x6xf16> {
  %0 = effattn.rel_pos_bias toeplitz %p scale = -0.75 : (tensor<15xf16>) -> tensor<8x6xf16>
  return %0 : tensor<8x6xf16>
}

// t5_buckets, bidirectional (default), 32 buckets: 16 per side, 8 exact, the
// rest log-spaced up to max_distance = 64 in f32.
// CHECK-LABEL: func.func @t5_bidirectional(
// CHECK-SAME: %[[P:[^:]+]]: tensor<32xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} outs(%{{.+}} : tensor<16x20xf32>)
// CHECK: %[[J:.+]] = linalg.index 1 : index
// CHECK: %[[I:.+]] = linalg.index 0 : index
// CHECK: %[[RP:.+]] = arith.subi %[[J]], %[[I]] : index
// CHECK: %[[ZERO:.+]] = arith.constant 0 : index
// CHECK: %[[NEG:.+]] = arith.subi %[[ZERO]], %[[RP]] : index
// CHECK: %[[AFTER:.+]] = arith.cmpi sgt, %[[RP]], %[[ZERO]] : index
// CHECK: %[[HALF:.+]] = arith.constant 16 : index
// CHECK: %[[SIDE:.+]] = arith.select %[[AFTER]], %[[HALF]], %[[ZERO]] : index
// CHECK: %[[N:.+]] = arith.maxsi %[[RP]], %[[NEG]] : index
// CHECK: %[[MAX_EXACT:.+]] = arith.constant 8 : index
// CHECK: %[[EXACT:.+]] = arith.cmpi slt, %[[N]], %[[MAX_EXACT]] : index
// CHECK: arith.sitofp %{{.+}} : i64 to f32
// CHECK: %[[LOG:.+]] = math.log %{{.+}} : f32
// CHECK: %[[LOG_MAX:.+]] = arith.constant 2.07944155 : f32
// CHECK: arith.divf %[[LOG]], %[[LOG_MAX]] : f32
// CHECK: %[[LARGE_F:.+]] = arith.mulf
// CHECK: arith.fptosi %[[LARGE_F]] : f32 to i64
// CHECK: %[[LAST:.+]] = arith.constant 15 : index
// CHECK: %[[LARGE:.+]] = arith.minsi %{{.+}}, %[[LAST]] : index
// CHECK: %[[IN_SIDE:.+]] = arith.select %[[EXACT]], %[[N]], %[[LARGE]] : index
// CHECK: %[[BUCKET:.+]] = arith.addi %[[SIDE]], %[[IN_SIDE]] : index
// CHECK: %[[V:.+]] = tensor.extract %[[P]][%[[BUCKET]]] : tensor<32xf32>
// CHECK: arith.mulf %[[V]], %{{.+}} : f32
// LLVM-LABEL: llvm.func @t5_bidirectional(
func.func @t5_bidirectional(%p: tensor<32xf32>) -> tensor<16x20xf32> {
  %0 = effattn.rel_pos_bias t5_buckets %p max_distance = 64 scale = 2.0 : (tensor<32xf32>) -> tensor<16x20xf32>
  return %0 : tensor<16x20xf32>
}

// Not bidirectional: n = max(-(j - i), 0), no side offset; num_buckets = 32
// of 40 params; scale 1 reads params directly.
// CHECK-LABEL: func.func @t5_causal(
// CHECK-SAME: %[[P:[^:]+]]: tensor<40xbf16>
// CHECK: %[[RP:.+]] = arith.subi
// CHECK: %[[ZERO:.+]] = arith.constant 0 : index
// CHECK: %[[NEG:.+]] = arith.subi %[[ZERO]], %[[RP]] : index
// CHECK: %[[N:.+]] = arith.maxsi %[[NEG]], %[[ZERO]] : index
// CHECK: %[[MAX_EXACT:.+]] = arith.constant 16 : index
// CHECK: arith.cmpi slt, %[[N]], %[[MAX_EXACT]] : index
// CHECK: %[[LAST:.+]] = arith.constant 31 : index
// CHECK: arith.minsi %{{.+}}, %[[LAST]] : index
// CHECK: %[[BUCKET:.+]] = arith.select
// CHECK-NEXT: %[[V:.+]] = tensor.extract %[[P]][%[[BUCKET]]] : tensor<40xbf16>
// CHECK-NEXT: linalg.yield %[[V]] : bf16
// LLVM-LABEL: llvm.func @t5_causal(
func.func @t5_causal(%p: tensor<40xbf16>) -> tensor<8x12xbf16> {
  %0 = effattn.rel_pos_bias t5_buckets %p num_buckets = 32 bidirectional = false : (tensor<40xbf16>) -> tensor<8x12xbf16>
  return %0 : tensor<8x12xbf16>
}
