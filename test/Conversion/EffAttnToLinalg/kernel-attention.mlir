// Reference lowering of mixed-chunk and linear attention, in their quadratic
// mask form (the definition the linear-time schedules are checked against).
//
// RUN: effattn-opt %s --convert-effattn-to-linalg --canonicalize | FileCheck %s
// RUN: effattn-opt %s --effattn-to-llvm | FileCheck %s --check-prefix=LLVM

// CHECK-DAG: #[[$CHUNKBIAS:.+]] = affine_map<(d0, d1, d2, d3) -> (d2 mod 64, d3 mod 64)>

// The relative bias is read at (i mod C, j mod C); the quadratic term lives
// in the query's chunk (causal: j <= i), the linear term sees earlier chunks
// only, scaled by 1 / (g C).
// CHECK-LABEL: func.func @mixed_chunk_causal(
// CHECK-SAME:    %[[BIAS:[^:]+]]: tensor<64x64xf32>
// CHECK-NOT:     effattn.
// CHECK-DAG:     %[[C64:.+]] = arith.constant 64 : index
// CHECK-DAG:     %[[QSCALE:.+]] = arith.constant 1.562500e-02 : f32
// CHECK:         linalg.generic {indexing_maps = [{{.+}}, {{.+}}, #[[$CHUNKBIAS]], {{.+}}]{{.*}} ins(%{{.+}}, %{{.+}}, %[[BIAS]] :
// CHECK:           %[[I:.+]] = linalg.index 2 : index
// CHECK:           %[[J:.+]] = linalg.index 3 : index
// CHECK:           %[[GI:.+]] = arith.divui %[[I]], %[[C64]] : index
// CHECK:           %[[GJ:.+]] = arith.divui %[[J]], %[[C64]] : index
// CHECK:           arith.mulf %{{.+}}, %[[QSCALE]] : f32
// CHECK:           %[[SAME:.+]] = arith.cmpi eq, %[[GI]], %[[GJ]] : index
// CHECK:           %[[SEEN:.+]] = arith.cmpi ule, %[[J]], %[[I]] : index
// CHECK:           arith.andi %[[SAME]], %[[SEEN]] : i1
// CHECK:           %[[GC:.+]] = arith.muli %[[GI]], %[[C64]] : index
// CHECK:           %[[EARLIER:.+]] = arith.cmpi ult, %[[GJ]], %[[GI]] : index
// CHECK:           arith.select %[[EARLIER]]
// LLVM-LABEL: llvm.func @mixed_chunk_causal(
func.func @mixed_chunk_causal(%qq: tensor<1x1x?x16xf32>, %kq: tensor<1x1x?x16xf32>, %ql: tensor<1x1x?x16xf32>, %kl: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x8xf32>, %bias: tensor<64x64xf32>) -> tensor<1x1x?x8xf32> {
  %0 = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v bias(%bias) chunk_size = 64 causal : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x8xf32>, tensor<64x64xf32>) -> tensor<1x1x?x8xf32>
  return %0 : tensor<1x1x?x8xf32>
}

// Non-causal inverse_length: the linear term is scaled by 1/T with the
// run-time T; there is no chunk mask on it.
// CHECK-LABEL: func.func @mixed_chunk_global(
// CHECK-SAME:    %[[QQ:[^:]+]]: tensor<2x1x?x16xbf16>
// CHECK:         %[[T:.+]] = tensor.dim %[[QQ]]
// CHECK:         %[[TF:.+]] = arith.sitofp %{{.+}} : i64 to f32
// CHECK:         %[[INVT:.+]] = arith.divf %{{.+}}, %[[TF]] : f32
// CHECK:         linalg.generic
// CHECK-NOT:       arith.cmpi ult
// CHECK:           arith.mulf %[[INVT]], %{{.+}} : f32
// CHECK:         arith.truncf %{{.+}} : f32 to bf16
func.func @mixed_chunk_global(%qq: tensor<2x1x?x16xbf16>, %v: tensor<2x1x?x8xbf16>) -> tensor<2x1x?x8xbf16> {
  %0 = effattn.mixed_chunk_attention %qq, %qq, %qq, %qq, %v chunk_size = 7 : (tensor<2x1x?x16xbf16>, tensor<2x1x?x16xbf16>, tensor<2x1x?x16xbf16>, tensor<2x1x?x16xbf16>, tensor<2x1x?x8xbf16>) -> tensor<2x1x?x8xbf16>
  return %0 : tensor<2x1x?x8xbf16>
}

