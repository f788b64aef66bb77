// Round trip of every effattn op and every variant: the custom form prints
// back to itself, and the generic form re-parses to the same IR.
//
// RUN: effattn-opt %s | effattn-opt | FileCheck %s
// RUN: effattn-opt %s --mlir-print-op-generic | effattn-opt | FileCheck %s
// RUN: effattn-opt %s --emit-bytecode | effattn-opt | FileCheck %s
// RUN: effattn-opt %s --mlir-print-op-generic > %t.generic
// RUN: effattn-opt %s | effattn-opt --mlir-print-op-generic | diff %t.generic -
// RUN: effattn-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// GENERIC-LABEL: sym_name = "softmax_attention"}
// GENERIC: "effattn.softmax_attention"(%{{.*}}, %{{.*}}, %{{.*}}) : (
// GENERIC: "effattn.softmax_attention"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{causal, scale = 1.250000e-01 : f64}>
// GENERIC-LABEL: sym_name = "quad_attention"}
// GENERIC: "effattn.quad_attention"(%{{.*}}, %{{.*}}, %{{.*}}) <{activation = #effattn<activation relu2>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>, scale_mode = #effattn<scale_mode inside>}>
// GENERIC: <{activation = #effattn<activation laplace>, causal, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>, scale = 5.000000e-01 : f64, scale_mode = #effattn<scale_mode outside>}>

// CHECK-LABEL: func.func @softmax_attention(
// CHECK: effattn.softmax_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
// CHECK: effattn.softmax_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} bias(%{{[^ ,)]+}}) causal scale = 1.250000e-01 : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<1x8x?x?xf32>) -> tensor<2x8x?x32xf32>
func.func @softmax_attention(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %bias: tensor<1x8x?x?xf32>) -> (tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>) {
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  %1 = effattn.softmax_attention %q, %k, %v bias(%bias) causal scale = 0.125 : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<1x8x?x?xf32>) -> tensor<2x8x?x32xf32>
  return %0, %1 : tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>
}

// CHECK-LABEL: func.func @softmax_attention_f16_static(
// CHECK: effattn.softmax_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} causal : (tensor<1x4x16x64xf16>, tensor<1x4x24x64xf16>, tensor<1x4x24x64xf16>) -> tensor<1x4x16x64xf16>
func.func @softmax_attention_f16_static(%q: tensor<1x4x16x64xf16>, %k: tensor<1x4x24x64xf16>, %v: tensor<1x4x24x64xf16>, %bias: tensor<16x24xf16>) -> tensor<1x4x16x64xf16> {
  %0 = effattn.softmax_attention %q, %k, %v causal : (tensor<1x4x16x64xf16>, tensor<1x4x24x64xf16>, tensor<1x4x24x64xf16>) -> tensor<1x4x16x64xf16>
  return %0 : tensor<1x4x16x64xf16>
}

// CHECK-LABEL: func.func @quad_attention(
// CHECK: effattn.quad_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<?x1x?x128xbf16>, tensor<?x1x?x128xbf16>, tensor<?x1x?x256xbf16>) -> tensor<?x1x?x256xbf16>
// CHECK: effattn.quad_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} bias(%{{[^ ,)]+}}) gate(%{{[^ ,)]+}}) causal activation laplace scale_mode outside scale = 5.000000e-01 : (tensor<?x1x?x128xbf16>, tensor<?x1x?x128xbf16>, tensor<?x1x?x256xbf16>, tensor<1x1x?x?xbf16>, tensor<?x1x?x256xbf16>) -> tensor<?x1x?x256xbf16>
// CHECK: effattn.quad_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} gate(%{{[^ ,)]+}}) : (tensor<?x1x?x128xbf16>, tensor<?x1x?x128xbf16>, tensor<?x1x?x256xbf16>, tensor<?x1x?x256xbf16>) -> tensor<?x1x?x256xbf16>
func.func @quad_attention(%q: tensor<?x1x?x128xbf16>, %k: tensor<?x1x?x128xbf16>, %v: tensor<?x1x?x256xbf16>, %bias: tensor<1x1x?x?xbf16>, %gate: tensor<?x1x?x256xbf16>) -> (tensor<?x1x?x256xbf16>, tensor<?x1x?x256xbf16>, tensor<?x1x?x256xbf16>) {
  %0 = effattn.quad_attention %q, %k, %v : (tensor<?x1x?x128xbf16>, tensor<?x1x?x128xbf16>, tensor<?x1x?x256xbf16>) -> tensor<?x1x?x256xbf16>
  %1 = effattn.quad_attention %q, %k, %v bias(%bias) gate(%gate) causal activation laplace scale_mode outside scale = 0.5 : (tensor<?x1x?x128xbf16>, tensor<?x1x?x128xbf16>, tensor<?x1x?x256xbf16>, tensor<1x1x?x?xbf16>, tensor<?x1x?x256xbf16>) -> tensor<?x1x?x256xbf16>
  %2 = effattn.quad_attention %q, %k, %v gate(%gate) activation relu2 scale_mode inside : (tensor<?x1x?x128xbf16>, tensor<?x1x?x128xbf16>, tensor<?x1x?x256xbf16>, tensor<?x1x?x256xbf16>) -> tensor<?x1x?x256xbf16>
  return %0, %1, %2 : tensor<?x1x?x256xbf16>, tensor<?x1x?x256xbf16>, tensor<?x1x?x256xbf16>
}

