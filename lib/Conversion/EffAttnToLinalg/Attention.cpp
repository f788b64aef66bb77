//===- Attention.cpp - softmax, quad and partitioned attention ------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The quadratic attentions, lowered to dense score tensors [B, H, T, S]:
// scores = q kᵀ (f32), then the op's score function and mask element-wise,
// then the weighted sum of the values. Loop dims of the 4-D element-wise
// generics are (b, h, t, s).
//
//===----------------------------------------------------------------------===//

#include "AttentionUtils.h"
#include "PopulatePatterns.h"
#include "Utils.h"

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include <cmath>

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

namespace {

/// o = sum_s softmax_s(scale * q.k + bias)_s v_s, masked rows give zeros.
struct SoftmaxAttentionLowering : OpRewritePattern<SoftmaxAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<int64_t> group = getHeadGroup(op.getQ(), op.getK());
    if (failed(group))
      return rewriter.notifyMatchFailure(op, "dynamic head counts");
    int64_t dk = op.getQ().getType().getDimSize(3);
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(static_cast<double>(dk));
    AttentionSizes sizes(rewriter, loc, op.getQ(), op.getK(), op.getV());
    Value scores =
        contractQK(rewriter, loc, sizes, op.getQ(), op.getK(), *group);
    Value logits = buildScoreMap(
        rewriter, loc, sizes, scores, op.getBias(), op.getCausal(),
        [&](OpBuilder &b, Location l, Value qk, Value bias, Value visible) {
          Value x = arith::MulFOp::create(b, l, f32Const(b, l, scale), qk);
          if (bias)
            x = arith::AddFOp::create(b, l, x, bias);
          if (!visible)
            return x;
          return arith::SelectOp::create(b, l, visible, x,
                                         f32Const(b, l, -INFINITY))
              .getResult();
        });
    Value probs = buildSoftmax(rewriter, loc, sizes, logits);
    Value out = contractPV(rewriter, loc, sizes, probs, op.getV(), *group);
    rewriter.replaceOp(op, castResult(rewriter, loc, out, op.getType()));
    return success();
  }
};

/// o = gate * sum_s a_ts v_s with a = act(scale * q.k + bias) (inside) or
/// scale * act(q.k + bias) (outside); masked weights are 0.
struct QuadAttentionLowering : OpRewritePattern<QuadAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuadAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<int64_t> group = getHeadGroup(op.getQ(), op.getK());
    if (failed(group))
      return rewriter.notifyMatchFailure(op, "dynamic head counts");
    AttentionSizes sizes(rewriter, loc, op.getQ(), op.getK(), op.getV());
    // The default scale is 1/S with the run-time key length.
    Value scale = op.getScale() ? f32Const(rewriter, loc,
                                           op.getScale()->convertToDouble())
                                : reciprocal(rewriter, loc, sizes.s);
    bool inside = op.getScaleMode() == ScaleMode::inside;
    Activation act = op.getActivation();
    Value scores =
        contractQK(rewriter, loc, sizes, op.getQ(), op.getK(), *group);
    Value weights = buildScoreMap(
        rewriter, loc, sizes, scores, op.getBias(), op.getCausal(),
        [&](OpBuilder &b, Location l, Value qk, Value bias, Value visible) {
          Value x = inside ? arith::MulFOp::create(b, l, scale, qk) : qk;
          if (bias)
            x = arith::AddFOp::create(b, l, x, bias);
          Value a = applyActivation(b, l, act, x);
          if (!inside)
            a = arith::MulFOp::create(b, l, scale, a);
          if (!visible)
            return a;
          return arith::SelectOp::create(b, l, visible, a, f32Const(b, l, 0.0))
              .getResult();
        });
    Value out = contractPV(rewriter, loc, sizes, weights, op.getV(), *group);
    if (op.getGate())
      out = multiplyByGate(rewriter, loc, out, op.getGate());
    rewriter.replaceOp(op, castResult(rewriter, loc, out, op.getType()));
    return success();
  }
};

/// o_i = sum_p sum_j a_ij pi_p(i - j) v_parts[p]_j, a = softmax or sigmoid of
/// the scaled scores.
struct PartitionedAttentionLowering : OpRewritePattern<PartitionedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PartitionedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t dk = op.getQ().getType().getDimSize(3);
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(static_cast<double>(dk));
    bool softmax = op.getScore() == PartitionScore::softmax;
    // Values of part p: v_parts[:, :, p]; the sizes only need [B, H, T, Dv].
    AttentionSizes sizes(rewriter, loc, op.getQ(), op.getK(), op.getQ());
    sizes.dv = getDims(rewriter, loc, op.getVParts())[4];
    Value scores = contractQK(rewriter, loc, sizes, op.getQ(), op.getK(), 1);
    Value weights = buildScoreMap(
        rewriter, loc, sizes, scores, /*bias=*/Value(), op.getCausal(),
        [&](OpBuilder &b, Location l, Value qk, Value, Value visible) {
          Value x = arith::MulFOp::create(b, l, f32Const(b, l, scale), qk);
          if (softmax) {
            if (!visible)
              return x;
            return arith::SelectOp::create(b, l, visible, x,
                                           f32Const(b, l, -INFINITY))
                .getResult();
          }
          // sigmoid(x) = 1 / (1 + exp(-x)); weights of masked keys are 0.
          Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
          Value s = arith::DivFOp::create(
              b, l, f32Const(b, l, 1.0),
              arith::AddFOp::create(b, l, f32Const(b, l, 1.0), e));
          if (!visible)
            return s;
          return arith::SelectOp::create(b, l, visible, s, f32Const(b, l, 0.0))
              .getResult();
        });
    if (softmax)
      weights = buildSoftmax(rewriter, loc, sizes, weights);

    // Loops (b, h, i, e, p, j): o[b,h,i,e] += a[b,h,i,j] *
    // partition[p, i - j + Tmax - 1] * v_parts[b,h,p,j,e].
    int64_t width = op.getPartition().getType().getDimSize(1);
    int64_t tMax = (width + 1) / 2;
    SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3, 4, 5});
    Value init =
        createFilled(rewriter, loc, {sizes.b, sizes.h, sizes.t, sizes.dv},
                     rewriter.getF32Type(), 0.0);
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;
    Value out = buildGeneric(
        rewriter, loc, {weights, op.getPartition(), op.getVParts()}, init, 6,
        {{d[0], d[1], d[2], d[5]},
         {d[4], d[2] - d[5] + (tMax - 1)},
         {d[0], d[1], d[4], d[5], d[3]},
         {d[0], d[1], d[2], d[3]}},
        {par, par, par, par, red, red},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value w = arith::MulFOp::create(b, l, args[0], toF32(b, l, args[1]));
          Value wv = arith::MulFOp::create(b, l, w, toF32(b, l, args[2]));
          return arith::AddFOp::create(b, l, args[3], wv).getResult();
        });
    rewriter.replaceOp(op, castResult(rewriter, loc, out, op.getType()));
    return success();
  }
};

} // namespace

void lowering::populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxAttentionLowering, QuadAttentionLowering,
               PartitionedAttentionLowering>(patterns.getContext());
}
