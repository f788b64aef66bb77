// Reference lowering of sparse_ffn and multiplicative_dense to linalg on
// tensors: every reduction in f32, no effattn op left.
//
// RUN: effattn-opt %s --convert-effattn-to-linalg | FileCheck %s --implicit-check-not="effattn."
// RUN: effattn-opt %s --effattn-to-llvm | FileCheck %s --check-prefix=LLVM \
// RUN:   --implicit-check-not="{{(effattn|linalg|tensor|memref|scf|arith|math)\.}}"

// The batch dims stay loops; the controller, the argmax (two outputs, ties to
// the lowest n), the masked hidden layer and the selected global unit index.
// CHECK: #[[$VEC_MAT_X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK: #[[$VEC_MAT_W:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK: #[[$VEC_MAT_OUT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK: #[[$BIAS:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK: #[[$ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK: #[[$ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @sparse_ffn(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x16xf32>, %[[CD:[^:]+]]: tensor<16x4xf32>, %[[CU:[^:]+]]: tensor<4x32xf32>, %[[CB:[^:]+]]: tensor<32xf32>, %[[W1:[^:]+]]: tensor<16x32xf32>, %[[W2:[^:]+]]: tensor<32x16xf32>, %[[B1:[^:]+]]: tensor<32xf32>, %[[B2:[^:]+]]: tensor<16xf32>)
// CHECK: %[[D0:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x?x16xf32>
// CHECK: %[[D1:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x?x16xf32>
// CHECK: %[[LOW:.+]] = linalg.generic {indexing_maps = [#[[$VEC_MAT_X]], #[[$VEC_MAT_W]], #[[$VEC_MAT_OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[CD]] : tensor<?x?x16xf32>, tensor<16x4xf32>) outs(%{{.+}} : tensor<?x?x4xf32>)
// CHECK: %[[CBB:.+]] = linalg.generic {indexing_maps = [#[[$BIAS]], #[[$ID3]]], {{.*}} ins(%[[CB]] : tensor<32xf32>) outs(%{{.+}} : tensor<?x?x32xf32>)
// CHECK: %[[LOGITS:.+]] = linalg.generic {{.*}} ins(%[[LOW]], %[[CU]] : tensor<?x?x4xf32>, tensor<4x32xf32>) outs(%[[CBB]] : tensor<?x?x32xf32>)
// CHECK: %[[BLOCKS:.+]] = tensor.expand_shape %[[LOGITS]] {{\[\[}}0], [1], [2, 3]] output_shape [%[[D0]], %[[D1]], 4, 8] : tensor<?x?x32xf32> into tensor<?x?x4x8xf32>
// CHECK: %[[NEG_INF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAX_INIT:.+]] = linalg.fill ins(%[[NEG_INF]] : f32) outs(%{{.+}} : tensor<?x?x4xf32>)
// CHECK: %[[IDX_INIT:.+]] = linalg.fill ins(%{{.+}} : i32) outs(%{{.+}} : tensor<?x?x4xi32>)
// CHECK: %[[ARGMAX:.+]]:2 = linalg.generic {indexing_maps = [#[[$ID4]], #[[$VEC_MAT_OUT]], #[[$VEC_MAT_OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[BLOCKS]] : tensor<?x?x4x8xf32>) outs(%[[MAX_INIT]], %[[IDX_INIT]] : tensor<?x?x4xf32>, tensor<?x?x4xi32>)
// CHECK-NEXT: ^bb0(%[[V:.+]]: f32, %[[BEST:.+]]: f32, %[[BEST_IDX:.+]]: i32):
// CHECK-NEXT: %[[N:.+]] = linalg.index 3 : index
// CHECK-NEXT: %[[N32:.+]] = arith.index_cast %[[N]] : index to i32
// CHECK-NEXT: %[[GT:.+]] = arith.cmpf ogt, %[[V]], %[[BEST]] : f32
// CHECK-NEXT: %[[EQ:.+]] = arith.cmpf oeq, %[[V]], %[[BEST]] : f32
// CHECK-NEXT: %[[LOWER:.+]] = arith.cmpi slt, %[[N32]], %[[BEST_IDX]] : i32
// CHECK-NEXT: %[[TIE:.+]] = arith.andi %[[EQ]], %[[LOWER]] : i1
// CHECK-NEXT: %[[TAKE:.+]] = arith.ori %[[GT]], %[[TIE]] : i1
// CHECK-NEXT: %[[NEW_MAX:.+]] = arith.select %[[TAKE]], %[[V]], %[[BEST]] : f32
// CHECK-NEXT: %[[NEW_IDX:.+]] = arith.select %[[TAKE]], %[[N32]], %[[BEST_IDX]] : i32
// CHECK-NEXT: linalg.yield %[[NEW_MAX]], %[[NEW_IDX]] : f32, i32
// CHECK: %[[B1B:.+]] = linalg.generic {{.*}} ins(%[[B1]] : tensor<32xf32>)
// CHECK: %[[H:.+]] = linalg.generic {{.*}}"reduction"]} ins(%[[X]], %[[W1]] : tensor<?x?x16xf32>, tensor<16x32xf32>) outs(%[[B1B]] : tensor<?x?x32xf32>)
// CHECK: %[[HB:.+]] = tensor.expand_shape %[[H]] {{\[\[}}0], [1], [2, 3]]
// CHECK: %[[MASKED:.+]] = linalg.generic {{.*}} ins(%[[HB]], %[[ARGMAX]]#1 : tensor<?x?x4x8xf32>, tensor<?x?x4xi32>) outs(%{{.+}} : tensor<?x?x4x8xf32>)
// CHECK: arith.cmpi eq
// CHECK: arith.maximumf
// CHECK: arith.select
// CHECK: %[[HM:.+]] = tensor.collapse_shape %[[MASKED]] {{\[\[}}0], [1], [2, 3]] : tensor<?x?x4x8xf32> into tensor<?x?x32xf32>
// CHECK: %[[B2B:.+]] = linalg.generic {{.*}} ins(%[[B2]] : tensor<16xf32>)
// CHECK: %[[Y:.+]] = linalg.generic {{.*}}"reduction"]} ins(%[[HM]], %[[W2]] : tensor<?x?x32xf32>, tensor<32x16xf32>) outs(%[[B2B]] : tensor<?x?x16xf32>)
// CHECK: %[[SEL:.+]] = linalg.generic {{.*}} ins(%[[ARGMAX]]#1 : tensor<?x?x4xi32>) outs(%{{.+}} : tensor<?x?x4xi32>)
// CHECK-NEXT: ^bb0(%[[LOCAL:.+]]: i32, %{{.+}}: i32):
// CHECK-NEXT: %[[BLK:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[BLK32:.+]] = arith.index_cast %[[BLK]] : index to i32
// CHECK-NEXT: %[[N_SIZE:.+]] = arith.constant 8 : i32
// CHECK-NEXT: %[[BASE:.+]] = arith.muli %[[BLK32]], %[[N_SIZE]] : i32
// CHECK-NEXT: %[[GLOBAL:.+]] = arith.addi %[[BASE]], %[[LOCAL]] : i32
// CHECK-NEXT: linalg.yield %[[GLOBAL]] : i32
// CHECK: return %[[Y]], %[[SEL]] : tensor<?x?x16xf32>, tensor<?x?x4xi32>
// LLVM-LABEL: llvm.func @sparse_ffn(
func.func @sparse_ffn(%x: tensor<?x?x16xf32>, %cd: tensor<16x4xf32>, %cu: tensor<4x32xf32>, %cb: tensor<32xf32>, %w1: tensor<16x32xf32>, %w2: tensor<32x16xf32>, %b1: tensor<32xf32>, %b2: tensor<16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x4xi32>) {
  %y, %sel = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 b1(%b1) b2(%b2) block_size = 8 : (tensor<?x?x16xf32>, tensor<16x4xf32>, tensor<4x32xf32>, tensor<32xf32>, tensor<16x32xf32>, tensor<32x16xf32>, tensor<32xf32>, tensor<16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x4xi32>)
  return %y, %sel : tensor<?x?x16xf32>, tensor<?x?x4xi32>
}

