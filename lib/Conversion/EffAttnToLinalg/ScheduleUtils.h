//===- ScheduleUtils.h - loops and slices of the schedules ------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_SCHEDULEUTILS_H
#define EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_SCHEDULEUTILS_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::effattn::lowering {

/// The body of a tile loop: the tile's first row, its size (the last tile
/// may be partial) and the loop-carried values in, the updated values out.
using TileBody = llvm::function_ref<SmallVector<Value>(
    OpBuilder &b, Location loc, Value start, Value size, ValueRange iter)>;

/// for (start = lb; start < ub; start += step), size = min(step, ub - start),
/// carrying `init`. Returns the final carried values.
SmallVector<Value> buildTileLoop(OpBuilder &b, Location loc, Value lb, Value ub,
                                 int64_t step, ValueRange init, TileBody body);

/// `tensor[..., start : start + size, ...]` along dimension `dim`.
Value sliceDim(OpBuilder &b, Location loc, Value tensor, int64_t dim,
               OpFoldResult start, OpFoldResult size);

/// Inserts `tile` into `dest` at `start` along dimension `dim`.
Value insertDim(OpBuilder &b, Location loc, Value tile, Value dest, int64_t dim,
                OpFoldResult start);

/// min(max(value, lo), hi) on index values.
Value clampIndex(OpBuilder &b, Location loc, Value value, Value lo, Value hi);

/// An index constant.
Value indexConst(OpBuilder &b, Location loc, int64_t value);

/// An element-wise linalg.generic over tensors of rank `rank`: `inputs` are
/// read through `maps` (one per input; the output uses the identity).
Value buildElementwise(
    OpBuilder &b, Location loc, ValueRange inputs,
    ArrayRef<SmallVector<AffineExpr>> maps, Value init,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body);

} // namespace mlir::effattn::lowering

#endif // EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_SCHEDULEUTILS_H
