func.func @gau_quad(%x: tensor<2x16x8xf32>, %wu: tensor<8x12xf32>, %wv: tensor<8x12xf32>, %wz: tensor<8x4xf32>, %wo: tensor<12x8xf32>, %g: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x16x8xf32> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b attention quad : (tensor<2x16x8xf32>, tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x4xf32>, tensor<12x8xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x16x8xf32>
  return %y : tensor<2x16x8xf32>
}

func.func @gau_quad_biases(%x: tensor<?x?x8xbf16>, %wu: tensor<8x12xbf16>, %wv: tensor<8x12xbf16>, %wz: tensor<8x4xbf16>, %wo: tensor<12x8xbf16>, %g: tensor<2x4xbf16>, %b: tensor<2x4xbf16>, %bu: tensor<12xbf16>, %bv: tensor<12xbf16>, %bz: tensor<4xbf16>, %bo: tensor<8xbf16>, %rel: tensor<?x?xbf16>) -> tensor<?x?x8xbf16> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b b_u(%bu) b_v(%bv) b_z(%bz) b_o(%bO) bias(%rel) attention quad causal activation laplace scale_mode outside scale = 0.25 : (tensor<?x?x8xbf16>, tensor<8x12xbf16>, tensor<8x12xbf16>, tensor<8x4xbf16>, tensor<12x8xbf16>, tensor<2x4xbf16>, tensor<2x4xbf16>, tensor<12xbf16>, tensor<12xbf16>, tensor<4xbf16>, tensor<8xbf16>, tensor<?x?xbf16>) -> tensor<?x?x8xbf16>
  return %y : tensor<?x?x8xbf16>
}

func.func @gau_mixed_chunk(%x: tensor<1x?x8xf32>, %wu: tensor<8x12xf32>, %wv: tensor<8x12xf32>, %wz: tensor<8x4xf32>, %wo: tensor<12x8xf32                                                  >, %g: tensor<4x4xf32>, %b: tensor<4x4xf32>, %rel: tensor<8x8xf32>) -> tensor<1x?x8xf32> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b bias(%rel) attention mixed_chunk chunk_size = 8 causal activation laplace scale = 0.5 lin_scale_mode inverse_chunk lin_scale = 2.0 : (tensor<1x?x8xf32>, tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x4xf32>, tensor<12x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<8x8xf32>) -> tensor<1x?x8xf32>
  return %y : tensor<1x?x8xf32>
}

func.func @gau_mixed_chunk_defaults(%x: tensor<2x10x8xf32>, %wu: tensor<8x12xf32>, %wv: tensor<8x12xf32>, %wz: tensor<8x4xf32>, %wo: tensor<12x8xf32>, %g: tensor<4x4xf32>, %b: tensor<4x4xf32>, %bu: tensor<12xf32>, %bo: tensor<8xf32>) -> tensor<2x10x8xf32> {
  %y = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %b b_u(%bu) b_o(%bo) attention mixed_chunk chunk_size = 4 : (tensor<2x10x8xf32>, tensor<8x12xf32>, tensor<8x12xf32>, tensor<8x4xf32>, tensor<12x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<12xf32>, tensor<8xf32>) -> tensor<2x10x8xf32>
  return %y : tensor<2x10x8xf32>
}

func.func @lowrank_static(%q: tensor<1x8x32x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x8xf32>, %e: tensor<4x64xf32>, %f: tensor<4x64xf32>) -> tensor<1x8x32x8xf32> {
  %o = effattn.lowrank_attention %q, %k, %v, %e, %f : (tensor<1x8x32x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x8xf32>, tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<1x8x32x8xf32>
  return %o : tensor<1x8x32x8xf32>
}

func.func @lowrank_dynamic(%q: tensor<?x4x?x16xf16>, %k: tensor<?x4x?x16xf16>, %v: tensor<?x4x?x8xf16>, %e: tensor<4x128xf16>, %f: tensor<4x128xf16>) -> tensor<?x4x?x8xf16> {
  %o = effattn.lowrank_attention %q, %k, %v, %e, %f scale = 0.125 : (tensor<?x4x?x16xf16>, tensor<?x4x?x16xf16>, tensor<?x4x?x8xf16>, tensor<4x128xf16>, tensor<4x128xf16>) -> tensor<?x4x?x8xf16>
  return %o : tensor<?x4x?x8xf16>
}

func.func @lowrank_kernel_favor(%q: tensor<2x4x32x16xf32>, %k: tensor<2x4x64x16xf32>, %v: tensor<2x4x64x8xf32>, %e: tensor<4x64xf32>, %f: tensor<4x64xf32>, %w: tensor<32x16xf32>) -> tensor<2x4x32x8xf32> {
  %o = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f omega(%w) feature_map favor eps = 1.0e-3 scale = 0.5 : (tensor<2x4x32x16xf32>, tensor<2x4x64x16xf32>, tensor<2x4x64x8xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<32x16xf32>) -> tensor<2x4x32x8xf32>
  return %o : tensor<2x4x32x8xf32>
}

func.func @lowrank_kernel_dynamic(%q: tensor<1x4x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x8xf32>, %e: tensor<4x100xf32>, %f: tensor<4x100xf32>) -> tensor<1x4x?x8xf32> {
  %o = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f feature_map relu : (tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>, tensor<4x100xf32>, tensor<4x100xf32>) -> tensor<1x4x?x8xf32>
  return %o : tensor<1x4x?x8xf32>
}