// CHECK-LABEL: func.func @mixed_chunk_attention(
// CHECK: effattn.mixed_chunk_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} chunk_size = 64 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
// CHECK: effattn.mixed_chunk_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} gate(%{{[^ ,)]+}}) bias(%{{[^ ,)]+}}) chunk_size = 64 causal activation laplace quad_scale = 2.500000e-01 lin_scale_mode inverse_chunk lin_scale = 2.000000e+00 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>, tensor<1x1x?x256xf32>, tensor<64x64xf32>) -> tensor<1x1x?x256xf32>
// CHECK: effattn.mixed_chunk_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} chunk_size = 1 lin_scale_mode none : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
func.func @mixed_chunk_attention(%qq: tensor<1x1x?x128xf32>, %kq: tensor<1x1x?x128xf32>, %ql: tensor<1x1x?x128xf32>, %kl: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>, %gate: tensor<1x1x?x256xf32>, %bias: tensor<64x64xf32>) -> (tensor<1x1x?x256xf32>, tensor<1x1x?x256xf32>, tensor<1x1x?x256xf32>) {
  %0 = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 64 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  %1 = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v gate(%gate) bias(%bias) chunk_size = 64 causal activation laplace quad_scale = 2.5e-01 lin_scale_mode inverse_chunk lin_scale = 2.0 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>, tensor<1x1x?x256xf32>, tensor<64x64xf32>) -> tensor<1x1x?x256xf32>
  %2 = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 1 lin_scale_mode none : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  return %0, %1, %2 : tensor<1x1x?x256xf32>, tensor<1x1x?x256xf32>, tensor<1x1x?x256xf32>
}

// CHECK-LABEL: func.func @linear_attention(
// CHECK: effattn.linear_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
// CHECK: effattn.linear_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} omega(%{{[^ ,)]+}}) state(%{{[^ ,)]+}}) normalizer(%{{[^ ,)]+}}) causal feature_map favor eps = 1.000000e-05 scale = 5.000000e-01 chunk_size = 64 : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<16x64xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16xf32>) -> (tensor<2x8x?x32xf32>, final_state tensor<2x2x16x32xf32>, final_normalizer tensor<2x2x16xf32>)
// CHECK: effattn.linear_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} state(%{{[^ ,)]+}}) causal feature_map identity normalize = false : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x2x64x32xf32>) -> (tensor<2x8x?x32xf32>, final_state tensor<2x2x64x32xf32>)
// CHECK: effattn.linear_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} feature_map relu : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
func.func @linear_attention(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %omega: tensor<16x64xf32>, %s0: tensor<2x2x16x32xf32>, %z0: tensor<2x2x16xf32>, %s1: tensor<2x2x64x32xf32>) -> (tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>) {
  %0 = effattn.linear_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
  %1:3 = effattn.linear_attention %q, %k, %v omega(%omega) state(%s0) normalizer(%z0) causal feature_map favor eps = 1.0e-05 scale = 0.5 chunk_size = 64 : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<16x64xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16xf32>) -> (tensor<2x8x?x32xf32>, final_state tensor<2x2x16x32xf32>, final_normalizer tensor<2x2x16xf32>)
  %2:2 = effattn.linear_attention %q, %k, %v state(%s1) causal feature_map identity normalize = false : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x2x64x32xf32>) -> (tensor<2x8x?x32xf32>, final_state tensor<2x2x64x32xf32>)
  %3 = effattn.linear_attention %q, %k, %v feature_map relu : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
  return %0, %1#0, %2#0, %3 : tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>, tensor<2x8x?x32xf32>
}

// CHECK-LABEL: func.func @lowrank_attention(
// CHECK: effattn.lowrank_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
// CHECK: effattn.lowrank_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} scale = 1.250000e-01 : (tensor<1x8x512x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<128x1024xf32>, tensor<128x1024xf32>) -> tensor<1x8x512x64xf32>
func.func @lowrank_attention(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x512xf32>, %f: tensor<128x512xf32>, %kd: tensor<1x4x?x64xf32>, %vd: tensor<1x4x?x64xf32>, %ed: tensor<128x1024xf32>) -> (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>) {
  %0 = effattn.lowrank_attention %q, %k, %v, %e, %f : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
  %1 = effattn.lowrank_attention %q, %kd, %vd, %ed, %ed scale = 0.125 : (tensor<1x8x512x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<128x1024xf32>, tensor<128x1024xf32>) -> tensor<1x8x512x64xf32>
  return %0, %1 : tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>
}

