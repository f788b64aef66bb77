//===- FeedForwardUtils.h - builders shared by the sparse FFN ---*- C++ -*-===//
//-*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// What the reference lowering of sparse_ffn (FeedForward.cpp) and its
// schedule (ScheduleFeedForward.cpp) build the same way: f32 contractions
// over batch loops, the per-block argmax of the controller and the global
// unit index. The batch dims of `x : [batch..., D]` stay loops of every
// linalg.generic rather than being collapsed (see FeedForward.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_FEEDFORWARDUTILS_H
#define EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_FEEDFORWARDUTILS_H

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/Builders.h"

namespace mlir::effattn::lowering {

/// An f32 accumulator of the given shape: zeros, or `vec` (1-D, indexed by the
/// last loop) broadcast over the leading dims.
Value accumulatorF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> shape,
                     Value vec);

/// `init + sum lhs * rhs` over the reduction loops, in f32.
Value contractF32(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init,
                  unsigned numLoops, ArrayRef<SmallVector<AffineExpr>> indexing,
                  ArrayRef<utils::IteratorType> iterators);

/// `acc` (f32) converted to `elementType` element-wise.
Value convertFromF32(OpBuilder &b, Location loc, Value acc, Type elementType);

/// `d0 ... d{n-1}` followed by `extra`: the batch loops of an op on
/// `[batch..., X]` operands, then the op's own loops.
SmallVector<AffineExpr> batchExprs(MLIRContext *ctx, unsigned batchRank,
                                   ArrayRef<unsigned> extra);

/// `init + vec mat` for `vec : [batch..., In]`, `mat : [In, Out]` and
/// `init : [batch..., Out]` (f32), over the loops (batch..., out, in).
Value vecMatF32(OpBuilder &b, Location loc, Value vec, Value mat, Value init);

/// The number of blocks `Dff / block_size` of `op`, or an error on the op
/// when `block_size` does not divide a static Dff.
FailureOr<int64_t> getSparseFFNBlocks(SparseFFNOp op);

/// The per-block argmax of the controller logits `blocks : [batch..., Dff/N,
/// N]` (f32): the local index n of each block's maximum, the lowest n on
/// ties, `[batch..., Dff/N]` of i32. `batch` holds the batch sizes.
Value buildBlockArgmax(OpBuilder &b, Location loc, Value blocks,
                       ArrayRef<OpFoldResult> batch, int64_t numBlocks);

/// The global unit indices `b * N + n` of the local indices `localIndex :
/// [batch..., Dff/N]` (i32), of the same shape and type.
Value buildGlobalUnits(OpBuilder &b, Location loc, Value localIndex,
                       ArrayRef<OpFoldResult> batch, int64_t numBlocks,
                       int64_t blockSize);

} // namespace mlir::effattn::lowering

#endif // EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_FEEDFORWARDUTILS_H
