// effattn-decompose: gau, lowrank_attention and lowrank_kernel_attention
// become core effattn ops plus linalg contractions that accumulate in f32.
//
// RUN: effattn-opt %s --effattn-decompose | FileCheck %s
// RUN: effattn-opt %s --effattn-to-llvm | FileCheck %s --check-prefix=LLVM \
// RUN:   --implicit-check-not="{{(effattn|linalg|tensor|memref|scf|arith|math)\.}}"

// CHECK-LABEL: func.func @gau_quad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x16x8xf32>, %[[WU:[^:]+]]: tensor<8x12xf32>, %[[WV:[^:]+]]: tensor<8x12xf32>, %[[WZ:[^:]+]]: tensor<8x4xf32>, %[[WO:[^:]+]]: tensor<12x8xf32>, %[[G:[^:]+]]: tensor<2x4xf32>, %[[B:[^:]+]]: tensor<2x4xf32>)
// u = silu(x w_u): a contraction over D into an f32 accumulator, then SiLU.
// CHECK: %[[UACC:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[X]], %[[WU]] : tensor<2x16x8xf32>, tensor<8x12xf32>) outs(%{{.+}} : tensor<2x16x12xf32>)
// CHECK: %[[U:.+]] = linalg.generic {{.*}} ins(%[[UACC]] : tensor<2x16x12xf32>)
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[WV]] :
// CHECK: %[[V:.+]] = linalg.generic
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[WZ]] :
// CHECK: %[[Z:.+]] = linalg.generic
// CHECK: %[[QK:.+]]:2 = effattn.offset_scale %[[Z]], %[[G]], %[[B]] : (tensor<2x16x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x16x4xf32>, tensor<2x16x4xf32>)
// CHECK-DAG: %[[Q:.+]] = tensor.expand_shape %[[QK]]#0 {{\[\[}}0, 1], [2], [3]] output_shape [2, 1, 16, 4] : tensor<2x16x4xf32> into tensor<2x1x16x4xf32>
// CHECK-DAG: %[[K:.+]] = tensor.expand_shape %[[QK]]#1 {{\[\[}}0, 1], [2], [3]]
// CHECK-DAG: %[[GATE:.+]] = tensor.expand_shape %[[U]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 1, 16, 12]
// CHECK-DAG: %[[VH:.+]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1], [2], [3]]
// CHECK: %[[ATT:.+]] = effattn.quad_attention %[[Q]], %[[K]], %[[VH]] gate(%[[GATE]]) : (tensor<2x1x16x4xf32>, tensor<2x1x16x4xf32>, tensor<2x1x16x12xf32>, tensor<2x1x16x12xf32>) -> tensor<2x1x16x12xf32>
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[ATT]] {{\[\[}}0, 1], [2], [3]] : tensor<2x1x16x12xf32> into tensor<2x16x12xf32>
// No b_o and f32: the output projection is the contraction alone.
// CHECK: %[[Y:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[FLAT]], %[[WO]] : tensor<2x16x12xf32>, tensor<12x8xf32>)
// CHECK-NEXT: ^bb0(
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
// CHECK-NEXT: }
// CHECK-NEXT: return %[[Y]] : tensor<2x16x8xf32>
// LLVM-LABEL: llvm.func @gau_quad(
func.func @gau_quad(%x: tensor<2x16x8xf32>, %wu: tensor<8x12xf32>, %wv: tensor<8x12xf32>, %wz: tensor<8x4xf32>, %wo: tensor<12x8xf32>, %g: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x16x8xf32> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b attention quad : (tensor<2x16x8xf32>, tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x4xf32>, tensor<12x8xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x16x8xf32>
  return %y : tensor<2x16x8xf32>
}

// Dynamic B and T, every bias, every quad attribute forwarded; the [T, T]
// relative bias becomes [1, 1, T, T].
// CHECK-LABEL: func.func @gau_quad_biases(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x8xbf16>, {{.*}}, %[[BU:[^:]+]]: tensor<12xbf16>, %[[BV:[^:]+]]: tensor<12xbf16>, %[[BZ:[^:]+]]: tensor<4xbf16>, %[[BO:[^:]+]]: tensor<8xbf16>, %[[REL:[^:]+]]: tensor<?x?xbf16>)
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK: %[[BATCH:.+]] = tensor.dim %[[X]], %[[C0]] : tensor<?x?x8xbf16>
// CHECK: %[[T:.+]] = tensor.dim %[[X]], %[[C1]] : tensor<?x?x8xbf16>
// CHECK: %[[ACC0:.+]] = tensor.empty(%[[BATCH]], %[[T]]) : tensor<?x?x12xf32>
// CHECK: linalg.generic {{.*}}"reduction"]{{.*}} ins(%[[X]], %{{.+}} : tensor<?x?x8xbf16>, tensor<8x12xbf16>) outs(%{{.+}} : tensor<?x?x12xf32>)
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: %[[U:.+]] = linalg.generic {{.*}} ins(%{{.+}}, %[[BU]] : tensor<?x?x12xf32>, tensor<12xbf16>) outs(%{{.+}} : tensor<?x?x12xbf16>)
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[BV]] :
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[BZ]] :
// CHECK: effattn.offset_scale
// CHECK: %[[BIAS:.+]] = tensor.expand_shape %[[REL]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, %{{.+}}, %{{.+}}] : tensor<?x?xbf16> into tensor<1x1x?x?xbf16>
// CHECK: %[[ATT:.+]] = effattn.quad_attention %{{.+}}, %{{.+}}, %{{.+}} bias(%[[BIAS]]) gate(%{{.+}}) causal activation laplace scale_mode outside scale = 2.500000e-01 : (tensor<?x1x?x4xbf16>, tensor<?x1x?x4xbf16>, tensor<?x1x?x12xbf16>, tensor<1x1x?x?xbf16>, tensor<?x1x?x12xbf16>) -> tensor<?x1x?x12xbf16>
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[ATT]]
// CHECK: %[[YACC:.+]] = linalg.generic {{.*}}"reduction"]{{.*}} ins(%[[FLAT]], %{{.+}} : tensor<?x?x12xbf16>, tensor<12x8xbf16>)
// CHECK: %[[Y:.+]] = linalg.generic {{.*}} ins(%[[YACC]], %[[BO]] : tensor<?x?x8xf32>, tensor<8xbf16>) outs(%{{.+}} : tensor<?x?x8xbf16>)
// CHECK-NOT: math.exp
// CHECK: return %[[Y]]
// LLVM-LABEL: llvm.func @gau_quad_biases(
func.func @gau_quad_biases(%x: tensor<?x?x8xbf16>, %wu: tensor<8x12xbf16>, %wv: tensor<8x12xbf16>, %wz: tensor<8x4xbf16>, %wo: tensor<12x8xbf16>, %g: tensor<2x4xbf16>, %b: tensor<2x4xbf16>, %bu: tensor<12xbf16>, %bv: tensor<12xbf16>, %bz: tensor<4xbf16>, %bo: tensor<8xbf16>, %rel: tensor<?x?xbf16>) -> tensor<?x?x8xbf16> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b b_u(%bu) b_v(%bv) b_z(%bz) b_o(%bo) bias(%rel) attention quad causal activation laplace scale_mode outside scale = 0.25 : (tensor<?x?x8xbf16>, tensor<8x12xbf16>, tensor<8x12xbf16>, tensor<8x4xbf16>, tensor<12x8xbf16>, tensor<2x4xbf16>, tensor<2x4xbf16>, tensor<12xbf16>, tensor<12xbf16>, tensor<4xbf16>, tensor<8xbf16>, tensor<?x?xbf16>) -> tensor<?x?x8xbf16>
  return %y : tensor<?x?x8xbf16>
}

