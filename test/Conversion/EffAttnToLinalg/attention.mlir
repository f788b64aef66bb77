// Reference lowering of softmax, quad and partitioned attention: dense
// [B, H, T, S] scores in f32, the score function and masks element-wise, and
// the weighted sum of the values.
//
// RUN: effattn-opt %s --convert-effattn-to-linalg --canonicalize | FileCheck %s
// RUN: effattn-opt %s --effattn-to-llvm | FileCheck %s --check-prefix=LLVM

// Grouped-query heads: 8 query heads read 2 key/value heads (h floordiv 4).
// CHECK-DAG: #[[$QMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d3, d4)>
// CHECK-DAG: #[[$BIAS:.+]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d2, d3)>
// CHECK-DAG: #[[$VMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d4, d3)>
// CHECK-DAG: #[[$PART:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d2 - d5 + 5)>

// CHECK-LABEL: func.func @softmax_gqa_causal(
// CHECK-SAME:    %[[Q:.+]]: tensor<2x8x?x64xf16>, %[[K:.+]]: tensor<2x2x?x64xf16>, %[[V:.+]]: tensor<2x2x?x32xf16>, %[[B:.+]]: tensor<1x8x?x?xf16>
// CHECK-NOT:     effattn.
// CHECK-DAG:     %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG:     %[[SCALE:.+]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG:     %[[T:.+]] = tensor.dim %[[Q]], %{{.+}} : tensor<2x8x?x64xf16>
// CHECK-DAG:     %[[S:.+]] = tensor.dim %[[K]], %{{.+}} : tensor<2x2x?x64xf16>
// CHECK:         %[[QK:.+]] = linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP]], {{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[Q]], %[[K]] :
// CHECK:           arith.extf %{{.+}} : f16 to f32
// CHECK:         } -> tensor<2x8x?x?xf32>
// Bottom-right causal alignment: key s is visible from query t iff s <= t + (S - T).
// CHECK:         %[[OFFSET:.+]] = arith.subi %[[S]], %[[T]] : index
// CHECK:         %[[LOGITS:.+]] = linalg.generic {indexing_maps = [{{.+}}, #[[$BIAS]], {{.+}}]{{.*}} ins(%[[QK]], %[[B]] :
// CHECK:           %[[TI:.+]] = linalg.index 2 : index
// CHECK:           %[[SI:.+]] = linalg.index 3 : index
// CHECK:           %[[LAST:.+]] = arith.addi %[[TI]], %[[OFFSET]] : index
// CHECK:           %[[VISIBLE:.+]] = arith.cmpi sle, %[[SI]], %[[LAST]] : index
// CHECK:           %[[SCALED:.+]] = arith.mulf %{{.+}}, %[[SCALE]] : f32
// CHECK:           %[[BIASED:.+]] = arith.addf %[[SCALED]], %{{.+}} : f32
// CHECK:           arith.select %[[VISIBLE]], %[[BIASED]], %[[NEGINF]] : f32
// CHECK:         %[[MAX:.+]] = linalg.generic {{.+}} ins(%[[LOGITS]] :
// CHECK:           arith.maximumf
// A fully masked row (max = -inf) subtracts 0 and yields zeros, not NaN.
// CHECK:         linalg.generic {{.+}} ins(%[[LOGITS]], %[[MAX]] :
// CHECK:           arith.cmpf oeq, %{{.+}}, %[[NEGINF]] : f32
// CHECK:           math.exp
// CHECK:         linalg.generic {indexing_maps = [#[[$QMAP]], #[[$VMAP]], {{.+}}]{{.*}} ins(%{{.+}}, %[[V]] :
// CHECK:         arith.truncf %{{.+}} : f32 to f16
// LLVM-LABEL: llvm.func @softmax_gqa_causal(
func.func @softmax_gqa_causal(%q: tensor<2x8x?x64xf16>, %k: tensor<2x2x?x64xf16>, %v: tensor<2x2x?x32xf16>, %b: tensor<1x8x?x?xf16>) -> tensor<2x8x?x32xf16> {
  %0 = effattn.softmax_attention %q, %k, %v bias(%b) causal : (tensor<2x8x?x64xf16>, tensor<2x2x?x64xf16>, tensor<2x2x?x32xf16>, tensor<1x8x?x?xf16>) -> tensor<2x8x?x32xf16>
  return %0 : tensor<2x8x?x32xf16>
}

