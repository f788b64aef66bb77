// A function with two results, for the --output-dir cases of
// effattn-run-errors.test.
func.func @two(%q: tensor<1x2x4x8xf32>)
    -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %o = effattn.softmax_attention %q, %q, %q
      : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>)
      -> tensor<1x2x4x8xf32>
  return %o, %q : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
