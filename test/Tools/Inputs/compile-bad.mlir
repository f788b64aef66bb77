// Grouped-query heads of dynamic count: verifies, but does not lower.
func.func @dynamic_heads(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x4x8xf32>,
                         %v: tensor<1x?x4x8xf32>) -> tensor<1x?x4x8xf32> {
  %o = effattn.softmax_attention %q, %k, %v
      : (tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>)
      -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}
