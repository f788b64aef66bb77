func.func @offset_scale(%z: tensor<1x?x128xf32>, %g2: tensor<2x128xf32>, %b2: tensor<2x128xf32>, %g4: tensor<4x128xf32>, %b4: tensor<4x128xf32>) -> (tensor<1x2147483647x128xf32>, tensor<1x?x128xf32>) {
  %q, %k = effattn.offset_scale %z, %g2, %b2 : (tensor<1x?x128xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>)
  %r:4 = effattn.offset_scale %z, %g4, %b4 : (tensor<1x?x128xf32>, tensor<4x128xf32>, tensor<4x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x128xf32>)
  return %q, %r#2147483647 : tensor<1x?x128xf32>, tensor<1x?x128xf32>
}
