// What the reference lowering cannot lower is reported on the op, once.
//
// RUN: effattn-opt %s --convert-effattn-to-linalg -split-input-file -verify-diagnostics

func.func @dynamic_heads(%q: tensor<1x?x8x16xf32>, %k: tensor<1x?x8x16xf32>, %v: tensor<1x?x8x16xf32>) -> tensor<1x?x8x16xf32> {
  // expected-error @+1 {{lowering needs static head counts H and Hk to map query heads to key/value heads}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>, tensor<1x?x8x16xf32>) -> tensor<1x?x8x16xf32>
  return %0 : tensor<1x?x8x16xf32>
}
