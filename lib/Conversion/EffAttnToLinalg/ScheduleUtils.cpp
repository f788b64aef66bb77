//===- ScheduleUtils.cpp - loops and slices of the schedules --------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "ScheduleUtils.h"
#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

Value lowering::indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

SmallVector<Value> lowering::buildTileLoop(OpBuilder &b, Location loc, Value lb,
                                           Value ub, int64_t step,
                                           ValueRange init, TileBody body) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, indexConst(b, loc, step), init,
      [&](OpBuilder &nb, Location l, Value start, ValueRange iter) {
        Value left = arith::SubIOp::create(nb, l, ub, start);
        Value size =
            arith::MinSIOp::create(nb, l, left, indexConst(nb, l, step));
        SmallVector<Value> next = body(nb, l, start, size, iter);
        scf::YieldOp::create(nb, l, next);
      });
  return SmallVector<Value>(loop.getResults());
}

Value lowering::sliceDim(OpBuilder &b, Location loc, Value tensor, int64_t dim,
                         OpFoldResult start, OpFoldResult size) {
  SmallVector<OpFoldResult> sizes = getDims(b, loc, tensor);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[dim] = start;
  sizes[dim] = size;
  return tensor::ExtractSliceOp::create(b, loc, tensor, offsets, sizes,
                                        strides);
}

Value lowering::insertDim(OpBuilder &b, Location loc, Value tile, Value dest,
                          int64_t dim, OpFoldResult start) {
  SmallVector<OpFoldResult> sizes = getDims(b, loc, tile);
  SmallVector<OpFoldResult> offsets(sizes.size(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  offsets[dim] = start;
  return tensor::InsertSliceOp::create(b, loc, tile, dest, offsets, sizes,
                                       strides);
}

Value lowering::clampIndex(OpBuilder &b, Location loc, Value value, Value lo,
                           Value hi) {
  Value atLeast = arith::MaxSIOp::create(b, loc, value, lo);
  return arith::MinSIOp::create(b, loc, atLeast, hi);
}

Value lowering::buildElementwise(
    OpBuilder &b, Location loc, ValueRange inputs,
    ArrayRef<SmallVector<AffineExpr>> maps, Value init,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(init.getType());
  unsigned rank = type.getRank();
  SmallVector<SmallVector<AffineExpr>> indexing(maps);
  SmallVector<AffineExpr> id;
  for (unsigned i = 0; i < rank; ++i)
    id.push_back(b.getAffineDimExpr(i));
  indexing.push_back(id);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return buildGeneric(b, loc, inputs, init, rank, indexing, iters, body);
}
