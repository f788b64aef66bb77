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
static constexpr utils::IteratorType red = utils::IteratorType::reduction;

/// The GAU activation on an f32 scalar (see quad_attention).
static Value activate(OpBuilder &b, Location loc, Activation act, Value x) {
  if (act == Activation::relu2) {
    Value r = arith::MaximumFOp::create(b, loc, x, f32Const(b, loc, 0.0));
    return arith::MulFOp::create(b, loc, r, r);
  }
  Value shifted =
      arith::SubFOp::create(b, loc, x, f32Const(b, loc, std::sqrt(0.5)));
  Value arg = arith::MulFOp::create(b, loc, shifted,
                                    f32Const(b, loc, std::sqrt(2.0 * M_PI)));
  Value erf = math::ErfOp::create(b, loc, arg);
  Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0), erf);
  return arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), onePlus);
}

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
              b, l, sameChunk, activate(b, l, act, x), zero);

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

/// phi(x) of `x` [B, H, T, Dk] (after multiplying by `scale`), in f32:
/// [B, H, T, F].
static Value buildFeatureMap(OpBuilder &b, Location loc, FeatureMap map,
                             Value x, Value omega, double scale) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> shape = getDims(b, loc, x);
  Type f32 = b.getF32Type();
  SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3, 4});
  if (map != FeatureMap::favor) {
    SmallVector<AffineExpr> id(d.begin(), d.begin() + 4);
    return buildGeneric(
        b, loc, {x}, createEmpty(b, loc, shape, f32), 4, {id, id},
        {par, par, par, par}, [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                          f32Const(b, l, scale));
          Value zero = f32Const(b, l, 0.0);
          switch (map) {
          case FeatureMap::identity:
            return v;
          case FeatureMap::relu:
            return arith::MaximumFOp::create(b, l, v, zero).getResult();
          case FeatureMap::elu_plus_one: {
            // elu(v) + 1 = v + 1 for v > 0, exp(v) otherwise.
            Value pos =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, v, zero);
            Value plusOne = arith::AddFOp::create(b, l, v, f32Const(b, l, 1.0));
            Value exp = math::ExpOp::create(b, l, v);
            return arith::SelectOp::create(b, l, pos, plusOne, exp).getResult();
          }
          case FeatureMap::favor:
            break;
          }
          llvm_unreachable("favor is handled below");
        });
  }
  // favor(x) = exp(omega x' - |x'|^2 / 2) / sqrt(M), x' = scale x / Dk^(1/4).
  int64_t dk = type.getDimSize(3);
  int64_t m = cast<RankedTensorType>(omega.getType()).getDimSize(0);
  double xScale = scale / std::pow(static_cast<double>(dk), 0.25);
  SmallVector<OpFoldResult> projShape = {shape[0], shape[1], shape[2],
                                         b.getIndexAttr(m)};
  // Loops (b, h, t, m, d).
  Value proj = buildGeneric(
      b, loc, {x, omega}, createFilled(b, loc, projShape, f32, 0.0), 5,
      {{d[0], d[1], d[2], d[4]}, {d[3], d[4]}, {d[0], d[1], d[2], d[3]}},
      {par, par, par, par, red},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value xs = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                         f32Const(b, l, xScale));
        Value p = arith::MulFOp::create(b, l, xs, toF32(b, l, args[1]));
        return arith::AddFOp::create(b, l, args[2], p).getResult();
      });
  // Loops (b, h, t, d): |x'|^2 / 2.
  Value norm = buildGeneric(
      b, loc, {x},
      createFilled(b, loc, {shape[0], shape[1], shape[2]}, f32, 0.0), 4,
      {{d[0], d[1], d[2], d[3]}, {d[0], d[1], d[2]}}, {par, par, par, red},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value xs = arith::MulFOp::create(b, l, toF32(b, l, args[0]),
                                         f32Const(b, l, xScale));
        Value sq = arith::MulFOp::create(b, l, xs, xs);
        Value half = arith::MulFOp::create(b, l, sq, f32Const(b, l, 0.5));
        return arith::AddFOp::create(b, l, args[1], half).getResult();
      });
  SmallVector<AffineExpr> id(d.begin(), d.begin() + 4);
  double invSqrtM = 1.0 / std::sqrt(static_cast<double>(m));
  return buildGeneric(
      b, loc, {proj, norm}, createEmpty(b, loc, projShape, f32), 4,
      {id, {d[0], d[1], d[2]}, id}, {par, par, par, par},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value e = math::ExpOp::create(
            b, l, arith::SubFOp::create(b, l, args[0], args[1]));
        return arith::MulFOp::create(b, l, e, f32Const(b, l, invSqrtM))
            .getResult();
      });
}

