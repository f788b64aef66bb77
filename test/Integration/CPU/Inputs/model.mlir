// Multi-op functions for `effattn-run --random-inputs --check` (cli.test).
// Sequence lengths are dynamic (set by --dynamic-size); everything else is
// small and static.

// A FLASH block: a causal T5 bias inside each chunk, one gated attention unit
// with mixed-chunk attention, and the quadratic variant beside it.
func.func @flash_block(%x: tensor<1x?x32xf32>, %w_u: tensor<32x48xf32>,
                       %w_v: tensor<32x48xf32>, %w_z: tensor<32x16xf32>,
                       %w_o: tensor<48x32xf32>, %gamma4: tensor<4x16xf32>,
                       %beta4: tensor<4x16xf32>, %gamma2: tensor<2x16xf32>,
                       %beta2: tensor<2x16xf32>, %rel: tensor<16xf32>)
    -> (tensor<1x?x32xf32>, tensor<1x?x32xf32>) {
  %bias = effattn.rel_pos_bias t5_buckets %rel bidirectional = false
      : (tensor<16xf32>) -> tensor<8x8xf32>
  %mixed = effattn.gau %x, %w_u, %w_v, %w_z, %w_o, %gamma4, %beta4 bias(%bias)
      attention mixed_chunk chunk_size = 8 causal
      : (tensor<1x?x32xf32>, tensor<32x48xf32>, tensor<32x48xf32>,
         tensor<32x16xf32>, tensor<48x32xf32>, tensor<4x16xf32>,
         tensor<4x16xf32>, tensor<8x8xf32>) -> tensor<1x?x32xf32>
  %quad = effattn.gau %x, %w_u, %w_v, %w_z, %w_o, %gamma2, %beta2
      attention quad causal
      : (tensor<1x?x32xf32>, tensor<32x48xf32>, tensor<32x48xf32>,
         tensor<32x16xf32>, tensor<48x32xf32>, tensor<2x16xf32>,
         tensor<2x16xf32>) -> tensor<1x?x32xf32>
  return %mixed, %quad : tensor<1x?x32xf32>, tensor<1x?x32xf32>
}

// The attention ops side by side on one shared representation, chained:
// offset_scale feeds quad, mixed-chunk, softmax and linear attention, and the
// softmax output is added to the linear one.
func.func @attention_mix(%z: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x24xf32>,
                         %gamma: tensor<4x16xf32>, %beta: tensor<4x16xf32>)
    -> (tensor<1x2x?x24xf32>, tensor<1x2x?x24xf32>, tensor<1x2x?x24xf32>) {
  %qq, %kq, %ql, %kl = effattn.offset_scale %z, %gamma, %beta
      : (tensor<1x2x?x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>)
      -> (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>,
          tensor<1x2x?x16xf32>)
  %quad = effattn.quad_attention %qq, %kq, %v causal
      : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x24xf32>)
      -> tensor<1x2x?x24xf32>
  %mixed = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v
      chunk_size = 8 causal
      : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>,
         tensor<1x2x?x16xf32>, tensor<1x2x?x24xf32>) -> tensor<1x2x?x24xf32>
  %soft = effattn.softmax_attention %qq, %kq, %v causal
      : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x24xf32>)
      -> tensor<1x2x?x24xf32>
  %lin = effattn.linear_attention %ql, %kl, %soft causal
      : (tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x24xf32>)
      -> (tensor<1x2x?x24xf32>)
  return %quad, %mixed, %lin
      : tensor<1x2x?x24xf32>, tensor<1x2x?x24xf32>, tensor<1x2x?x24xf32>
}

// Scaling Transformer parts: the factored dense layer feeding the sparse FFN.
func.func @scaling_block(%x: tensor<?x32xf32>, %d: tensor<32x4xf32>,
                         %e: tensor<32x8xf32>, %ctrl_down: tensor<32x8xf32>,
                         %ctrl_up: tensor<8x64xf32>, %ctrl_bias: tensor<64xf32>,
                         %w1: tensor<32x64xf32>, %w2: tensor<64x32xf32>,
                         %b1: tensor<64xf32>, %b2: tensor<32xf32>)
    -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %h = effattn.multiplicative_dense %x, %d, %e
      : (tensor<?x32xf32>, tensor<32x4xf32>, tensor<32x8xf32>)
      -> tensor<?x32xf32>
  %y = effattn.sparse_ffn %h, %ctrl_down, %ctrl_up, %ctrl_bias, %w1, %w2
      b1(%b1) b2(%b2) block_size = 8
      : (tensor<?x32xf32>, tensor<32x8xf32>, tensor<8x64xf32>, tensor<64xf32>,
         tensor<32x64xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<32xf32>)
      -> tensor<?x32xf32>
  return %h, %y : tensor<?x32xf32>, tensor<?x32xf32>
}

// Low-rank and partitioned attention in bf16.
func.func @lowrank_bf16(%q: tensor<1x4x?x32xbf16>, %k: tensor<1x2x48x32xbf16>,
                        %v: tensor<1x2x48x16xbf16>, %e: tensor<16x48xbf16>,
                        %f: tensor<16x48xbf16>, %vp: tensor<1x4x2x?x16xbf16>,
                        %pi: tensor<2x127xbf16>)
    -> (tensor<1x4x?x16xbf16>, tensor<1x4x?x16xbf16>, tensor<1x4x?x16xbf16>) {
  %lin = effattn.lowrank_attention %q, %k, %v, %e, %f
      : (tensor<1x4x?x32xbf16>, tensor<1x2x48x32xbf16>, tensor<1x2x48x16xbf16>,
         tensor<16x48xbf16>, tensor<16x48xbf16>) -> tensor<1x4x?x16xbf16>
  %flurka = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f feature_map relu
      : (tensor<1x4x?x32xbf16>, tensor<1x2x48x32xbf16>, tensor<1x2x48x16xbf16>,
         tensor<16x48xbf16>, tensor<16x48xbf16>) -> tensor<1x4x?x16xbf16>
  %part = effattn.partitioned_attention %q, %q, %vp, %pi causal
      : (tensor<1x4x?x32xbf16>, tensor<1x4x?x32xbf16>, tensor<1x4x2x?x16xbf16>,
         tensor<2x127xbf16>) -> tensor<1x4x?x16xbf16>
  return %lin, %flurka, %part
      : tensor<1x4x?x16xbf16>, tensor<1x4x?x16xbf16>, tensor<1x4x?x16xbf16>
}
