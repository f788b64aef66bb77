// Functions for effattn-compile.test.

// Causal softmax attention with a dynamic sequence length.
func.func @attn(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>,
                %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>)
      -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
