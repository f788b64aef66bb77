//===- FeedForward.cpp - sparse FFN and multiplicative dense -------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// Reference lowerings of the feed-forward ops. sparse_ffn computes the dense
// hidden layer and masks it to the selected units: the formula, not the fast
// path (which reads only the selected columns of w1 and rows of w2).
//
//===----------------------------------------------------------------------===//

#include "FeedForwardUtils.h"
#include "PopulatePatterns.h"
#include "Utils.h"

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

//===----------------------------------------------------------------------===//
// Builders
//===----------------------------------------------------------------------===//

/// The ranked tensor type whose sizes are `shape` (static where constant).
static RankedTensorType typeOf(ArrayRef<OpFoldResult> shape, Type elementType) {
  SmallVector<int64_t> sizes;
  for (OpFoldResult size : shape)
    sizes.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  return RankedTensorType::get(sizes, elementType);
}

/// `src` expanded to `shape`. Sizes that fold to constants (e.g. tensor.dim of
/// a tensor.cast) can make a group static while its source dim is still
/// dynamic; the source is then cast to the static size first, as the verifier
/// requires.
static Value expand(OpBuilder &b, Location loc, Value src,
                    ArrayRef<ReassociationIndices> reassociation,
                    ArrayRef<OpFoldResult> shape) {
  SmallVector<OpFoldResult> sizes = foldSizes(b, shape);
  auto srcType = cast<RankedTensorType>(src.getType());
  RankedTensorType resultType = typeOf(sizes, srcType.getElementType());
  SmallVector<int64_t> srcShape(srcType.getShape());
  for (auto [srcDim, group] : llvm::enumerate(reassociation)) {
    int64_t product = 1;
    for (int64_t dim : group)
      product = ShapedType::isDynamic(resultType.getDimSize(dim)) ||
                        ShapedType::isDynamic(product)
                    ? ShapedType::kDynamic
                    : product * resultType.getDimSize(dim);
    if (!ShapedType::isDynamic(product))
      srcShape[srcDim] = product;
  }
  src = castTo(b, loc, src, srcType.clone(srcShape));
  return tensor::ExpandShapeOp::create(b, loc, resultType, src, reassociation,
                                       sizes);
}

//===----------------------------------------------------------------------===//
// sparse_ffn
//===----------------------------------------------------------------------===//

namespace {

/// logits = (x ctrl_down) ctrl_up + ctrl_bias; per block the argmax (lowest n
/// on ties) selects one unit; y = relu(x w1 + b1) masked to the selected
/// units, times w2, plus b2. The batch dims stay loops of every
/// linalg.generic rather than being collapsed: re-expanding several dynamic
/// batch dims from one would hit an LLVM 22 crash in expand-strided-metadata
/// (llvm/llvm-project#186830).
struct SparseFFNLowering : OpRewritePattern<SparseFFNOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SparseFFNOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type elementType = op.getResult().getType().getElementType();
    int64_t blockSize = op.getBlockSize();
    FailureOr<int64_t> numBlocks = getSparseFFNBlocks(op);
    if (failed(numBlocks))
      return failure();
    int64_t dff = *numBlocks * blockSize;

    Value x = op.getX();
    unsigned batchRank = op.getX().getType().getRank() - 1;
    SmallVector<OpFoldResult> batch =
        foldSizes(rewriter, getDims(rewriter, loc, x));
    OpFoldResult d = batch.pop_back_val();
    OpFoldResult r = tensor::getMixedSize(rewriter, loc, op.getCtrlDown(), 1);
    auto withBatch = [&](ArrayRef<OpFoldResult> sizes) {
      SmallVector<OpFoldResult> shape(batch);
      shape.append(sizes.begin(), sizes.end());
      return shape;
    };
    auto at = [&](ArrayRef<unsigned> extra) {
      return batchExprs(ctx, batchRank, extra);
    };
    // Loop `batchRank + i` is the op's i-th own loop.
    unsigned l0 = batchRank, l1 = batchRank + 1;
    SmallVector<utils::IteratorType> parallel2(batchRank + 2,
                                               utils::IteratorType::parallel);
    auto vecMat = [&](Value vec, Value mat, Value init) {
      return vecMatF32(rewriter, loc, vec, mat, init);
    };

    // logits [batch..., Dff] in f32.
    OpFoldResult dffSize = rewriter.getIndexAttr(dff);
    Value low = vecMat(x, op.getCtrlDown(),
                       accumulatorF32(rewriter, loc, withBatch({r}), Value()));
    Value logits = vecMat(
        low, op.getCtrlUp(),
        accumulatorF32(rewriter, loc, withBatch({dffSize}), op.getCtrlBias()));

    // Argmax over n of logits[..., b, n]: the index n of each block's maximum.
    OpFoldResult nb = rewriter.getIndexAttr(*numBlocks);
    OpFoldResult n = rewriter.getIndexAttr(blockSize);
    SmallVector<ReassociationIndices> split;
    for (unsigned dim = 0; dim < batchRank; ++dim)
      split.push_back({dim});
    split.push_back({l0, l1});
    Value blocks = expand(rewriter, loc, logits, split, withBatch({nb, n}));
    Value localIndex =
        buildBlockArgmax(rewriter, loc, blocks, batch, *numBlocks);
    Type i32 = rewriter.getI32Type();

