// Functions for effattn-run-errors.test.

// Softmax attention with a dynamic sequence length.
func.func @attn(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>,
                %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>)
      -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// The same in bf16 and with an i32 result.
func.func @attn_bf16(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x2x4x8xbf16>,
                     %v: tensor<1x2x4x8xbf16>) -> tensor<1x2x4x8xbf16> {
  %o = effattn.softmax_attention %q, %k, %v
      : (tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>)
      -> tensor<1x2x4x8xbf16>
  return %o : tensor<1x2x4x8xbf16>
}

// An argument type effattn-run does not take.
func.func @f64_arg(%x: tensor<4xf64>) -> tensor<4xf64> {
  return %x : tensor<4xf64>
}

// A function without a body.
func.func private @external(tensor<4xf32>) -> tensor<4xf32>

// A function that returns nothing.
func.func @no_results(%x: tensor<4xf32>) {
  return
}

// Grouped-query heads of dynamic count: verifies, but does not lower.
func.func @dynamic_heads(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x4x8xf32>,
                         %v: tensor<1x?x4x8xf32>) -> tensor<1x?x4x8xf32> {
  %o = effattn.softmax_attention %q, %k, %v
      : (tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>)
      -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}
