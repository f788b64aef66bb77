// A small model zoo that uses every effattn op: the example the README's
// Quick start compiles. Sequence lengths are dynamic where the op allows it;
// head dims, widths and weights' shapes are static.
//
//   effattn-opt examples/effattn_model.mlir

// A FLASH layer (the paper's setting: d = 256, e = 2d, s = 128, C = 128):
// T5-style relative bias inside each chunk, then one gated attention unit with
// mixed-chunk attention, causal.
func.func @flash_layer(%x: tensor<1x?x256xf32>, %w_u: tensor<256x512xf32>,
                       %w_v: tensor<256x512xf32>, %w_z: tensor<256x128xf32>,
                       %w_o: tensor<512x256xf32>, %gamma: tensor<4x128xf32>,
                       %beta: tensor<4x128xf32>, %rel: tensor<32xf32>)
    -> tensor<1x?x256xf32> {
  %bias = effattn.rel_pos_bias t5_buckets %rel bidirectional = false
      : (tensor<32xf32>) -> tensor<128x128xf32>
  %y = effattn.gau %x, %w_u, %w_v, %w_z, %w_o, %gamma, %beta bias(%bias)
      attention mixed_chunk chunk_size = 128 causal
      : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>,
         tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>,
         tensor<4x128xf32>, tensor<128x128xf32>) -> tensor<1x?x256xf32>
  return %y : tensor<1x?x256xf32>
}

// The same unit written out: offset_scale produces the four query/key
// variants of the shared representation z, then FLASH-Quad (with a Toeplitz
// bias over the whole sequence) and mixed-chunk attention side by side.
func.func @gau_parts(%z: tensor<1x1x256x128xbf16>, %v: tensor<1x1x256x512xbf16>,
                     %u: tensor<1x1x256x512xbf16>, %gamma: tensor<4x128xbf16>,
                     %beta: tensor<4x128xbf16>, %toeplitz: tensor<511xbf16>)
    -> (tensor<1x1x256x512xbf16>, tensor<1x1x256x512xbf16>) {
  %qq, %kq, %ql, %kl = effattn.offset_scale %z, %gamma, %beta
      : (tensor<1x1x256x128xbf16>, tensor<4x128xbf16>, tensor<4x128xbf16>)
      -> (tensor<1x1x256x128xbf16>, tensor<1x1x256x128xbf16>,
          tensor<1x1x256x128xbf16>, tensor<1x1x256x128xbf16>)
  %bias = effattn.rel_pos_bias toeplitz %toeplitz
      : (tensor<511xbf16>) -> tensor<256x256xbf16>
  %bias4 = tensor.expand_shape %bias [[0, 1, 2], [3]] output_shape [1, 1, 256, 256]
      : tensor<256x256xbf16> into tensor<1x1x256x256xbf16>
  %quad = effattn.quad_attention %qq, %kq, %v bias(%bias4) gate(%u) causal
      : (tensor<1x1x256x128xbf16>, tensor<1x1x256x128xbf16>,
         tensor<1x1x256x512xbf16>, tensor<1x1x256x256xbf16>,
         tensor<1x1x256x512xbf16>) -> tensor<1x1x256x512xbf16>
  %mixed = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v gate(%u)
      chunk_size = 64 causal activation laplace
      : (tensor<1x1x256x128xbf16>, tensor<1x1x256x128xbf16>,
         tensor<1x1x256x128xbf16>, tensor<1x1x256x128xbf16>,
         tensor<1x1x256x512xbf16>, tensor<1x1x256x512xbf16>)
      -> tensor<1x1x256x512xbf16>
  return %quad, %mixed : tensor<1x1x256x512xbf16>, tensor<1x1x256x512xbf16>
}

// A FLASH-Quad layer: GAU with quadratic attention, non-causal.
func.func @flash_quad_layer(%x: tensor<2x?x256xf32>, %w_u: tensor<256x512xf32>,
                            %w_v: tensor<256x512xf32>, %w_z: tensor<256x128xf32>,
                            %w_o: tensor<512x256xf32>, %gamma: tensor<2x128xf32>,
                            %beta: tensor<2x128xf32>, %b_o: tensor<256xf32>)
    -> tensor<2x?x256xf32> {
  %y = effattn.gau %x, %w_u, %w_v, %w_z, %w_o, %gamma, %beta b_o(%b_o)
      attention quad
      : (tensor<2x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>,
         tensor<256x128xf32>, tensor<512x256xf32>, tensor<2x128xf32>,
         tensor<2x128xf32>, tensor<256xf32>) -> tensor<2x?x256xf32>
  return %y : tensor<2x?x256xf32>
}