// FAVOR+: phi(x) = exp(omega x' - |x'|^2 / 2) / sqrt(M), x' = scale x / Dk^(1/4)
// (Dk = 16: 1/2; with scale 0.5: 1/4); M = 4: 1/sqrt(M) = 0.5. The carried
// state starts from initial_state and sums phi(k_j) v_jᵀ over all keys.
// CHECK-LABEL: func.func @linear_favor_state(
// CHECK-SAME:    %[[K:[^:]+]]: tensor<1x2x?x16xf32>, %[[V:[^:]+]]: tensor<1x2x?x8xf32>, %[[OMEGA:[^:]+]]: tensor<4x16xf32>, %[[S0:[^:]+]]: tensor<1x2x4x8xf32>, %[[Z0:[^:]+]]: tensor<1x2x4xf32>
// CHECK-NOT:     effattn.
// CHECK-DAG:     %[[XQ:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG:     %[[XK:.+]] = arith.constant 5.000000e-01 : f32
// CHECK:         linalg.generic {{.+}} ins(%{{.+}}, %[[OMEGA]] :
// CHECK:           arith.mulf %{{.+}}, %[[XQ]] : f32
// CHECK:         math.exp
// CHECK:         linalg.generic {{.+}} ins(%[[K]], %[[OMEGA]] :
// CHECK:           arith.mulf %{{.+}}, %[[XK]] : f32
// CHECK:         %[[NUM:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[V]] :
// CHECK:         linalg.generic {{.+}} ins(%{{.+}}, %[[S0]] : {{.+}}) outs(%[[NUM]] :
// CHECK:         linalg.generic {{.+}} ins(%{{.+}}, %[[Z0]] :
// CHECK:         arith.divf
// CHECK:         linalg.generic {{.+}} ins(%{{.+}}, %[[V]] : {{.+}}) outs(%[[S0]] :
// CHECK:         linalg.generic {{.+}} outs(%[[Z0]] :
// CHECK:         return %{{.+}}, %{{.+}}, %{{.+}} : tensor<1x2x?x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
// LLVM-LABEL: llvm.func @linear_favor_state(
func.func @linear_favor_state(%q: tensor<1x2x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x8xf32>, %omega: tensor<4x16xf32>, %s0: tensor<1x2x4x8xf32>, %z0: tensor<1x2x4xf32>) -> (tensor<1x2x?x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4xf32>) {
  %o, %s, %z = effattn.linear_attention %q, %k, %v omega(%omega) state(%s0) normalizer(%z0) causal feature_map favor scale = 0.5 : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>, tensor<4x16xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4xf32>) -> (tensor<1x2x?x8xf32>, final_state tensor<1x2x4x8xf32>, final_normalizer tensor<1x2x4xf32>)
  return %o, %s, %z : tensor<1x2x?x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4xf32>
}

// elu(x) + 1 is x + 1 above 0 and exp(x) below; without normalize there is
// no division.
// CHECK-LABEL: func.func @linear_elu_unnormalized(
// CHECK:         linalg.generic
// CHECK:           %[[POS:.+]] = arith.cmpf ogt
// CHECK:           %[[P1:.+]] = arith.addf
// CHECK:           %[[E:.+]] = math.exp
// CHECK:           arith.select %[[POS]], %[[P1]], %[[E]] : f32
// CHECK-NOT:     arith.divf
// CHECK:         return
func.func @linear_elu_unnormalized(%q: tensor<1x4x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x4x?x8xf32> {
  %0 = effattn.linear_attention %q, %k, %v normalize = false : (tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>) -> (tensor<1x4x?x8xf32>)
  return %0 : tensor<1x4x?x8xf32>
}
