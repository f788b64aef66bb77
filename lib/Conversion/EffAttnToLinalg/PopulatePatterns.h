//===- PopulatePatterns.h - effattn to linalg, per op family ----*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The reference lowering is split by op family, one file each. Every pattern
// is an OpRewritePattern that replaces one effattn op by linalg on tensors
// computing exactly the formula of the op's description:
//
//   1. read the sizes (static or tensor.dim) and f32 accumulators,
//   2. build the dense intermediate tensors (scores, masks, states) with
//      linalg.generic, every reduction in f32,
//   3. convert back to the op's element type and replace.
//
// A pattern that cannot lower an op it matched (e.g. dynamic head counts for
// grouped-query attention) emits an error on the op and fails.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_POPULATEPATTERNS_H
#define EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_POPULATEPATTERNS_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::effattn::lowering {

/// softmax_attention, quad_attention, partitioned_attention.
void populateAttentionPatterns(RewritePatternSet &patterns);

/// mixed_chunk_attention, linear_attention.
void populateKernelAttentionPatterns(RewritePatternSet &patterns);

/// sparse_ffn, multiplicative_dense.
void populateFeedForwardPatterns(RewritePatternSet &patterns);

/// offset_scale, rel_pos_bias.
void populateLayerPartPatterns(RewritePatternSet &patterns);

} // namespace mlir::effattn::lowering

#endif // EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_POPULATEPATTERNS_H
