//===- FeedForwardUtils.cpp - builders shared by the sparse FFN -----------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "FeedForwardUtils.h"
#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

Value lowering::accumulatorF32(OpBuilder &b, Location loc,
                               ArrayRef<OpFoldResult> shape, Value vec) {
  if (!vec)
    return createFilled(b, loc, shape, b.getF32Type(), 0.0);
  unsigned rank = shape.size();
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> all = llvm::to_vector(llvm::seq<unsigned>(0, rank));
  return buildGeneric(
      b, loc, vec, createEmpty(b, loc, shape, b.getF32Type()), rank,
      {dims(ctx, {rank - 1}), dims(ctx, all)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location nl, ValueRange args) {
        return toF32(nb, nl, args[0]);
      });
}

Value lowering::contractF32(OpBuilder &b, Location loc, Value lhs, Value rhs,
                            Value init, unsigned numLoops,
                            ArrayRef<SmallVector<AffineExpr>> indexing,
                            ArrayRef<utils::IteratorType> iterators) {
  return buildGeneric(
      b, loc, {lhs, rhs}, init, numLoops, indexing, iterators,
      [](OpBuilder &nb, Location nl, ValueRange args) {
        Value product = arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]),
                                              toF32(nb, nl, args[1]));
        return arith::AddFOp::create(nb, nl, args[2], product).getResult();
      });
}

Value lowering::convertFromF32(OpBuilder &b, Location loc, Value acc,
                               Type elementType) {
  if (elementType.isF32())
    return acc;
  unsigned rank = cast<RankedTensorType>(acc.getType()).getRank();
  SmallVector<unsigned> all = llvm::to_vector(llvm::seq<unsigned>(0, rank));
  MLIRContext *ctx = b.getContext();
  return buildGeneric(
      b, loc, acc, createEmpty(b, loc, getDims(b, loc, acc), elementType), rank,
      {dims(ctx, all), dims(ctx, all)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return fromF32(nb, nl, args[0], elementType);
      });
}

SmallVector<AffineExpr> lowering::batchExprs(MLIRContext *ctx,
                                             unsigned batchRank,
                                             ArrayRef<unsigned> extra) {
  SmallVector<unsigned> positions =
      llvm::to_vector(llvm::seq<unsigned>(0, batchRank));
  positions.append(extra.begin(), extra.end());
  return dims(ctx, positions);
}

Value lowering::vecMatF32(OpBuilder &b, Location loc, Value vec, Value mat,
                          Value init) {
  MLIRContext *ctx = b.getContext();
  unsigned batchRank = cast<RankedTensorType>(vec.getType()).getRank() - 1;
  unsigned out = batchRank, in = batchRank + 1;
  SmallVector<utils::IteratorType> iterators(batchRank + 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return contractF32(b, loc, vec, mat, init, batchRank + 2,
                     {batchExprs(ctx, batchRank, {in}), dims(ctx, {in, out}),
                      batchExprs(ctx, batchRank, {out})},
                     iterators);
}

FailureOr<int64_t> lowering::getSparseFFNBlocks(SparseFFNOp op) {
  int64_t blockSize = op.getBlockSize();
  int64_t dff = op.getCtrlUp().getType().getDimSize(1);
  if (blockSize < 1 || ShapedType::isDynamic(dff) || dff % blockSize != 0)
    return op->emitError() << "cannot lower: 'block_size' must divide a "
                              "static Dff";
  return dff / blockSize;
}

Value lowering::buildBlockArgmax(OpBuilder &b, Location loc, Value blocks,
                                 ArrayRef<OpFoldResult> batch,
                                 int64_t numBlocks) {
  MLIRContext *ctx = b.getContext();
  unsigned batchRank = batch.size();
  unsigned l0 = batchRank, l1 = batchRank + 1;
  SmallVector<OpFoldResult> shape(batch);
  shape.push_back(b.getIndexAttr(numBlocks));
  SmallVector<utils::IteratorType> iterators(batchRank + 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);

  // A reduction with two outputs: the running maximum and its index n.
  Value maxInit = createFilled(b, loc, shape, b.getF32Type(),
                               -std::numeric_limits<double>::infinity());
  Type i32 = b.getI32Type();
  Value zeroI32 = arith::ConstantIntOp::create(b, loc, i32, 0);
  Value indexInit =
      linalg::FillOp::create(b, loc, zeroI32, createEmpty(b, loc, shape, i32))
          .getResult(0);
  SmallVector<AffineMap> maps = {
      AffineMap::get(batchRank + 2, 0, batchExprs(ctx, batchRank, {l0, l1}),
                     ctx),
      AffineMap::get(batchRank + 2, 0, batchExprs(ctx, batchRank, {l0}), ctx),
      AffineMap::get(batchRank + 2, 0, batchExprs(ctx, batchRank, {l0}), ctx)};
  auto argmax = linalg::GenericOp::create(
      b, loc, TypeRange{maxInit.getType(), indexInit.getType()}, blocks,
      ValueRange{maxInit, indexInit}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value value = args[0], best = args[1], bestIndex = args[2];
        Value index = arith::IndexCastOp::create(
            nb, l, i32, linalg::IndexOp::create(nb, l, l1));
        // Strictly greater wins; an equal value wins only with a lower n,
        // so ties go to the lowest n whatever the iteration order.
        Value greater = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                              value, best);
        Value equal = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                            value, best);
        Value lower = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt,
                                            index, bestIndex);
        Value take = arith::OrIOp::create(
            nb, l, greater, arith::AndIOp::create(nb, l, equal, lower));
        linalg::YieldOp::create(
            nb, l,
            ValueRange{arith::SelectOp::create(nb, l, take, value, best),
                       arith::SelectOp::create(nb, l, take, index, bestIndex)});
      });
  return argmax.getResult(1);
}

Value lowering::buildGlobalUnits(OpBuilder &b, Location loc, Value localIndex,
                                 ArrayRef<OpFoldResult> batch,
                                 int64_t numBlocks, int64_t blockSize) {
  MLIRContext *ctx = b.getContext();
  unsigned batchRank = batch.size();
  unsigned l0 = batchRank;
  SmallVector<OpFoldResult> shape(batch);
  shape.push_back(b.getIndexAttr(numBlocks));
  Type i32 = b.getI32Type();
  SmallVector<AffineExpr> id = batchExprs(ctx, batchRank, {l0});
  return buildGeneric(
      b, loc, localIndex, createEmpty(b, loc, shape, i32), batchRank + 1,
      {id, id},
      SmallVector<utils::IteratorType>(batchRank + 1,
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value block = arith::IndexCastOp::create(
            nb, l, i32, linalg::IndexOp::create(nb, l, l0));
        Value base = arith::MulIOp::create(
            nb, l, block, arith::ConstantIntOp::create(nb, l, i32, blockSize));
        return arith::AddIOp::create(nb, l, base, args[0]).getResult();
      });
}
