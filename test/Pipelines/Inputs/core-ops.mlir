// Every core effattn op (and gau, which decomposes into them) with a dynamic
// sequence length, in f32, f16 and bf16: the input of the effattn-to-nvvm
// tests. One function per op and variant; one compiled artifact serves every
// runtime T.

func.func @softmax_f16(%q: tensor<2x8x?x64xf16>, %k: tensor<2x2x?x64xf16>,
                       %v: tensor<2x2x?x64xf16>) -> tensor<2x8x?x64xf16> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<2x8x?x64xf16>, tensor<2x2x?x64xf16>, tensor<2x2x?x64xf16>)
      -> tensor<2x8x?x64xf16>
  return %o : tensor<2x8x?x64xf16>
}

func.func @softmax_bf16_bias(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x4x?x64xbf16>,
                             %v: tensor<1x4x?x32xbf16>,
                             %bias: tensor<1x1x?x?xbf16>)
    -> tensor<1x4x?x32xbf16> {
  %o = effattn.softmax_attention %q, %k, %v bias(%bias)
      : (tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x32xbf16>,
         tensor<1x1x?x?xbf16>) -> tensor<1x4x?x32xbf16>
  return %o : tensor<1x4x?x32xbf16>
}

func.func @quad_bf16(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                     %v: tensor<1x2x?x128xbf16>, %gate: tensor<1x2x?x128xbf16>)
    -> tensor<1x2x?x128xbf16> {
  %o = effattn.quad_attention %q, %k, %v gate(%gate) causal
      : (tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x128xbf16>,
         tensor<1x2x?x128xbf16>) -> tensor<1x2x?x128xbf16>
  return %o : tensor<1x2x?x128xbf16>
}

func.func @quad_f32_laplace(%q: tensor<1x1x?x64xf32>, %k: tensor<1x1x?x64xf32>,
                            %v: tensor<1x1x?x64xf32>) -> tensor<1x1x?x64xf32> {
  %o = effattn.quad_attention %q, %k, %v activation laplace
      scale_mode outside scale = 0.5
      : (tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>)
      -> tensor<1x1x?x64xf32>
  return %o : tensor<1x1x?x64xf32>
}

func.func @mixed_chunk_f32(%qq: tensor<1x1x?x64xf32>, %kq: tensor<1x1x?x64xf32>,
                           %ql: tensor<1x1x?x64xf32>, %kl: tensor<1x1x?x64xf32>,
                           %v: tensor<1x1x?x128xf32>,
                           %gate: tensor<1x1x?x128xf32>,
                           %bias: tensor<64x64xf32>) -> tensor<1x1x?x128xf32> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v gate(%gate)
      bias(%bias) chunk_size = 64 causal activation laplace
      : (tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>,
         tensor<1x1x?x64xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>,
         tensor<64x64xf32>) -> tensor<1x1x?x128xf32>
  return %o : tensor<1x1x?x128xf32>
}

func.func @mixed_chunk_bf16(%qq: tensor<2x1x?x64xbf16>, %kq: tensor<2x1x?x64xbf16>,
                            %ql: tensor<2x1x?x64xbf16>, %kl: tensor<2x1x?x64xbf16>,
                            %v: tensor<2x1x?x64xbf16>) -> tensor<2x1x?x64xbf16> {
  %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v chunk_size = 128
      : (tensor<2x1x?x64xbf16>, tensor<2x1x?x64xbf16>, tensor<2x1x?x64xbf16>,
         tensor<2x1x?x64xbf16>, tensor<2x1x?x64xbf16>) -> tensor<2x1x?x64xbf16>
  return %o : tensor<2x1x?x64xbf16>
}

func.func @linear_causal_f16(%q: tensor<1x8x?x64xf16>, %k: tensor<1x2x?x64xf16>,
                             %v: tensor<1x2x?x64xf16>)
    -> (tensor<1x8x?x64xf16>, tensor<1x2x64x64xf16>, tensor<1x2x64xf16>) {
  %o, %s, %z = effattn.linear_attention %q, %k, %v causal chunk_size = 32
      : (tensor<1x8x?x64xf16>, tensor<1x2x?x64xf16>, tensor<1x2x?x64xf16>)
      -> (tensor<1x8x?x64xf16>, final_state tensor<1x2x64x64xf16>,
          final_normalizer tensor<1x2x64xf16>)
  return %o, %s, %z
      : tensor<1x8x?x64xf16>, tensor<1x2x64x64xf16>, tensor<1x2x64xf16>
}

