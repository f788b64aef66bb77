// Input of tensor-core-gates.test: one function per shipped tensor-core
// configuration of lib/Tuning/defaults.json (target gpu, dtype f16, then the
// same choices for dtype bf16).

// softmax_attention: 4 warps, 2 stages.
func.func @softmax(%q: tensor<2x8x?x64xf16>, %k: tensor<2x8x?x64xf16>,
                   %v: tensor<2x8x?x64xf16>) -> tensor<2x8x?x64xf16> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<2x8x?x64xf16>, tensor<2x8x?x64xf16>, tensor<2x8x?x64xf16>)
      -> tensor<2x8x?x64xf16>
  return %o : tensor<2x8x?x64xf16>
}

// quad_attention: 4 warps, 2 stages.
func.func @quad(%q: tensor<2x4x?x128xf16>, %k: tensor<2x4x?x128xf16>,
                %v: tensor<2x4x?x128xf16>) -> tensor<2x4x?x128xf16> {
  %o = effattn.quad_attention %q, %k, %v
      : (tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>, tensor<2x4x?x128xf16>)
      -> tensor<2x4x?x128xf16>
  return %o : tensor<2x4x?x128xf16>
}

// mixed_chunk_attention, chunks of 64: 4 warps, 2 stages.
func.func @mixed_chunk_c64(%qq: tensor<1x2x?x128xf16>, %kq: tensor<1x2x?x128xf16>,
                          %ql: tensor<1x2x?x128xf16>, %kl: tensor<1x2x?x128xf16>,
                          %v: tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 64 causal
      : (tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>,
         tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16>
  return %o : tensor<1x2x?x128xf16>
}

// mixed_chunk_attention, chunks of 128: 8 warps, 2 stages.
func.func @mixed_chunk_c128(%qq: tensor<1x2x?x128xf16>, %kq: tensor<1x2x?x128xf16>,
                          %ql: tensor<1x2x?x128xf16>, %kl: tensor<1x2x?x128xf16>,
                          %v: tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 128 causal
      : (tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>,
         tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16>
  return %o : tensor<1x2x?x128xf16>
}

// mixed_chunk_attention, chunks of 256: 8 warps, 3 stages.
func.func @mixed_chunk_c256(%qq: tensor<1x2x?x128xf16>, %kq: tensor<1x2x?x128xf16>,
                          %ql: tensor<1x2x?x128xf16>, %kl: tensor<1x2x?x128xf16>,
                          %v: tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 256 causal
      : (tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>,
         tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16>
  return %o : tensor<1x2x?x128xf16>
}

// mixed_chunk_attention, chunks of 512: 8 warps, 3 stages.
func.func @mixed_chunk_c512(%qq: tensor<1x2x?x128xf16>, %kq: tensor<1x2x?x128xf16>,
                          %ql: tensor<1x2x?x128xf16>, %kl: tensor<1x2x?x128xf16>,
                          %v: tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 512 causal
      : (tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>,
         tensor<1x2x?x128xf16>, tensor<1x2x?x128xf16>) -> tensor<1x2x?x128xf16>
  return %o : tensor<1x2x?x128xf16>
}

// sparse_ffn: 4 warps, 2 stages.
func.func @sparse_ffn(%x: tensor<?x256xf16>, %cd: tensor<256x32xf16>,
                      %cu: tensor<32x1024xf16>, %cb: tensor<1024xf16>,
                      %w1: tensor<256x1024xf16>, %w2: tensor<1024x256xf16>)
    -> tensor<?x256xf16> {
  %y = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32
      : (tensor<?x256xf16>, tensor<256x32xf16>, tensor<32x1024xf16>,
         tensor<1024xf16>, tensor<256x1024xf16>, tensor<1024x256xf16>)
      -> tensor<?x256xf16>
  return %y : tensor<?x256xf16>
}

// The bf16 entries: the same choices.

// softmax_attention: 4 warps, 2 stages.
func.func @softmax_bf16(%q: tensor<2x8x?x64xbf16>, %k: tensor<2x8x?x64xbf16>,
                   %v: tensor<2x8x?x64xbf16>) -> tensor<2x8x?x64xbf16> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<2x8x?x64xbf16>, tensor<2x8x?x64xbf16>, tensor<2x8x?x64xbf16>)
      -> tensor<2x8x?x64xbf16>
  return %o : tensor<2x8x?x64xbf16>
}

// quad_attention: 4 warps, 2 stages.
func.func @quad_bf16(%q: tensor<2x4x?x128xbf16>, %k: tensor<2x4x?x128xbf16>,
                %v: tensor<2x4x?x128xbf16>) -> tensor<2x4x?x128xbf16> {
  %o = effattn.quad_attention %q, %k, %v
      : (tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>, tensor<2x4x?x128xbf16>)
      -> tensor<2x4x?x128xbf16>
  return %o : tensor<2x4x?x128xbf16>
}

// mixed_chunk_attention, chunks of 64: 4 warps, 2 stages.
func.func @mixed_chunk_c64_bf16(%qq: tensor<1x2x?x128xbf16>, %kq: tensor<1x2x?x128xbf16>,
                          %ql: tensor<1x2x?x128xbf16>, %kl: tensor<1x2x?x128xbf16>,
                          %v: tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 64 causal
      : (tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>,
         tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16>
  return %o : tensor<1x2x?x128xbf16>
}

// mixed_chunk_attention, chunks of 128: 8 warps, 2 stages.
func.func @mixed_chunk_c128_bf16(%qq: tensor<1x2x?x128xbf16>, %kq: tensor<1x2x?x128xbf16>,
                          %ql: tensor<1x2x?x128xbf16>, %kl: tensor<1x2x?x128xbf16>,
                          %v: tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 128 causal
      : (tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>,
         tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16>
  return %o : tensor<1x2x?x128xbf16>
}

// mixed_chunk_attention, chunks of 256: 8 warps, 3 stages.
func.func @mixed_chunk_c256_bf16(%qq: tensor<1x2x?x128xbf16>, %kq: tensor<1x2x?x128xbf16>,
                          %ql: tensor<1x2x?x128xbf16>, %kl: tensor<1x2x?x128xbf16>,
                          %v: tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 256 causal
      : (tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>,
         tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16>
  return %o : tensor<1x2x?x128xbf16>
}

// mixed_chunk_attention, chunks of 512: 8 warps, 3 stages.
func.func @mixed_chunk_c512_bf16(%qq: tensor<1x2x?x128xbf16>, %kq: tensor<1x2x?x128xbf16>,
                          %ql: tensor<1x2x?x128xbf16>, %kl: tensor<1x2x?x128xbf16>,
                          %v: tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 512 causal
      : (tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>,
         tensor<1x2x?x128xbf16>, tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16>
  return %o : tensor<1x2x?x128xbf16>
}

// sparse_ffn: 4 warps, 2 stages.
func.func @sparse_ffn_bf16(%x: tensor<?x256xbf16>, %cd: tensor<256x32xbf16>,
                      %cu: tensor<32x1024xbf16>, %cb: tensor<1024xbf16>,
                      %w1: tensor<256x1024xbf16>, %w2: tensor<1024x256xbf16>)
    -> tensor<?x256xbf16> {
  %y = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32
      : (tensor<?x256xbf16>, tensor<256x32xbf16>, tensor<32x1024xbf16>,
         tensor<1024xbf16>, tensor<256x1024xbf16>, tensor<1024x256xbf16>)
      -> tensor<?x256xbf16>
  return %y : tensor<?x256xbf16>
}