// mixed_chunk: four offset_scale rows, the [C, C] bias passed through, the
// score scale becomes quad_scale.
// CHECK-LABEL: func.func @gau_mixed_chunk(
// CHECK-SAME: %[[G:[^:]+]]: tensor<4x4xf32>, %[[B:[^:]+]]: tensor<4x4xf32>, %[[REL:[^:]+]]: tensor<8x8xf32>)
// CHECK: %[[PARTS:.+]]:4 = effattn.offset_scale %{{.+}}, %[[G]], %[[B]] : (tensor<1x?x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> (tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>)
// CHECK-DAG: %[[QQ:.+]] = tensor.expand_shape %[[PARTS]]#0
// CHECK-DAG: %[[KQ:.+]] = tensor.expand_shape %[[PARTS]]#1
// CHECK-DAG: %[[QL:.+]] = tensor.expand_shape %[[PARTS]]#2
// CHECK-DAG: %[[KL:.+]] = tensor.expand_shape %[[PARTS]]#3
// CHECK: effattn.mixed_chunk_attention %[[QQ]], %[[KQ]], %[[QL]], %[[KL]], %{{.+}} gate(%{{.+}}) bias(%[[REL]]) chunk_size = 8 causal activation laplace quad_scale = 5.000000e-01 lin_scale_mode inverse_chunk lin_scale = 2.000000e+00 : (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x12xf32>, tensor<1x1x?x12xf32>, tensor<8x8xf32>) -> tensor<1x1x?x12xf32>
// LLVM-LABEL: llvm.func @gau_mixed_chunk(
func.func @gau_mixed_chunk(%x: tensor<1x?x8xf32>, %wu: tensor<8x12xf32>, %wv: tensor<8x12xf32>, %wz: tensor<8x4xf32>, %wo: tensor<12x8xf32>, %g: tensor<4x4xf32>, %b: tensor<4x4xf32>, %rel: tensor<8x8xf32>) -> tensor<1x?x8xf32> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b bias(%rel) attention mixed_chunk chunk_size = 8 causal activation laplace scale = 0.5 lin_scale_mode inverse_chunk lin_scale = 2.0 : (tensor<1x?x8xf32>, tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x4xf32>, tensor<12x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<8x8xf32>) -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}