    // h = relu(x w1 + b1), kept only at the selected unit of each block.
    Value hidden =
        vecMat(x, op.getW1(),
               accumulatorF32(rewriter, loc, withBatch({dffSize}), op.getB1()));
    Value hiddenBlocks =
        expand(rewriter, loc, hidden, split, withBatch({nb, n}));
    Value masked = buildGeneric(
        rewriter, loc, {hiddenBlocks, localIndex},
        createEmpty(rewriter, loc, withBatch({nb, n}), rewriter.getF32Type()),
        batchRank + 2, {at({l0, l1}), at({l0}), at({l0, l1})}, parallel2,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value index = arith::IndexCastOp::create(
              b, l, i32, linalg::IndexOp::create(b, l, l1));
          Value selected = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                 index, args[1]);
          Value zero = f32Const(b, l, 0.0);
          Value relu = arith::MaximumFOp::create(b, l, args[0], zero);
          return arith::SelectOp::create(b, l, selected, relu, zero)
              .getResult();
        });
    Value maskedFlat =
        tensor::CollapseShapeOp::create(rewriter, loc, masked, split);

    // y = h_masked w2 + b2.
    Value y = vecMat(maskedFlat, op.getW2(),
                     accumulatorF32(rewriter, loc, withBatch({d}), op.getB2()));
    y = convertFromF32(rewriter, loc, y, elementType);
    SmallVector<Value> results = {
        castTo(rewriter, loc, y, op.getResult().getType())};

    if (Value selected = op.getSelected()) {
      // The global unit index b * N + n.
      Value global = buildGlobalUnits(rewriter, loc, localIndex, batch,
                                      *numBlocks, blockSize);
      results.push_back(castTo(rewriter, loc, global, selected.getType()));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// multiplicative_dense
//===----------------------------------------------------------------------===//

/// y[..., s, m] = sum_i x[..., i] d[i, s] e[i, m] + bias[s * M + m], computed
/// as [batch..., S, M] and collapsed to [batch..., S * M].
struct MultiplicativeDenseLowering : OpRewritePattern<MultiplicativeDenseOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MultiplicativeDenseOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = op.getX();
    unsigned batchRank = op.getX().getType().getRank() - 1;
    SmallVector<OpFoldResult> shape =
        foldSizes(rewriter, getDims(rewriter, loc, x));
    shape.pop_back();
    shape.push_back(tensor::getMixedSize(rewriter, loc, op.getD(), 1));
    shape.push_back(tensor::getMixedSize(rewriter, loc, op.getE(), 1));

    // Loops (batch..., s, m, i).
    unsigned s = batchRank, mDim = batchRank + 1, i = batchRank + 2;
    SmallVector<unsigned> batch =
        llvm::to_vector(llvm::seq<unsigned>(0, batchRank));
    SmallVector<unsigned> out(batch), xDims(batch);
    out.append({s, mDim});
    xDims.push_back(i);
    SmallVector<utils::IteratorType> iterators(batchRank + 2,
                                               utils::IteratorType::parallel);

    // The accumulator starts at the bias, viewed as [S, M], or at zero.
    Value init;
    if (Value bias = op.getBias()) {
      Value bias2d = expand(rewriter, loc, bias, {{0, 1}},
                            {shape[batchRank], shape[batchRank + 1]});
      init = buildGeneric(
          rewriter, loc, bias2d,
          createEmpty(rewriter, loc, shape, rewriter.getF32Type()),
          batchRank + 2, {dims(ctx, {s, mDim}), dims(ctx, out)}, iterators,
          [](OpBuilder &b, Location l, ValueRange args) {
            return toF32(b, l, args[0]);
          });
    } else {
      init = createFilled(rewriter, loc, shape, rewriter.getF32Type(), 0.0);
    }
    iterators.push_back(utils::IteratorType::reduction);
    Value acc = buildGeneric(
        rewriter, loc, {x, op.getD(), op.getE()}, init, batchRank + 3,
        {dims(ctx, xDims), dims(ctx, {i, s}), dims(ctx, {i, mDim}),
         dims(ctx, out)},
        iterators, [](OpBuilder &b, Location l, ValueRange args) {
          Value xd = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                           toF32(b, l, args[1]));
          Value xde = arith::MulFOp::create(b, l, xd, toF32(b, l, args[2]));
          return arith::AddFOp::create(b, l, args[3], xde).getResult();
        });
    Value y = convertFromF32(rewriter, loc, acc, op.getType().getElementType());

    SmallVector<ReassociationIndices> reassociation;
    for (unsigned dim : batch)
      reassociation.push_back({dim});
    reassociation.push_back({s, mDim});
    y = tensor::CollapseShapeOp::create(rewriter, loc, y, reassociation);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, op.getType()));
    return success();
  }
};

} // namespace

void lowering::populateFeedForwardPatterns(RewritePatternSet &patterns) {
  patterns.add<SparseFFNLowering, MultiplicativeDenseLowering>(
      patterns.getContext());
}
