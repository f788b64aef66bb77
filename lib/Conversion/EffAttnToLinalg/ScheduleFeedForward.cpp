//===- ScheduleFeedForward.cpp - the gathered sparse FFN ------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The fast path of sparse_ffn: the low-rank controller picks one unit per
// block, and only the selected columns of w1 and rows of w2 are read, with
// tensor.extract at the selected unit inside the linalg.generic bodies. No
// [batch..., Dff] tensor is built: the controller logits are computed
// directly as [batch..., Dff/N, N] blocks, and the hidden layer has one value
// per block. Per token this costs D R + R Dff (controller) plus 2 D Dff/N
// (the selected units) multiply-adds, instead of the 2 D Dff of a dense FFN.
//
//===----------------------------------------------------------------------===//

#include "FeedForwardUtils.h"
#include "Utils.h"

#include "effattn/Conversion/EffAttnToLinalg/Schedules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

/// The i32 unit index `unit` as an index value.
static Value unitToIndex(OpBuilder &b, Location loc, Value unit) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), unit);
}

LogicalResult mlir::effattn::scheduleSparseFFN(RewriterBase &rewriter,
                                               SparseFFNOp op) {
  FailureOr<int64_t> numBlocks = getSparseFFNBlocks(op);
  if (failed(numBlocks))
    return failure();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  Type elementType = op.getResult().getType().getElementType();
  int64_t blockSize = op.getBlockSize();

  Value x = op.getX();
  unsigned batchRank = op.getX().getType().getRank() - 1;
  SmallVector<OpFoldResult> batch = foldSizes(b, getDims(b, loc, x));
  OpFoldResult d = batch.pop_back_val();
  OpFoldResult r = tensor::getMixedSize(b, loc, op.getCtrlDown(), 1);
  OpFoldResult nb = b.getIndexAttr(*numBlocks);
  OpFoldResult n = b.getIndexAttr(blockSize);
  auto withBatch = [&](ArrayRef<OpFoldResult> sizes) {
    SmallVector<OpFoldResult> shape(batch);
    shape.append(sizes.begin(), sizes.end());
    return shape;
  };
  auto at = [&](ArrayRef<unsigned> extra) {
    return batchExprs(ctx, batchRank, extra);
  };
  // Loop `batchRank + i` is the i-th loop of the op's own.
  unsigned l0 = batchRank, l1 = batchRank + 1, l2 = batchRank + 2;
  auto iterators = [&](ArrayRef<utils::IteratorType> own) {
    SmallVector<utils::IteratorType> all(batchRank,
                                         utils::IteratorType::parallel);
    all.append(own.begin(), own.end());
    return all;
  };
  auto par = utils::IteratorType::parallel;
  auto red = utils::IteratorType::reduction;

  // The controller, in f32: low = x ctrl_down [batch..., R], then the logits
  // straight into blocks [batch..., Dff/N, N] over loops (batch..., b, n, r),
  // reading ctrl_up and ctrl_bias at the unit b * N + n.
  Value low = vecMatF32(b, loc, x, op.getCtrlDown(),
                        accumulatorF32(b, loc, withBatch({r}), Value()));
  AffineExpr unit =
      getAffineDimExpr(l0, ctx) * blockSize + getAffineDimExpr(l1, ctx);
  Value logitsInit = buildGeneric(
      b, loc, op.getCtrlBias(), createEmpty(b, loc, withBatch({nb, n}), f32),
      batchRank + 2, {{unit}, at({l0, l1})}, iterators({par, par}),
      [](OpBuilder &ib, Location il, ValueRange args) {
        return toF32(ib, il, args[0]);
      });
  Value blocks =
      contractF32(b, loc, low, op.getCtrlUp(), logitsInit, batchRank + 3,
                  {at({l2}), {getAffineDimExpr(l2, ctx), unit}, at({l0, l1})},
                  iterators({par, par, red}));

  // u_b = b * N + argmax_n logits[..., b, n] (ties: the lowest n).
  Value local = buildBlockArgmax(b, loc, blocks, batch, *numBlocks);
  Value units = buildGlobalUnits(b, loc, local, batch, *numBlocks, blockSize);

  // pre[..., b] = sum_i x[..., i] w1[i, u_b] over loops (batch..., b, i):
  // only the selected column of w1 is read.
  Value w1 = op.getW1();
  Value pre = buildGeneric(
      b, loc, {x, units}, createFilled(b, loc, withBatch({nb}), f32, 0.0),
      batchRank + 2, {at({l1}), at({l0}), at({l0})}, iterators({par, red}),
      [&](OpBuilder &ib, Location il, ValueRange args) {
        Value i = linalg::IndexOp::create(ib, il, l1);
        Value w = tensor::ExtractOp::create(
            ib, il, w1, ValueRange{i, unitToIndex(ib, il, args[1])});
        Value product = arith::MulFOp::create(ib, il, toF32(ib, il, args[0]),
                                              toF32(ib, il, w));
        return arith::AddFOp::create(ib, il, args[2], product).getResult();
      });

  // h = relu(pre + b1[u_b]).
  Value b1 = op.getB1();
  SmallVector<Value> hInputs = {pre};
  if (b1)
    hInputs.push_back(units);
  SmallVector<SmallVector<AffineExpr>> hMaps(hInputs.size() + 1, at({l0}));
  Value h = buildGeneric(
      b, loc, hInputs, createEmpty(b, loc, withBatch({nb}), f32), batchRank + 1,
      hMaps, iterators({par}),
      [&](OpBuilder &ib, Location il, ValueRange args) {
        Value value = args[0];
        if (b1) {
          Value bias = tensor::ExtractOp::create(
              ib, il, b1, ValueRange{unitToIndex(ib, il, args[1])});
          value = arith::AddFOp::create(ib, il, value, toF32(ib, il, bias));
        }
        return arith::MaximumFOp::create(ib, il, value, f32Const(ib, il, 0.0))
            .getResult();
      });

  // y[..., e] = sum_b h[..., b] w2[u_b, e] + b2[e] over loops (batch..., b,
  // e): the reduction over the blocks is outside, so the innermost loop reads
  // the selected row of w2 contiguously.
  Value w2 = op.getW2();
  Value y = buildGeneric(
      b, loc, {h, units}, accumulatorF32(b, loc, withBatch({d}), op.getB2()),
      batchRank + 2, {at({l0}), at({l0}), at({l1})}, iterators({red, par}),
      [&](OpBuilder &ib, Location il, ValueRange args) {
        Value e = linalg::IndexOp::create(ib, il, l1);
        Value w = tensor::ExtractOp::create(
            ib, il, w2, ValueRange{unitToIndex(ib, il, args[1]), e});
        Value product =
            arith::MulFOp::create(ib, il, args[0], toF32(ib, il, w));
        return arith::AddFOp::create(ib, il, args[2], product).getResult();
      });
  y = convertFromF32(b, loc, y, elementType);

  SmallVector<Value> results = {castTo(b, loc, y, op.getResult().getType())};
  if (Value selected = op.getSelected())
    results.push_back(castTo(b, loc, units, selected.getType()));
  rewriter.replaceOp(op, results);
  return success();
}
