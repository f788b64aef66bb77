// Input of downstream.test: two effattn ops in one function, none in another.

func.func @two_ops(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                   %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
      -> tensor<1x2x8x16xf32>
  %p = effattn.softmax_attention %o, %k, %v
      : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
      -> tensor<1x2x8x16xf32>
  return %p : tensor<1x2x8x16xf32>
}

func.func @no_ops(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
