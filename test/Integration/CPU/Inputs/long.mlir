// Long-sequence functions for peak-memory.test: with T = 65536 one [T, T]
// f32 tensor is 16 GiB, so each runs only if its schedule never forms one.

func.func @mixed_chunk_causal(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.mixed_chunk_attention %q, %q, %q, %q, %v chunk_size = 128 causal
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

func.func @mixed_chunk(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.mixed_chunk_attention %q, %q, %q, %q, %v chunk_size = 256
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

func.func @linear_causal(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.linear_attention %q, %q, %v causal
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> (tensor<1x1x?x16xf32>)
  return %o : tensor<1x1x?x16xf32>
}

func.func @linear(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.linear_attention %q, %q, %v feature_map relu
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> (tensor<1x1x?x16xf32>)
  return %o : tensor<1x1x?x16xf32>
}

func.func @lowrank(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>, %e: tensor<32x65536xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.lowrank_attention %q, %q, %v, %e, %e
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<32x65536xf32>, tensor<32x65536xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

func.func @lowrank_kernel(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>, %e: tensor<32x65536xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.lowrank_kernel_attention %q, %q, %v, %e, %e
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<32x65536xf32>, tensor<32x65536xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

// The quadratic-time ops, tiled: still no [T, T] (or [P, T, T]) tensor.
func.func @softmax_causal(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.softmax_attention %q, %q, %v causal
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

func.func @quad_causal(%q: tensor<1x1x?x16xf32>, %v: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.quad_attention %q, %q, %v causal
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}

func.func @partitioned(%q: tensor<1x1x?x16xf32>, %vp: tensor<1x1x2x?x16xf32>, %pi: tensor<2x32767xf32>) -> tensor<1x1x?x16xf32> {
  %o = effattn.partitioned_attention %q, %q, %vp, %pi causal
      : (tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x2x?x16xf32>, tensor<2x32767xf32>) -> tensor<1x1x?x16xf32>
  return %o : tensor<1x1x?x16xf32>
}