// CHECK-LABEL: func.func @lowrank_kernel_attention(
// CHECK: effattn.lowrank_kernel_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
// CHECK: effattn.lowrank_kernel_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} omega(%{{[^ ,)]+}}) feature_map favor eps = 0.000000e+00 scale = 5.000000e-01 : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>, tensor<32x64xf32>) -> tensor<1x8x512x64xf32>
func.func @lowrank_kernel_attention(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x512xf32>, %f: tensor<128x512xf32>, %omega: tensor<32x64xf32>) -> (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>) {
  %0 = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
  %1 = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f omega(%omega) feature_map favor eps = 0.0 scale = 0.5 : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>, tensor<32x64xf32>) -> tensor<1x8x512x64xf32>
  return %0, %1 : tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>
}

// CHECK-LABEL: func.func @partitioned_attention(
// CHECK: effattn.partitioned_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<2x1x?x64xf32>, tensor<2x1x?x64xf32>, tensor<2x1x4x?x32xf32>, tensor<4x1023xf32>) -> tensor<2x1x?x32xf32>
// CHECK: effattn.partitioned_attention %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} causal score sigmoid scale = 1.000000e+00 : (tensor<2x1x?x64xf32>, tensor<2x1x?x64xf32>, tensor<2x1x4x?x32xf32>, tensor<4x1023xf32>) -> tensor<2x1x?x32xf32>
func.func @partitioned_attention(%q: tensor<2x1x?x64xf32>, %k: tensor<2x1x?x64xf32>, %vp: tensor<2x1x4x?x32xf32>, %pi: tensor<4x1023xf32>) -> (tensor<2x1x?x32xf32>, tensor<2x1x?x32xf32>) {
  %0 = effattn.partitioned_attention %q, %k, %vp, %pi : (tensor<2x1x?x64xf32>, tensor<2x1x?x64xf32>, tensor<2x1x4x?x32xf32>, tensor<4x1023xf32>) -> tensor<2x1x?x32xf32>
  %1 = effattn.partitioned_attention %q, %k, %vp, %pi causal score sigmoid scale = 1.0 : (tensor<2x1x?x64xf32>, tensor<2x1x?x64xf32>, tensor<2x1x4x?x32xf32>, tensor<4x1023xf32>) -> tensor<2x1x?x32xf32>
  return %0, %1 : tensor<2x1x?x32xf32>, tensor<2x1x?x32xf32>
}

// CHECK-LABEL: func.func @sparse_ffn(
// CHECK: effattn.sparse_ffn %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} b1(%{{[^ ,)]+}}) b2(%{{[^ ,)]+}}) block_size = 32 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>, tensor<2048xf32>, tensor<512xf32>) -> (tensor<?x512xf32>, tensor<?x64xi32>)
// CHECK: effattn.sparse_ffn %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} block_size = 2048 : (tensor<2x?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> tensor<2x?x512xf32>
func.func @sparse_ffn(%x: tensor<?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>, %b1: tensor<2048xf32>, %b2: tensor<512xf32>, %x3: tensor<2x?x512xf32>) -> (tensor<?x512xf32>, tensor<?x64xi32>, tensor<2x?x512xf32>) {
  %y, %sel = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 b1(%b1) b2(%b2) block_size = 32 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>, tensor<2048xf32>, tensor<512xf32>) -> (tensor<?x512xf32>, tensor<?x64xi32>)
  %y3 = effattn.sparse_ffn %x3, %cd, %cu, %cb, %w1, %w2 block_size = 2048 : (tensor<2x?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> tensor<2x?x512xf32>
  return %y, %sel, %y3 : tensor<?x512xf32>, tensor<?x64xi32>, tensor<2x?x512xf32>
}

// CHECK-LABEL: func.func @multiplicative_dense(
// CHECK: effattn.multiplicative_dense %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<?x512xf16>, tensor<512x8xf16>, tensor<512x64xf16>) -> tensor<?x512xf16>
// CHECK: effattn.multiplicative_dense %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} bias(%{{[^ ,)]+}}) : (tensor<?x512xf16>, tensor<512x8xf16>, tensor<512x64xf16>, tensor<512xf16>) -> tensor<?x512xf16>
func.func @multiplicative_dense(%x: tensor<?x512xf16>, %d: tensor<512x8xf16>, %e: tensor<512x64xf16>, %b: tensor<512xf16>) -> (tensor<?x512xf16>, tensor<?x512xf16>) {
  %0 = effattn.multiplicative_dense %x, %d, %e : (tensor<?x512xf16>, tensor<512x8xf16>, tensor<512x64xf16>) -> tensor<?x512xf16>
  %1 = effattn.multiplicative_dense %x, %d, %e bias(%b) : (tensor<?x512xf16>, tensor<512x8xf16>, tensor<512x64xf16>, tensor<512xf16>) -> tensor<?x512xf16>
  return %0, %1 : tensor<?x512xf16>, tensor<?x512xf16>
}

