//===- Utils.h - shared builders of the effattn to linalg lowering -*- C++ -*-//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// Small builders every reference lowering uses: sizes of (possibly dynamic)
// tensors, f32 accumulators, scalar casts in region bodies, and a one-result
// linalg.generic.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_UTILS_H
#define EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_UTILS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::effattn::lowering {

/// The sizes of `tensor`: attributes for static dims, `tensor.dim` otherwise.
SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value tensor);

/// The size of dim `dim` of `tensor` as an index value.
Value getDimValue(OpBuilder &b, Location loc, Value tensor, int64_t dim);

/// `tensor.empty` of the given shape and element type.
Value createEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> shape,
                  Type elementType);

/// A tensor of the given shape filled with the float `value`.
Value createFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> shape,
                   Type elementType, double value);

/// Extends a scalar float to f32 (no-op for f32).
Value toF32(OpBuilder &b, Location loc, Value scalar);

/// Converts an f32 scalar to `type` (no-op for f32).
Value fromF32(OpBuilder &b, Location loc, Value scalar, Type type);

/// An f32 constant.
Value f32Const(OpBuilder &b, Location loc, double value);

/// The body of a one-result linalg.generic: the block arguments (inputs, then
/// the output's current value) in, the value to yield out.
using GenericBody =
    llvm::function_ref<Value(OpBuilder &b, Location loc, ValueRange args)>;

/// Builds a one-result linalg.generic over `init`, with one indexing map per
/// input plus one for `init`, given as affine expressions over `numLoops`
/// loop dims.
Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs, Value init,
                   unsigned numLoops,
                   ArrayRef<SmallVector<AffineExpr>> indexing,
                   ArrayRef<utils::IteratorType> iterators, GenericBody body);

/// `d0 ... d{n-1}` expressions.
SmallVector<AffineExpr> dims(MLIRContext *ctx, ArrayRef<unsigned> positions);

/// Expressions indexing an operand of attention layout `[B, H|1, ...]` that
/// may broadcast: a static size-1 dim where the full tensor can differ reads
/// index 0.
SmallVector<AffineExpr> broadcastExprs(Value operand,
                                       ArrayRef<AffineExpr> exprs);

/// The integer `H / Hk` of grouped-query attention, or failure when it is not
/// known statically (a dynamic head count, unless both are the same static
/// size).
FailureOr<int64_t> getHeadGroup(Value q, Value k);

/// Reports, once per op, what the reference lowering cannot lower (today:
/// grouped-query attention with dynamic head counts). Returns failure if any.
LogicalResult checkLowerable(Operation *root);

/// `shape` with every constant size as an attribute: sizes folded from
/// tensor.dim come back as constant values, which reshapes would otherwise
/// count as dynamic.
SmallVector<OpFoldResult> foldSizes(OpBuilder &b, ArrayRef<OpFoldResult> shape);

/// `value` with the type `type` (a tensor.cast when only static sizes differ).
Value castTo(OpBuilder &b, Location loc, Value value, Type type);

} // namespace mlir::effattn::lowering

#endif // EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_UTILS_H
