// Input of effattn-compile-cost.test: one op per cost formula family, with
// the dynamic sizes the test sets to 1000.

func.func @softmax(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>,
                   %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>)
      -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

func.func @mixed(%qq: tensor<1x1x?x8xf32>, %kq: tensor<1x1x?x8xf32>,
                 %ql: tensor<1x1x?x8xf32>, %kl: tensor<1x1x?x8xf32>,
                 %v: tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 128
      : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>,
         tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32>
  return %o : tensor<1x1x?x8xf32>
}

func.func @lowrank(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>,
                   %v: tensor<1x2x?x8xf32>, %e: tensor<16x2048xf32>,
                   %f: tensor<16x2048xf32>) -> tensor<1x2x?x8xf32> {
  %o = effattn.lowrank_attention %q, %k, %v, %e, %f
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>,
         tensor<16x2048xf32>, tensor<16x2048xf32>) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

func.func @ffn(%x: tensor<4x64xf32>, %cd: tensor<64x8xf32>,
               %cu: tensor<8x256xf32>, %cb: tensor<256xf32>,
               %w1: tensor<64x256xf32>, %w2: tensor<256x64xf32>)
    -> tensor<4x64xf32> {
  %y = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 16
      : (tensor<4x64xf32>, tensor<64x8xf32>, tensor<8x256xf32>,
         tensor<256xf32>, tensor<64x256xf32>, tensor<256x64xf32>)
      -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