// One token (x : [D]), bf16, no biases, no selection result: zero-filled f32
// accumulators, bf16 operands extended, the result truncated.
// CHECK-LABEL: func.func @sparse_ffn_token_bf16(
// CHECK-SAME: %[[X:[^:]+]]: tensor<16xbf16>
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<4xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X]], %{{.+}} : tensor<16xbf16>, tensor<16x4xbf16>) outs(%{{.+}} : tensor<4xf32>)
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [8, 4] : tensor<32xf32> into tensor<8x4xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%{{.+}} : tensor<8x4xf32>) outs(%{{.+}}, %{{.+}} : tensor<8xf32>, tensor<8xi32>)
// CHECK: arith.cmpf ogt
// CHECK: %[[YACC:.+]] = linalg.generic {{.*}}"reduction"]} ins(%{{.+}}, %{{.+}} : tensor<32xf32>, tensor<32x16xbf16>) outs(%{{.+}} : tensor<16xf32>)
// CHECK: %[[Y:.+]] = linalg.generic {{.*}} ins(%[[YACC]] : tensor<16xf32>) outs(%{{.+}} : tensor<16xbf16>)
// CHECK-NEXT: ^bb0(
// CHECK-NEXT: arith.truncf %{{.+}} : f32 to bf16
// CHECK: return %[[Y]] : tensor<16xbf16>
// LLVM-LABEL: llvm.func @sparse_ffn_token_bf16(
func.func @sparse_ffn_token_bf16(%x: tensor<16xbf16>, %cd: tensor<16x4xbf16>, %cu: tensor<4x32xbf16>, %cb: tensor<32xbf16>, %w1: tensor<16x32xbf16>, %w2: tensor<32x16xbf16>) -> tensor<16xbf16> {
  %y = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 4 : (tensor<16xbf16>, tensor<16x4xbf16>, tensor<4x32xbf16>, tensor<32xbf16>, tensor<16x32xbf16>, tensor<32x16xbf16>) -> tensor<16xbf16>
  return %y : tensor<16xbf16>
}

