//===- LayerParts.cpp - offset_scale and rel_pos_bias --------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "Utils.h"

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

/// The T5 bucket of the relative position `rp = j - i` (index values),
/// following Mesh-TF / HF `_relative_position_bucket` with the logarithm in
/// f32, as T5 computes it.
static Value t5Bucket(OpBuilder &b, Location loc, Value rp, int64_t numBuckets,
                      int64_t maxDistance, bool bidirectional) {
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value zero = cst(0);
  Value negated = arith::SubIOp::create(b, loc, zero, rp);
  Value offset, n;
  if (bidirectional) {
    numBuckets /= 2;
    Value after =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, rp, zero);
    offset = arith::SelectOp::create(b, loc, after, cst(numBuckets), zero);
    n = arith::MaxSIOp::create(b, loc, rp, negated);
  } else {
    // Keys after the query (rp > 0) fall in bucket 0.
    n = arith::MaxSIOp::create(b, loc, negated, zero);
  }
  int64_t maxExact = numBuckets / 2;
  Value exact = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, n,
                                      cst(maxExact));

  // maxExact + int(log(n / maxExact) / log(maxDistance / maxExact) *
  // (numBuckets - maxExact)), n >= maxExact here (max(n, 1) keeps the unused
  // lanes finite).
  Value nF32 = arith::SIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                 arith::MaxSIOp::create(b, loc, n, cst(1))));
  Value ratio =
      arith::DivFOp::create(b, loc, nF32, f32Const(b, loc, double(maxExact)));
  Value logRatio = arith::DivFOp::create(
      b, loc, math::LogOp::create(b, loc, ratio),
      f32Const(b, loc, std::log(double(maxDistance) / double(maxExact))));
  Value scaled = arith::MulFOp::create(
      b, loc, logRatio, f32Const(b, loc, double(numBuckets - maxExact)));
  Value large = arith::AddIOp::create(
      b, loc, cst(maxExact),
      arith::IndexCastOp::create(
          b, loc, b.getIndexType(),
          arith::FPToSIOp::create(b, loc, b.getI64Type(), scaled)));
  large = arith::MinSIOp::create(b, loc, large, cst(numBuckets - 1));
  Value inSide = arith::SelectOp::create(b, loc, exact, n, large);
  if (!offset)
    return inSide;
  return arith::AddIOp::create(b, loc, offset, inSide);
}

namespace {

/// result_n = z * gamma[n] + beta[n], one element-wise linalg.generic per row.
struct OffsetScaleLowering : OpRewritePattern<OffsetScaleOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(OffsetScaleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value z = op.getZ();
    auto zType = cast<RankedTensorType>(z.getType());
    unsigned rank = zType.getRank();
    Type elementType = zType.getElementType();
    SmallVector<OpFoldResult> shape = getDims(rewriter, loc, z);
    SmallVector<unsigned> all = llvm::to_vector(llvm::seq<unsigned>(0, rank));

    SmallVector<Value> results;
    for (unsigned row = 0, e = op.getNumResults(); row < e; ++row) {
      // gamma and beta are read at [row, d_last].
      SmallVector<AffineExpr> rowExprs = {getAffineConstantExpr(row, ctx),
                                          getAffineDimExpr(rank - 1, ctx)};
      Value result = buildGeneric(
          rewriter, loc, {z, op.getGamma(), op.getBeta()},
          createEmpty(rewriter, loc, shape, elementType), rank,
          {dims(ctx, all), rowExprs, rowExprs, dims(ctx, all)},
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value scaled = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                                 toF32(b, l, args[1]));
            Value shifted =
                arith::AddFOp::create(b, l, scaled, toF32(b, l, args[2]));
            return fromF32(b, l, shifted, elementType);
          });
      results.push_back(
          castTo(rewriter, loc, result, op.getResult(row).getType()));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// bias[i, j] = scale * params[index(j - i)], one linalg.generic over (i, j)
/// that computes the index from linalg.index and reads params with
/// tensor.extract.
struct RelPosBiasLowering : OpRewritePattern<RelPosBiasOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RelPosBiasOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t numParams = op.getParams().getType().getDimSize(0);
    if (!type.hasStaticShape() || ShapedType::isDynamic(numParams))
      return op->emitError() << "cannot lower: 'params' and the result must "
                                "have static shapes";
    Type elementType = type.getElementType();
    bool toeplitz = op.getKind() == RelPosBiasKind::toeplitz;
    int64_t numBuckets = op.getNumBucketsOrDefault();
    int64_t maxDistance = op.getMaxDistanceOrDefault();
    bool bidirectional = op.getBidirectionalOrDefault();
    double scale = op.getScale().convertToDouble();
    Value params = op.getParams();

    Value result = buildGeneric(
        rewriter, loc, ValueRange(),
        createEmpty(rewriter, loc, getDims(rewriter, loc, op.getResult()),
                    elementType),
        2, {dims(ctx, {0, 1})},
        {utils::IteratorType::parallel, utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value rp =
              arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, 1),
                                    linalg::IndexOp::create(b, l, 0));
          Value index;
          if (toeplitz)
            index = arith::AddIOp::create(
                b, l, rp,
                arith::ConstantIndexOp::create(b, l, (numParams + 1) / 2 - 1));
          else
            index = t5Bucket(b, l, rp, numBuckets, maxDistance, bidirectional);
          Value value = tensor::ExtractOp::create(b, l, params, index);
          if (scale == 1.0)
            return value;
          Value scaled = arith::MulFOp::create(b, l, toF32(b, l, value),
                                               f32Const(b, l, scale));
          return fromF32(b, l, scaled, elementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateLayerPartPatterns(RewritePatternSet &patterns) {
  patterns.add<OffsetScaleLowering, RelPosBiasLowering>(patterns.getContext());
}
