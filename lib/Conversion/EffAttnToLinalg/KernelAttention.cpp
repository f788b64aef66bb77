//===- KernelAttention.cpp - mixed-chunk and linear attention -------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The reference lowering writes both linear-time attentions in their
// quadratic "mask" form, which is the definition: a [B, H, T, S] weight
// matrix (whose mask encodes chunks and causality) times v. The linear-time
// schedules are checked against it.
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

static constexpr utils::IteratorType par = utils::IteratorType::parallel;

static Value indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

static Value indexToF32(OpBuilder &b, Location loc, Value index) {
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), i64);
}

namespace {

/// o = gate * (W v) with, for query i in chunk g_i and key j in chunk g_j,
///   W_ij = act(quad_scale * qq_i.kq_j + bias[i mod C, j mod C])
///            if g_i == g_j (and j <= i when causal)
///        + lin_factor(g_i) * ql_i.kl_j
///            for every j (non-causal) or g_j < g_i (causal).
struct MixedChunkAttentionLowering : OpRewritePattern<MixedChunkAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MixedChunkAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t chunk = op.getChunkSize();
    bool causal = op.getCausal();
    Activation act = op.getActivation();
    LinScaleMode mode = op.getLinScaleMode();
    double linScale = op.getLinScale().convertToDouble();
    double quadScale = op.getQuadScale() ? op.getQuadScale()->convertToDouble()
                                         : 1.0 / static_cast<double>(chunk);

    AttentionSizes sizes(rewriter, loc, op.getQQuad(), op.getKQuad(),
                         op.getV());
    Value quad =
        contractQK(rewriter, loc, sizes, op.getQQuad(), op.getKQuad(), 1);
    Value lin = contractQK(rewriter, loc, sizes, op.getQLin(), op.getKLin(), 1);
    Value invT = reciprocal(rewriter, loc, sizes.t);

    SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3});
    SmallVector<Value> inputs = {quad, lin};
    SmallVector<SmallVector<AffineExpr>> maps = {d, d};
    if (Value bias = op.getBias()) {
      inputs.push_back(bias);
      maps.push_back({d[2] % chunk, d[3] % chunk});
    }
    maps.push_back(d);
    Value init =
        createEmpty(rewriter, loc, sizes.scoreShape(), rewriter.getF32Type());
    Value weights = buildGeneric(
        rewriter, loc, inputs, init, 4, maps, {par, par, par, par},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value i = linalg::IndexOp::create(b, l, 2);
          Value j = linalg::IndexOp::create(b, l, 3);
          Value c = indexConst(b, l, chunk);
          Value gi = arith::DivUIOp::create(b, l, i, c);
          Value gj = arith::DivUIOp::create(b, l, j, c);
          Value zero = f32Const(b, l, 0.0);

          // Quadratic term, inside the query's chunk.
          Value x =
              arith::MulFOp::create(b, l, f32Const(b, l, quadScale), args[0]);
          if (op.getBias())
            x = arith::AddFOp::create(b, l, x, toF32(b, l, args[2]));
          Value sameChunk =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, gi, gj);
          if (causal) {
            Value seen =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::ule, j, i);
            sameChunk = arith::AndIOp::create(b, l, sameChunk, seen);
          }
          Value quadTerm = arith::SelectOp::create(
              b, l, sameChunk, applyActivation(b, l, act, x), zero);

          // Linear term with its per-chunk factor.
          Value factor;
          switch (mode) {
          case LinScaleMode::inverse_length:
            if (causal) {
              // 1 / (g C) for g >= 1; chunk 0 sees no earlier chunk anyway.
              Value gc = indexToF32(b, l, arith::MulIOp::create(b, l, gi, c));
              Value safe =
                  arith::MaximumFOp::create(b, l, gc, f32Const(b, l, 1.0));
              factor = arith::DivFOp::create(b, l, f32Const(b, l, 1.0), safe);
            } else {
              factor = invT;
            }
            break;
          case LinScaleMode::inverse_chunk:
            factor = f32Const(b, l, 1.0 / static_cast<double>(chunk));
            break;
          case LinScaleMode::none:
            factor = f32Const(b, l, 1.0);
            break;
          }
          factor =
              arith::MulFOp::create(b, l, factor, f32Const(b, l, linScale));
          Value linTerm = arith::MulFOp::create(b, l, factor, args[1]);
          if (causal) {
            Value earlier =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, gj, gi);
            linTerm = arith::SelectOp::create(b, l, earlier, linTerm, zero);
          }
          return arith::AddFOp::create(b, l, quadTerm, linTerm).getResult();
        });
    Value out = contractPV(rewriter, loc, sizes, weights, op.getV(), 1);
    if (op.getGate())
      out = multiplyByGate(rewriter, loc, out, op.getGate());
    rewriter.replaceOp(op, castResult(rewriter, loc, out, op.getType()));
    return success();
  }
};