// y[..., s, m] = sum_i x_i d[i, s] e[i, m] + bias, accumulated from the bias
// viewed as [S, M], then [..., S, M] collapsed to [..., S * M].
// CHECK-LABEL: func.func @multiplicative_dense(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x?x16xf32>, %[[D:[^:]+]]: tensor<16x4xf32>, %[[E:[^:]+]]: tensor<16x8xf32>, %[[BIAS:[^:]+]]: tensor<32xf32>)
// CHECK: %[[BIAS2:.+]] = tensor.expand_shape %[[BIAS]] {{\[\[}}0, 1]] output_shape [4, 8] : tensor<32xf32> into tensor<4x8xf32>
// CHECK: %[[INIT:.+]] = linalg.generic {{.*}} ins(%[[BIAS2]] : tensor<4x8xf32>) outs(%{{.+}} : tensor<2x?x4x8xf32>)
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[D]], %[[E]] : tensor<2x?x16xf32>, tensor<16x4xf32>, tensor<16x8xf32>) outs(%[[INIT]] : tensor<2x?x4x8xf32>)
// CHECK-NEXT: ^bb0(%[[XI:.+]]: f32, %[[DI:.+]]: f32, %[[EI:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK-NEXT: %[[XD:.+]] = arith.mulf %[[XI]], %[[DI]] : f32
// CHECK-NEXT: %[[XDE:.+]] = arith.mulf %[[XD]], %[[EI]] : f32
// CHECK-NEXT: %[[SUM:.+]] = arith.addf %[[OUT]], %[[XDE]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: %[[Y:.+]] = tensor.collapse_shape %[[ACC]] {{\[\[}}0], [1], [2, 3]] : tensor<2x?x4x8xf32> into tensor<2x?x32xf32>
// CHECK: return %[[Y]]
// LLVM-LABEL: llvm.func @multiplicative_dense(
func.func @multiplicative_dense(%x: tensor<2x?x16xf32>, %d: tensor<16x4xf32>, %e: tensor<16x8xf32>, %bias: tensor<32xf32>) -> tensor<2x?x32xf32> {
  %y = effattn.multiplicative_dense %x, %d, %e bias(%bias) : (tensor<2x?x16xf32>, tensor<16x4xf32>, tensor<16x8xf32>, tensor<32xf32>) -> tensor<2x?x32xf32>
  return %y : tensor<2x?x32xf32>
}

// CHECK-LABEL: func.func @multiplicative_dense_f16(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x16xf16>
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<?x2x8xf32>)
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}}"reduction"]} ins(%[[X]], %{{.+}}, %{{.+}} : tensor<?x16xf16>, tensor<16x2xf16>, tensor<16x8xf16>) outs(%[[INIT]] : tensor<?x2x8xf32>)
// CHECK-COUNT-3: arith.extf %{{.+}} : f16 to f32
// CHECK: %[[TRUNC:.+]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<?x2x8xf32>) outs(%{{.+}} : tensor<?x2x8xf16>)
// CHECK: arith.truncf
// CHECK: tensor.collapse_shape %[[TRUNC]] {{\[\[}}0], [1, 2]] : tensor<?x2x8xf16> into tensor<?x16xf16>
// LLVM-LABEL: llvm.func @multiplicative_dense_f16(
func.func @multiplicative_dense_f16(%x: tensor<?x16xf16>, %d: tensor<16x2xf16>, %e: tensor<16x8xf16>) -> tensor<?x16xf16> {
  %y = effattn.multiplicative_dense %x, %d, %e : (tensor<?x16xf16>, tensor<16x2xf16>, tensor<16x8xf16>) -> tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}