// CHECK-LABEL: func.func @offset_scale(
// CHECK: effattn.offset_scale %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<1x?x128xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>)
// CHECK: effattn.offset_scale %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} : (tensor<1x?x128xf32>, tensor<4x128xf32>, tensor<4x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x128xf32>)
func.func @offset_scale(%z: tensor<1x?x128xf32>, %g2: tensor<2x128xf32>, %b2: tensor<2x128xf32>, %g4: tensor<4x128xf32>, %b4: tensor<4x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>) {
  %q, %k = effattn.offset_scale %z, %g2, %b2 : (tensor<1x?x128xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>)
  %r:4 = effattn.offset_scale %z, %g4, %b4 : (tensor<1x?x128xf32>, tensor<4x128xf32>, tensor<4x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x128xf32>)
  return %q, %r#3 : tensor<1x?x128xf32>, tensor<1x?x128xf32>
}

// CHECK-LABEL: func.func @rel_pos_bias(
// CHECK: effattn.rel_pos_bias t5_buckets %{{[^ ,)]+}} : (tensor<32xf32>) -> tensor<128x128xf32>
// CHECK: effattn.rel_pos_bias t5_buckets %{{[^ ,)]+}} num_buckets = 16 max_distance = 64 bidirectional = false scale = 5.000000e-01 : (tensor<32xf32>) -> tensor<64x128xf32>
// CHECK: effattn.rel_pos_bias toeplitz %{{[^ ,)]+}} : (tensor<511xf32>) -> tensor<256x200xf32>
func.func @rel_pos_bias(%p: tensor<32xf32>, %t: tensor<511xf32>) -> (tensor<128x128xf32>, tensor<64x128xf32>, tensor<256x200xf32>) {
  %0 = effattn.rel_pos_bias t5_buckets %p : (tensor<32xf32>) -> tensor<128x128xf32>
  %1 = effattn.rel_pos_bias t5_buckets %p num_buckets = 16 max_distance = 64 bidirectional = false scale = 0.5 : (tensor<32xf32>) -> tensor<64x128xf32>
  %2 = effattn.rel_pos_bias toeplitz %t : (tensor<511xf32>) -> tensor<256x200xf32>
  return %0, %1, %2 : tensor<128x128xf32>, tensor<64x128xf32>, tensor<256x200xf32>
}

// CHECK-LABEL: func.func @gau(
// CHECK: effattn.gau %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} b_u(%{{[^ ,)]+}}) b_v(%{{[^ ,)]+}}) b_z(%{{[^ ,)]+}}) b_o(%{{[^ ,)]+}}) attention quad causal scale_mode outside scale = 1.000000e-03 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<2x128xf32>, tensor<2x128xf32>, tensor<512xf32>, tensor<512xf32>, tensor<128xf32>, tensor<256xf32>) -> tensor<1x?x256xf32>
// CHECK: effattn.gau %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}}, %{{[^ ,)]+}} bias(%{{[^ ,)]+}}) attention mixed_chunk chunk_size = 128 causal activation laplace lin_scale_mode inverse_chunk lin_scale = 5.000000e-01 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>, tensor<4x128xf32>, tensor<128x128xf32>) -> tensor<1x?x256xf32>
func.func @gau(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g2: tensor<2x128xf32>, %be2: tensor<2x128xf32>, %g4: tensor<4x128xf32>, %be4: tensor<4x128xf32>, %bu: tensor<512xf32>, %bz: tensor<128xf32>, %bo: tensor<256xf32>, %rb: tensor<128x128xf32>) -> (tensor<1x?x256xf32>, tensor<1x?x256xf32>) {
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g2, %be2 b_u(%bu) b_v(%bu) b_z(%bz) b_o(%bo) attention quad causal scale_mode outside scale = 0.001 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<2x128xf32>, tensor<2x128xf32>, tensor<512xf32>, tensor<512xf32>, tensor<128xf32>, tensor<256xf32>) -> tensor<1x?x256xf32>
  %1 = effattn.gau %x, %wu, %wv, %wz, %wo, %g4, %be4 bias(%rb) attention mixed_chunk chunk_size = 128 causal activation laplace lin_scale_mode inverse_chunk lin_scale = 0.5 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>, tensor<4x128xf32>, tensor<128x128xf32>) -> tensor<1x?x256xf32>
  return %0, %1 : tensor<1x?x256xf32>, tensor<1x?x256xf32>
}