// The default scale of quad attention is 1/S at run time; laplace uses erf;
// masked weights are 0 (not -inf); the gate multiplies the output.
// CHECK-LABEL: func.func @quad_laplace_gate(
// CHECK-SAME:    %[[Q:.+]]: tensor<1x1x?x16xf32>, %[[K:.+]]: tensor<1x1x?x16xf32>, %[[V:.+]]: tensor<1x1x?x8xf32>, %[[G:.+]]: tensor<1x1x?x8xf32>
// CHECK-NOT:     effattn.
// CHECK:         %[[S:.+]] = tensor.dim %[[K]]
// CHECK:         %[[SI64:.+]] = arith.index_cast %[[S]] : index to i64
// CHECK:         %[[SF:.+]] = arith.sitofp %[[SI64]] : i64 to f32
// CHECK:         %[[INVS:.+]] = arith.divf %{{.+}}, %[[SF]] : f32
// CHECK:         linalg.generic
// CHECK:           arith.cmpi sle
// CHECK:           %[[X:.+]] = arith.mulf %[[INVS]], %{{.+}} : f32
// CHECK:           math.erf
// CHECK:           arith.select %{{.+}}, %{{.+}}, %{{.+}} : f32
// CHECK:         %[[O:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[V]] :
// CHECK:         linalg.generic {{.+}} ins(%[[O]], %[[G]] :
// CHECK:           arith.mulf
// LLVM-LABEL: llvm.func @quad_laplace_gate(
// LLVM: llvm.call @erff
func.func @quad_laplace_gate(%q: tensor<1x1x?x16xf32>, %k: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x8xf32>, %g: tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32> {
  %0 = effattn.quad_attention %q, %k, %v gate(%g) causal activation laplace : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32>
  return %0 : tensor<1x1x?x8xf32>
}

// relu2 outside: scale * max(x, 0)^2, with the bias added before the
// activation and never scaled.
// CHECK-LABEL: func.func @quad_relu2_outside(
// CHECK-SAME:    %[[B:[^:]+]]: tensor<1x1x8x8xf32>
// CHECK-DAG:     %[[HALF:.+]] = arith.constant 5.000000e-01 : f32
// CHECK:         linalg.generic {{.+}} ins(%{{.+}}, %[[B]] :
// CHECK:           %[[X:.+]] = arith.addf %{{.+}}, %{{.+}} : f32
// CHECK:           %[[R:.+]] = arith.maximumf %[[X]], %{{.+}} : f32
// CHECK:           %[[R2:.+]] = arith.mulf %[[R]], %[[R]] : f32
// CHECK:           arith.mulf %[[R2]], %[[HALF]] : f32
func.func @quad_relu2_outside(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x8xf32>, %b: tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %0 = effattn.quad_attention %q, %k, %v bias(%b) scale_mode outside scale = 0.5 : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// The partition weight of offset i - j is read at column i - j + Tmax - 1
// (Tmax = 6 for 11 columns), inside one reduction over (p, j).
// CHECK-LABEL: func.func @partitioned_sigmoid(
// CHECK-SAME:    %[[VP:[^:]+]]: tensor<2x1x3x?x4xf32>, %[[PI:[^:]+]]: tensor<3x11xf32>
// CHECK-NOT:     effattn.
// CHECK:         math.exp
// CHECK:         linalg.generic {indexing_maps = [{{.+}}, #[[$PART]], {{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.+}}, %[[PI]], %[[VP]] :
func.func @partitioned_sigmoid(%q: tensor<2x1x?x8xf32>, %k: tensor<2x1x?x8xf32>, %vp: tensor<2x1x3x?x4xf32>, %pi: tensor<3x11xf32>) -> tensor<2x1x?x4xf32> {
  %0 = effattn.partitioned_attention %q, %k, %vp, %pi causal score sigmoid : (tensor<2x1x?x8xf32>, tensor<2x1x?x8xf32>, tensor<2x1x3x?x4xf32>, tensor<3x11xf32>) -> tensor<2x1x?x4xf32>
  return %0 : tensor<2x1x?x4xf32>
}