/// The definition of kernelized attention:
///   A_ij = phi(q_i).phi(k_j)  (causal: 0 for j > i + S - T)
///   num_i = sum_j A_ij v_j + phi(q_i) S0,  den_i = sum_j A_ij + phi(q_i).z0
///   o_i = num_i / (den_i + eps)  (normalize) or num_i
///   final_state = S0 + sum_j phi(k_j) v_jᵀ,
///   final_normalizer = z0 + sum_j phi(k_j).
struct LinearAttentionLowering : OpRewritePattern<LinearAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<int64_t> group = getHeadGroup(op.getQ(), op.getK());
    if (failed(group))
      return rewriter.notifyMatchFailure(op, "dynamic head counts");
    FeatureMap map = op.getFeatureMap();
    Value phiQ = buildFeatureMap(rewriter, loc, map, op.getQ(), op.getOmega(),
                                 op.getScale().convertToDouble());
    Value phiK =
        buildFeatureMap(rewriter, loc, map, op.getK(), op.getOmega(), 1.0);

    AttentionSizes sizes(rewriter, loc, op.getQ(), op.getK(), op.getV());
    Value scores = contractQK(rewriter, loc, sizes, phiQ, phiK, *group);
    Value weights = buildScoreMap(
        rewriter, loc, sizes, scores, /*bias=*/Value(), op.getCausal(),
        [](OpBuilder &b, Location l, Value a, Value, Value visible) {
          if (!visible)
            return a;
          return arith::SelectOp::create(b, l, visible, a, f32Const(b, l, 0.0))
              .getResult();
        });
    Value num = contractPV(rewriter, loc, sizes, weights, op.getV(), *group);
    if (Value s0 = op.getInitialState())
      num = contractWithState(rewriter, loc, phiQ, s0, *group, num);
    Value out = num;
    if (op.getNormalize()) {
      Value den = rowSum(rewriter, loc, weights);
      if (Value z0 = op.getInitialNormalizer())
        den = contractWithNormalizer(rewriter, loc, phiQ, z0, *group, den);
      out =
          normalizeRows(rewriter, loc, num, den, op.getEps().convertToDouble());
    }
    SmallVector<Value> results = {
        castResult(rewriter, loc, out, op.getResult().getType())};
    if (Value finalState = op.getFinalState()) {
      Value state = accumulateState(
          rewriter, loc, phiK, op.getV(),
          stateInit(rewriter, loc, op.getInitialState(), phiK, sizes.dv));
      results.push_back(castResult(
          rewriter, loc, state, cast<RankedTensorType>(finalState.getType())));
    }
    if (Value finalNorm = op.getFinalNormalizer()) {
      Value norm = accumulateNormalizer(
          rewriter, loc, phiK,
          stateInit(rewriter, loc, op.getInitialNormalizer(), phiK, {}));
      results.push_back(castResult(
          rewriter, loc, norm, cast<RankedTensorType>(finalNorm.getType())));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void lowering::populateKernelAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<MixedChunkAttentionLowering, LinearAttentionLowering>(
      patterns.getContext());
}