// The baseline: grouped-query softmax attention (8 query heads, 2 KV heads).
func.func @softmax_baseline(%q: tensor<1x8x?x64xf32>, %k: tensor<1x2x?x64xf32>,
                            %v: tensor<1x2x?x64xf32>) -> tensor<1x8x?x64xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x8x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>)
      -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}

// Performer decoding step: causal FAVOR+ attention that continues from a
// carried state and returns the state for the next step.
func.func @performer_step(%q: tensor<1x4x?x64xf32>, %k: tensor<1x4x?x64xf32>,
                          %v: tensor<1x4x?x64xf32>, %omega: tensor<128x64xf32>,
                          %state: tensor<1x4x128x64xf32>,
                          %normalizer: tensor<1x4x128xf32>)
    -> (tensor<1x4x?x64xf32>, tensor<1x4x128x64xf32>, tensor<1x4x128xf32>) {
  %o, %s, %z = effattn.linear_attention %q, %k, %v omega(%omega)
      state(%state) normalizer(%normalizer) causal feature_map favor
      chunk_size = 64
      : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>,
         tensor<128x64xf32>, tensor<1x4x128x64xf32>, tensor<1x4x128xf32>)
      -> (tensor<1x4x?x64xf32>, final_state tensor<1x4x128x64xf32>,
          final_normalizer tensor<1x4x128xf32>)
  return %o, %s, %z
      : tensor<1x4x?x64xf32>, tensor<1x4x128x64xf32>, tensor<1x4x128xf32>
}

// Linformer and FLuRKA over a 512-token encoder with rank 64.
func.func @lowrank(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>,
                   %v: tensor<1x8x512x64xf32>, %e: tensor<64x512xf32>,
                   %f: tensor<64x512xf32>)
    -> (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>) {
  %linformer = effattn.lowrank_attention %q, %k, %v, %e, %f
      : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>,
         tensor<64x512xf32>, tensor<64x512xf32>) -> tensor<1x8x512x64xf32>
  %flurka = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f
      : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>,
         tensor<64x512xf32>, tensor<64x512xf32>) -> tensor<1x8x512x64xf32>
  return %linformer, %flurka : tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>
}

// Shatter: single-head attention over 4 soft relative partitions.
func.func @shatter(%q: tensor<2x1x?x64xf32>, %k: tensor<2x1x?x64xf32>,
                   %v_parts: tensor<2x1x4x?x64xf32>,
                   %partition: tensor<4x1023xf32>) -> tensor<2x1x?x64xf32> {
  %o = effattn.partitioned_attention %q, %k, %v_parts, %partition
      : (tensor<2x1x?x64xf32>, tensor<2x1x?x64xf32>, tensor<2x1x4x?x64xf32>,
         tensor<4x1023xf32>) -> tensor<2x1x?x64xf32>
  return %o : tensor<2x1x?x64xf32>
}

// A Scaling Transformer block's cheap parts: the factored dense layer behind
// sparse QKV, and the sparse FFN (d = 512, Dff = 2048, N = 32).
func.func @scaling_block(%x: tensor<?x512xf32>, %d: tensor<512x8xf32>,
                         %e: tensor<512x64xf32>, %ctrl_down: tensor<512x64xf32>,
                         %ctrl_up: tensor<64x2048xf32>,
                         %ctrl_bias: tensor<2048xf32>, %w1: tensor<512x2048xf32>,
                         %w2: tensor<2048x512xf32>, %b1: tensor<2048xf32>,
                         %b2: tensor<512xf32>)
    -> (tensor<?x512xf32>, tensor<?x512xf32>, tensor<?x64xi32>) {
  %qkv = effattn.multiplicative_dense %x, %d, %e
      : (tensor<?x512xf32>, tensor<512x8xf32>, tensor<512x64xf32>)
      -> tensor<?x512xf32>
  %y, %selected = effattn.sparse_ffn %x, %ctrl_down, %ctrl_up, %ctrl_bias, %w1,
      %w2 b1(%b1) b2(%b2) block_size = 32
      : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>,
         tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>,
         tensor<2048xf32>, tensor<512xf32>)
      -> (tensor<?x512xf32>, tensor<?x64xi32>)
  return %qkv, %y, %selected
      : tensor<?x512xf32>, tensor<?x512xf32>, tensor<?x64xi32>
}