/// The definition of kernelized attention:
///   A_ij = phi(q_i).phi(k_j)  (causal: 0 for j > i + S - T)
///   num_i = sum_j A_ij v_j + phi(q_i) S0,  den_i = sum_j A_ij + phi(q_i).z0
///   o_i = num_i / (den_i + eps)  (normalize) or num_i
///   final_state = S0 + sum_j phi(k_j) v_jᵀ, final_normalizer = z0 +
///   sum_j phi(k_j).
struct LinearAttentionLowering : OpRewritePattern<LinearAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    FailureOr<int64_t> group = getHeadGroup(op.getQ(), op.getK());
    if (failed(group))
      return rewriter.notifyMatchFailure(op, "dynamic head counts");
    Type f32 = rewriter.getF32Type();
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

    SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3, 4});
    AffineExpr kvHead = d[1].floorDiv(*group);
    // num += phi(q) S0. Loops (b, h, t, e, f).
    if (Value s0 = op.getInitialState())
      num = buildGeneric(
          rewriter, loc, {phiQ, s0}, num, 5,
          {{d[0], d[1], d[2], d[4]},
           {d[0], kvHead, d[4], d[3]},
           {d[0], d[1], d[2], d[3]}},
          {par, par, par, par, red},
          [](OpBuilder &b, Location l, ValueRange args) {
            Value p =
                arith::MulFOp::create(b, l, args[0], toF32(b, l, args[1]));
            return arith::AddFOp::create(b, l, args[2], p).getResult();
          });

    Value out = num;
    if (op.getNormalize()) {
      SmallVector<OpFoldResult> rowShape = {sizes.b, sizes.h, sizes.t};
      SmallVector<AffineExpr> d4(d.begin(), d.begin() + 4);
      SmallVector<AffineExpr> row = {d[0], d[1], d[2]};
      Value den = buildGeneric(
          rewriter, loc, {weights},
          createFilled(rewriter, loc, rowShape, f32, 0.0), 4, {d4, row},
          {par, par, par, red}, [](OpBuilder &b, Location l, ValueRange args) {
            return arith::AddFOp::create(b, l, args[1], args[0]).getResult();
          });
      // den += phi(q).z0. Loops (b, h, t, f).
      if (Value z0 = op.getInitialNormalizer())
        den = buildGeneric(
            rewriter, loc, {phiQ, z0}, den, 4, {d4, {d[0], kvHead, d[3]}, row},
            {par, par, par, red},
            [](OpBuilder &b, Location l, ValueRange args) {
              Value p =
                  arith::MulFOp::create(b, l, args[0], toF32(b, l, args[1]));
              return arith::AddFOp::create(b, l, args[2], p).getResult();
            });
      double eps = op.getEps().convertToDouble();
      out = buildGeneric(
          rewriter, loc, {num, den},
          createEmpty(rewriter, loc, sizes.outShape(), f32), 4, {d4, row, d4},
          {par, par, par, par}, [&](OpBuilder &b, Location l, ValueRange args) {
            Value denom =
                arith::AddFOp::create(b, l, args[1], f32Const(b, l, eps));
            return arith::DivFOp::create(b, l, args[0], denom).getResult();
          });
    }
    SmallVector<Value> results = {
        castResult(rewriter, loc, out, op.getResult().getType())};

    SmallVector<OpFoldResult> kDims = getDims(rewriter, loc, phiK);
    if (Value finalState = op.getFinalState()) {
      // Loops (b, hk, f, e, s).
      SmallVector<OpFoldResult> shape = {kDims[0], kDims[1], kDims[3],
                                         sizes.dv};
      Value init = createFilled(rewriter, loc, shape, f32, 0.0);
      if (Value s0 = op.getInitialState())
        init = castToF32(rewriter, loc, s0);
      Value state = buildGeneric(
          rewriter, loc, {phiK, op.getV()}, init, 5,
          {{d[0], d[1], d[4], d[2]},
           {d[0], d[1], d[4], d[3]},
           {d[0], d[1], d[2], d[3]}},
          {par, par, par, par, red},
          [](OpBuilder &b, Location l, ValueRange args) {
            Value p =
                arith::MulFOp::create(b, l, args[0], toF32(b, l, args[1]));
            return arith::AddFOp::create(b, l, args[2], p).getResult();
          });
      results.push_back(castResult(
          rewriter, loc, state, cast<RankedTensorType>(finalState.getType())));
    }
    if (Value finalNorm = op.getFinalNormalizer()) {
      // Loops (b, hk, f, s).
      SmallVector<OpFoldResult> shape = {kDims[0], kDims[1], kDims[3]};
      Value init = createFilled(rewriter, loc, shape, f32, 0.0);
      if (Value z0 = op.getInitialNormalizer())
        init = castToF32(rewriter, loc, z0);
      Value norm = buildGeneric(
          rewriter, loc, {phiK}, init, 4,
          {{d[0], d[1], d[3], d[2]}, {d[0], d[1], d[2]}}, {par, par, par, red},
          [](OpBuilder &b, Location l, ValueRange args) {
            return arith::AddFOp::create(b, l, args[1], args[0]).getResult();
          });
      results.push_back(castResult(
          rewriter, loc, norm, cast<RankedTensorType>(finalNorm.getType())));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

private:
  /// An f32 copy of `value` (or `value` itself when it is f32).
  static Value castToF32(OpBuilder &b, Location loc, Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getElementType().isF32())
      return value;
    SmallVector<AffineExpr> d;
    for (unsigned i = 0; i < type.getRank(); ++i)
      d.push_back(b.getAffineDimExpr(i));
    SmallVector<utils::IteratorType> iters(type.getRank(), par);
    return buildGeneric(
        b, loc, {value},
        createEmpty(b, loc, getDims(b, loc, value), b.getF32Type()),
        type.getRank(), {d, d}, iters,
        [](OpBuilder &b, Location l, ValueRange args) {
          return toF32(b, l, args[0]);
        });
  }
};

} // namespace

void lowering::populateKernelAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<MixedChunkAttentionLowering, LinearAttentionLowering>(
      patterns.getContext());
}