func.func @linear_favor_f32(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>,
                            %v: tensor<1x4x?x64xf32>, %omega: tensor<128x64xf32>)
    -> tensor<1x4x?x64xf32> {
  %o = effattn.linear_attention %q, %k, %v omega(%omega) feature_map favor
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>,
         tensor<128x64xf32>) -> (tensor<1x4x?x64xf32>)
  return %o : tensor<1x4x?x64xf32>
}

func.func @lowrank_f32(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>,
                       %v: tensor<1x4x?x64xf32>, %e: tensor<32x512xf32>,
                       %f: tensor<32x512xf32>) -> tensor<1x4x?x64xf32> {
  %o = effattn.lowrank_attention %q, %k, %v, %e, %f
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>,
         tensor<32x512xf32>, tensor<32x512xf32>) -> tensor<1x4x?x64xf32>
  return %o : tensor<1x4x?x64xf32>
}

func.func @lowrank_kernel_bf16(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x4x?x64xbf16>,
                               %v: tensor<1x4x?x64xbf16>, %e: tensor<32x512xbf16>,
                               %f: tensor<32x512xbf16>) -> tensor<1x4x?x64xbf16> {
  %o = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f
      : (tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>,
         tensor<32x512xbf16>, tensor<32x512xbf16>) -> tensor<1x4x?x64xbf16>
  return %o : tensor<1x4x?x64xbf16>
}

func.func @partitioned_f32(%q: tensor<2x1x?x64xf32>, %k: tensor<2x1x?x64xf32>,
                           %vp: tensor<2x1x4x?x32xf32>, %pi: tensor<4x1023xf32>)
    -> tensor<2x1x?x32xf32> {
  %o = effattn.partitioned_attention %q, %k, %vp, %pi causal
      : (tensor<2x1x?x64xf32>, tensor<2x1x?x64xf32>, tensor<2x1x4x?x32xf32>,
         tensor<4x1023xf32>) -> tensor<2x1x?x32xf32>
  return %o : tensor<2x1x?x32xf32>
}

func.func @sparse_ffn_f16(%x: tensor<?x256xf16>, %cd: tensor<256x32xf16>,
                          %cu: tensor<32x1024xf16>, %cb: tensor<1024xf16>,
                          %w1: tensor<256x1024xf16>, %w2: tensor<1024x256xf16>,
                          %b1: tensor<1024xf16>, %b2: tensor<256xf16>)
    -> (tensor<?x256xf16>, tensor<?x32xi32>) {
  %y, %sel = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 b1(%b1) b2(%b2)
      block_size = 32
      : (tensor<?x256xf16>, tensor<256x32xf16>, tensor<32x1024xf16>,
         tensor<1024xf16>, tensor<256x1024xf16>, tensor<1024x256xf16>,
         tensor<1024xf16>, tensor<256xf16>) -> (tensor<?x256xf16>, tensor<?x32xi32>)
  return %y, %sel : tensor<?x256xf16>, tensor<?x32xi32>
}

func.func @gau_f32(%x: tensor<1x?x128xf32>, %w_u: tensor<128x256xf32>,
                   %w_v: tensor<128x256xf32>, %w_z: tensor<128x64xf32>,
                   %w_o: tensor<256x128xf32>, %gamma: tensor<4x64xf32>,
                   %beta: tensor<4x64xf32>) -> tensor<1x?x128xf32> {
  %y = effattn.gau %x, %w_u, %w_v, %w_z, %w_o, %gamma, %beta
      attention mixed_chunk chunk_size = 64 causal
      : (tensor<1x?x128xf32>, tensor<128x256xf32>, tensor<128x256xf32>,
         tensor<128x64xf32>, tensor<256x128xf32>, tensor<4x64xf32>,
         tensor<4x64xf32>) -> tensor<1x?x128xf32>
  return %y : tensor<1x?x128xf32>
}