// Defaults stay defaults: no quad_scale, no lin_scale_mode, no bias.
// CHECK-LABEL: func.func @gau_mixed_chunk_defaults(
// CHECK: effattn.mixed_chunk_attention %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}}, %{{[^ ,]+}} gate(%{{[^ ,)]+}}) chunk_size = 4 : (tensor<2x1x10x4xf32>, tensor<2x1x10x4xf32>, tensor<2x1x10x4xf32>, tensor<2x1x10x4xf32>, tensor<2x1x10x12xf32>, tensor<2x1x10x12xf32>) -> tensor<2x1x10x12xf32>
// LLVM-LABEL: llvm.func @gau_mixed_chunk_defaults(
func.func @gau_mixed_chunk_defaults(%x: tensor<2x10x8xf32>, %wu: tensor<8x12xf32>, %wv: tensor<8x12xf32>, %wz: tensor<8x4xf32>, %wo: tensor<12x8xf32>, %g: tensor<4x4xf32>, %b: tensor<4x4xf32>, %bu: tensor<12xf32>, %bo: tensor<8xf32>) -> tensor<2x10x8xf32> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b b_u(%bu) b_o(%bo) attention mixed_chunk chunk_size = 4 : (tensor<2x10x8xf32>, tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x4xf32>, tensor<12x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<12xf32>, tensor<8xf32>) -> tensor<2x10x8xf32>
  return %y : tensor<2x10x8xf32>
}

