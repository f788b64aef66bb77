// Input of tensor-cores.test and ptxas.test: f16 ops whose schedules have
// contractions the tensor-core kernels serve (Q·Kᵀ, the chunk states Kᵀ·V,
// the sparse FFN's controller projection).

func.func @quad_f16(%q: tensor<2x4x?x64xf16>, %k: tensor<2x4x?x64xf16>,
                    %v: tensor<2x4x?x64xf16>) -> tensor<2x4x?x64xf16> {
  %o = effattn.quad_attention %q, %k, %v causal
      : (tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>, tensor<2x4x?x64xf16>)
      -> tensor<2x4x?x64xf16>
  return %o : tensor<2x4x?x64xf16>
}

func.func @mixed_chunk_f16(%qq: tensor<1x2x?x128xf16>, %kq: tensor<1x2x?x128xf16>,
                           %ql: tensor<1x2x?x128xf16>, %kl: tensor<1x2x?x128xf16>,
                           %v: tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 256 causal
      : (tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>,
         tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16>
  return %o : tensor<1x2x?x128xf16>
}

func.func @sparse_ffn_f16(%x: tensor<?x256xf16>, %cd: tensor<256x32xf16>,
                          %cu: tensor<32x1024xf16>, %cb: tensor<1024xf16>,
                          %w1: tensor<256x1024xf16>, %w2: tensor<1024x256xf16>)
    -> tensor<?x256xf16> {
  %y = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32
      : (tensor<?x256xf16>, tensor<256x32xf16>, tensor<32x1024xf16>,
         tensor<1024xf16>, tensor<256x1024xf16>, tensor<1024x256xf16>)
      -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}