// Static S: the projections read e_proj / f_proj whole; an absent scale stays
// absent (1/sqrt(Dk) in both ops).
// CHECK-LABEL: func.func @lowrank_static(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x8x32x16xf32>, %[[K:[^:]+]]: tensor<1x2x64x16xf32>, %[[V:[^:]+]]: tensor<1x2x64x8xf32>, %[[E:[^:]+]]: tensor<4x64xf32>, %[[F:[^:]+]]: tensor<4x64xf32>)
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[KT:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[E]], %[[K]] : tensor<4x64xf32>, tensor<1x2x64x16xf32>) outs(%{{.+}} : tensor<1x2x4x16xf32>)
// CHECK: %[[VT:.+]] = linalg.generic {{.*}} ins(%[[F]], %[[V]] : tensor<4x64xf32>, tensor<1x2x64x8xf32>) outs(%{{.+}} : tensor<1x2x4x8xf32>)
// CHECK: %[[O:.+]] = effattn.softmax_attention %[[Q]], %[[KT]], %[[VT]] : (tensor<1x8x32x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x8xf32>) -> tensor<1x8x32x8xf32>
// CHECK: return %[[O]]
// LLVM-LABEL: llvm.func @lowrank_static(
func.func @lowrank_static(%q: tensor<1x8x32x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x8xf32>, %e: tensor<4x64xf32>, %f: tensor<4x64xf32>) -> tensor<1x8x32x8xf32> {
  %o = effattn.lowrank_attention %q, %k, %v, %e, %f : (tensor<1x8x32x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>, tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<1x8x32x8xf32>
  return %o : tensor<1x8x32x8xf32>
}

// Dynamic S: the first S columns of the projections; f16 projections are
// accumulated in f32 and truncated.
// CHECK-LABEL: func.func @lowrank_dynamic(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x4x?x16xf16>, %[[K:[^:]+]]: tensor<?x4x?x16xf16>, %[[V:[^:]+]]: tensor<?x4x?x8xf16>, %[[E:[^:]+]]: tensor<4x128xf16>, %[[F:[^:]+]]: tensor<4x128xf16>)
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK: %[[S:.+]] = tensor.dim %[[K]], %[[C2]] : tensor<?x4x?x16xf16>
// CHECK: %[[ES:.+]] = tensor.extract_slice %[[E]][0, 0] [4, %[[S]]] [1, 1] : tensor<4x128xf16> to tensor<4x?xf16>
// CHECK: %[[KACC:.+]] = linalg.generic {{.*}}"reduction", "parallel"]} ins(%[[ES]], %[[K]] : tensor<4x?xf16>, tensor<?x4x?x16xf16>) outs(%{{.+}} : tensor<?x4x4x16xf32>)
// CHECK: arith.extf
// CHECK: arith.extf
// CHECK: arith.mulf {{.*}} : f32
// CHECK: %[[KT:.+]] = linalg.generic {{.*}} ins(%[[KACC]] : tensor<?x4x4x16xf32>) outs(%{{.+}} : tensor<?x4x4x16xf16>)
// CHECK: arith.truncf
// CHECK: %[[SV:.+]] = tensor.dim %[[V]], %[[C2]] : tensor<?x4x?x8xf16>
// CHECK: %[[FS:.+]] = tensor.extract_slice %[[F]][0, 0] [4, %[[SV]]] [1, 1] : tensor<4x128xf16> to tensor<4x?xf16>
// CHECK: %[[VACC:.+]] = linalg.generic {{.*}} ins(%[[FS]], %[[V]] :
// CHECK: %[[VT:.+]] = linalg.generic {{.*}} ins(%[[VACC]] :
// CHECK: effattn.softmax_attention %[[Q]], %[[KT]], %[[VT]] scale = 1.250000e-01 : (tensor<?x4x?x16xf16>, tensor<?x4x4x16xf16>, tensor<?x4x4x8xf16>) -> tensor<?x4x?x8xf16>
// LLVM-LABEL: llvm.func @lowrank_dynamic(
func.func @lowrank_dynamic(%q: tensor<?x4x?x16xf16>, %k: tensor<?x4x?x16xf16>, %v: tensor<?x4x?x8xf16>, %e: tensor<4x128xf16>, %f: tensor<4x128xf16>) -> tensor<?x4x?x8xf16> {
  %o = effattn.lowrank_attention %q, %k, %v, %e, %f scale = 0.125 : (tensor<?x4x?x16xf16>, tensor<?x4x?x16xf16>, tensor<?x4x?x8xf16>, tensor<4x128xf16>, tensor<4x128xf16>) -> tensor<?x4x?x8xf16>
  return %o : tensor<?x4x?x8xf16>
}

// FLuRKA: the same projections, then a non-causal normalized linear attention
// with feature_map, omega, eps and scale forwarded.
// CHECK-LABEL: func.func @lowrank_kernel_favor(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<2x4x32x16xf32>, %[[K:[^:]+]]: tensor<2x4x64x16xf32>, %[[V:[^:]+]]: tensor<2x4x64x8xf32>, %[[E:[^:]+]]: tensor<4x64xf32>, %[[F:[^:]+]]: tensor<4x64xf32>, %[[W:[^:]+]]: tensor<32x16xf32>)
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[KT:.+]] = linalg.generic {{.*}}"reduction", "parallel"]} ins(%[[E]], %[[K]] :
// CHECK: %[[VT:.+]] = linalg.generic {{.*}}"reduction", "parallel"]} ins(%[[F]], %[[V]] :
// CHECK: %[[O:.+]] = effattn.linear_attention %[[Q]], %[[KT]], %[[VT]] omega(%[[W]]) feature_map favor eps = 1.000000e-03 scale = 5.000000e-01 : (tensor<2x4x32x16xf32>, tensor<2x4x4x16xf32>, tensor<2x4x4x8xf32>, tensor<32x16xf32>) -> (tensor<2x4x32x8xf32>)
// CHECK: return %[[O]]
// LLVM-LABEL: llvm.func @lowrank_kernel_favor(
func.func @lowrank_kernel_favor(%q: tensor<2x4x32x16xf32>, %k: tensor<2x4x64x16xf32>, %v: tensor<2x4x64x8xf32>, %e: tensor<4x64xf32>, %f: tensor<4x64xf32>, %w: tensor<32x16xf32>) -> tensor<2x4x32x8xf32> {
  %o = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f omega(%w) feature_map favor eps = 1.0e-3 scale = 0.5 : (tensor<2x4x32x16xf32>, tensor<2x4x64x16xf32>, tensor<2x4x64x8xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<32x16xf32>) -> tensor<2x4x32x8xf32>
  return %o : tensor<2x4x32x8xf32>
}

// CHECK-LABEL: func.func @lowrank_kernel_dynamic(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<1x4x?x16xf32>, %[[K:[^:]+]]: tensor<1x2x?x16xf32>, %[[V:[^:]+]]: tensor<1x2x?x8xf32>, %[[E:[^:]+]]: tensor<4x100xf32>, %[[F:[^:]+]]: tensor<4x100xf32>)
// CHECK: %[[ES:.+]] = tensor.extract_slice %[[E]][0, 0] [4, %{{.+}}] [1, 1] : tensor<4x100xf32> to tensor<4x?xf32>
// CHECK: %[[KT:.+]] = linalg.generic {{.*}}"reduction", "parallel"]} ins(%[[ES]], %[[K]] :
// CHECK: %[[FS:.+]] = tensor.extract_slice %[[F]][0, 0] [4, %{{.+}}] [1, 1] : tensor<4x100xf32> to tensor<4x?xf32>
// CHECK: %[[VT:.+]] = linalg.generic {{.*}}"reduction", "parallel"]} ins(%[[FS]], %[[V]] :
// CHECK: effattn.linear_attention %[[Q]], %[[KT]], %[[VT]] feature_map relu : (tensor<1x4x?x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x8xf32>) -> (tensor<1x4x?x8xf32>)
// LLVM-LABEL: llvm.func @lowrank_kernel_dynamic(
func.func @lowrank_kernel_dynamic(%q: tensor<1x4x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x8xf32>, %e: tensor<4x100xf32>, %f: tensor<4x100xf32>) -> tensor<1x4x?x8xf32> {
  %o = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f feature_map relu : (tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>, tensor<4x100xf32>, tensor<4x100xf32>) -> tensor<1x4x?x8xf32>
  return %o : tensor<1x4x?x8xf32>
}
