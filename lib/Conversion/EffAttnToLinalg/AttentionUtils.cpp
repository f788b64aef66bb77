//===- AttentionUtils.cpp - building blocks of attention lowerings --------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "AttentionUtils.h"
#include "ScheduleUtils.h"
#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include <cmath>

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

static constexpr utils::IteratorType par = utils::IteratorType::parallel;
static constexpr utils::IteratorType red = utils::IteratorType::reduction;

AttentionSizes::AttentionSizes(OpBuilder &builder, Location loc, Value q,
                               Value k, Value v) {
  SmallVector<OpFoldResult> qDims = getDims(builder, loc, q);
  b = qDims[0];
  h = qDims[1];
  t = qDims[2];
  s = getDims(builder, loc, k)[2];
  dv = getDims(builder, loc, v).back();
}

/// acc + a * b in f32.
static Value fma32(OpBuilder &b, Location loc, Value acc, Value x, Value y) {
  Value prod =
      arith::MulFOp::create(b, loc, toF32(b, loc, x), toF32(b, loc, y));
  return arith::AddFOp::create(b, loc, acc, prod);
}

Value lowering::contractQK(OpBuilder &b, Location loc,
                           const AttentionSizes &sizes, Value q, Value k,
                           int64_t group) {
  // Loops (b, h, t, s, d).
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3, 4});
  Value init = createFilled(b, loc, sizes.scoreShape(), b.getF32Type(), 0.0);
  return buildGeneric(b, loc, {q, k}, init, 5,
                      {{d[0], d[1], d[2], d[4]},
                       {d[0], d[1].floorDiv(group), d[3], d[4]},
                       {d[0], d[1], d[2], d[3]}},
                      {par, par, par, par, red},
                      [](OpBuilder &b, Location l, ValueRange args) {
                        return fma32(b, l, args[2], args[0], args[1]);
                      });
}

Value lowering::contractPV(OpBuilder &b, Location loc,
                           const AttentionSizes &sizes, Value p, Value v,
                           int64_t group, Value init) {
  // Loops (b, h, t, e, s).
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3, 4});
  if (!init)
    init = createFilled(b, loc, sizes.outShape(), b.getF32Type(), 0.0);
  return buildGeneric(b, loc, {p, v}, init, 5,
                      {{d[0], d[1], d[2], d[4]},
                       {d[0], d[1].floorDiv(group), d[4], d[3]},
                       {d[0], d[1], d[2], d[3]}},
                      {par, par, par, par, red},
                      [](OpBuilder &b, Location l, ValueRange args) {
                        return fma32(b, l, args[2], args[0], args[1]);
                      });
}

Value lowering::indexValue(OpBuilder &b, Location loc, OpFoldResult size) {
  return getValueOrCreateConstantIndexOp(b, loc, size);
}

Value lowering::buildScoreMap(OpBuilder &b, Location loc,
                              const AttentionSizes &sizes, Value scores,
                              Value bias, bool causal, ScoreFn fn) {
  // Query t sees key s iff s <= t + (S - T).
  Value offset;
  if (causal)
    offset = arith::SubIOp::create(b, loc, indexValue(b, loc, sizes.s),
                                   indexValue(b, loc, sizes.t));
  return buildScoreMapWithOffset(b, loc, sizes, scores, bias, offset, fn);
}

Value lowering::buildScoreMapWithOffset(OpBuilder &b, Location loc,
                                        const AttentionSizes &sizes,
                                        Value scores, Value bias, Value offset,
                                        ScoreFn fn, Type resultType) {
  if (!resultType)
    resultType = b.getF32Type();
  MLIRContext *ctx = b.getContext();
  bool causal = static_cast<bool>(offset);
  SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3});
  SmallVector<Value> inputs = {scores};
  SmallVector<SmallVector<AffineExpr>> maps = {d};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(broadcastExprs(bias, d));
  }
  maps.push_back(d);
  Value init = createEmpty(b, loc, sizes.scoreShape(), resultType);
  return buildGeneric(
      b, loc, inputs, init, 4, maps, {par, par, par, par},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value biasValue = bias ? toF32(nb, l, args[1]) : Value();
        Value visible;
        if (causal) {
          Value t = linalg::IndexOp::create(nb, l, 2);
          Value s = linalg::IndexOp::create(nb, l, 3);
          Value last = arith::AddIOp::create(nb, l, t, offset);
          visible =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle, s, last);
        }
        return fromF32(nb, l, fn(nb, l, args[0], biasValue, visible),
                       resultType);
      });
}

Value lowering::buildSoftmax(OpBuilder &b, Location loc,
                             const AttentionSizes &sizes, Value logits) {
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3});
  SmallVector<AffineExpr> row = {d[0], d[1], d[2]};
  SmallVector<OpFoldResult> rowShape = {sizes.b, sizes.h, sizes.t};
  Type f32 = b.getF32Type();

  Value maxInit = createFilled(b, loc, rowShape, f32, -INFINITY);
  Value rowMax = buildGeneric(
      b, loc, {logits}, maxInit, 4, {d, row}, {par, par, par, red},
      [](OpBuilder &b, Location l, ValueRange args) {
        return arith::MaximumFOp::create(b, l, args[0], args[1]).getResult();
      });
  // exp(x - max); a row whose max is -inf has only masked entries: subtract
  // 0 instead so it yields exp(-inf) = 0 rather than NaN.
  Value exps = buildGeneric(
      b, loc, {logits, rowMax}, createEmpty(b, loc, sizes.scoreShape(), f32), 4,
      {d, row, d}, {par, par, par, par},
      [](OpBuilder &b, Location l, ValueRange args) {
        Value isEmpty =
            arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, args[1],
                                  f32Const(b, l, -INFINITY));
        Value shift = arith::SelectOp::create(b, l, isEmpty,
                                              f32Const(b, l, 0.0), args[1]);
        Value x = arith::SubFOp::create(b, l, args[0], shift);
        return math::ExpOp::create(b, l, x).getResult();
      });
  Value sum = buildGeneric(
      b, loc, {exps}, createFilled(b, loc, rowShape, f32, 0.0), 4, {d, row},
      {par, par, par, red}, [](OpBuilder &b, Location l, ValueRange args) {
        return arith::AddFOp::create(b, l, args[1], args[0]).getResult();
      });
  return buildGeneric(
      b, loc, {exps, sum}, createEmpty(b, loc, sizes.scoreShape(), f32), 4,
      {d, row, d}, {par, par, par, par},
      [](OpBuilder &b, Location l, ValueRange args) {
        Value positive = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                               args[1], f32Const(b, l, 0.0));
        Value p = arith::DivFOp::create(b, l, args[0], args[1]);
        return arith::SelectOp::create(b, l, positive, p, f32Const(b, l, 0.0))
            .getResult();
      });
}

Value lowering::multiplyByGate(OpBuilder &b, Location loc, Value out,
                               Value gate) {
  auto type = cast<RankedTensorType>(out.getType());
  SmallVector<AffineExpr> d;
  for (unsigned i = 0; i < type.getRank(); ++i)
    d.push_back(b.getAffineDimExpr(i));
  SmallVector<utils::IteratorType> iters(type.getRank(), par);
  return buildGeneric(
      b, loc, {out, gate},
      createEmpty(b, loc, getDims(b, loc, out), b.getF32Type()), type.getRank(),
      {d, d, d}, iters, [](OpBuilder &b, Location l, ValueRange args) {
        return arith::MulFOp::create(b, l, args[0], toF32(b, l, args[1]))
            .getResult();
      });
}

Value lowering::castResult(OpBuilder &b, Location loc, Value value,
                           RankedTensorType type) {
  auto valueType = cast<RankedTensorType>(value.getType());
  Type elementType = type.getElementType();
  if (valueType.getElementType() != elementType) {
    SmallVector<AffineExpr> d;
    for (unsigned i = 0; i < valueType.getRank(); ++i)
      d.push_back(b.getAffineDimExpr(i));
    SmallVector<utils::IteratorType> iters(valueType.getRank(), par);
    value =
        buildGeneric(b, loc, {value},
                     createEmpty(b, loc, getDims(b, loc, value), elementType),
                     valueType.getRank(), {d, d}, iters,
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       return fromF32(b, l, args[0], elementType);
                     });
  }
  if (value.getType() != type)
    value = tensor::CastOp::create(b, loc, type, value);
  return value;
}

Value lowering::reciprocal(OpBuilder &b, Location loc, OpFoldResult size) {
  Value index = indexValue(b, loc, size);
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  Value f = arith::SIToFPOp::create(b, loc, b.getF32Type(), i64);
  return arith::DivFOp::create(b, loc, f32Const(b, loc, 1.0), f);
}

Value lowering::applyActivation(OpBuilder &b, Location loc, Activation act,
                                Value x) {
  if (act == Activation::relu2) {
    Value r = arith::MaximumFOp::create(b, loc, x, f32Const(b, loc, 0.0));
    return arith::MulFOp::create(b, loc, r, r);
  }
  // laplace(x) = 0.5 * (1 + erf((x - sqrt(0.5)) / (sqrt(2) * sigma))) with
  // sigma = 1/sqrt(4 pi), i.e. erf((x - sqrt(0.5)) * sqrt(2 pi)).
  Value shifted =
      arith::SubFOp::create(b, loc, x, f32Const(b, loc, std::sqrt(0.5)));
  Value arg = arith::MulFOp::create(b, loc, shifted,
                                    f32Const(b, loc, std::sqrt(2.0 * M_PI)));
  Value erf = math::ErfOp::create(b, loc, arg);
  Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0), erf);
  return arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), onePlus);
}

/// phi(x) of `x` [B, H, T, Dk] (after multiplying by `scale`), in f32:
/// [B, H, T, F].
Value lowering::buildFeatureMap(OpBuilder &b, Location loc, FeatureMap map,
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

Value lowering::contractWithState(OpBuilder &b, Location loc, Value phiQ,
                                  Value state, int64_t group, Value init) {
  // Loops (b, h, t, e, f).
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3, 4});
  return buildGeneric(b, loc, {phiQ, state}, init, 5,
                      {{d[0], d[1], d[2], d[4]},
                       {d[0], d[1].floorDiv(group), d[4], d[3]},
                       {d[0], d[1], d[2], d[3]}},
                      {par, par, par, par, red},
                      [](OpBuilder &b, Location l, ValueRange args) {
                        return fma32(b, l, args[2], args[0], args[1]);
                      });
}

Value lowering::contractWithNormalizer(OpBuilder &b, Location loc, Value phiQ,
                                       Value normalizer, int64_t group,
                                       Value init) {
  // Loops (b, h, t, f).
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3});
  return buildGeneric(
      b, loc, {phiQ, normalizer}, init, 4,
      {d, {d[0], d[1].floorDiv(group), d[3]}, {d[0], d[1], d[2]}},
      {par, par, par, red}, [](OpBuilder &b, Location l, ValueRange args) {
        return fma32(b, l, args[2], args[0], args[1]);
      });
}

Value lowering::accumulateState(OpBuilder &b, Location loc, Value phiK, Value v,
                                Value init) {
  // Loops (b, hk, f, e, s).
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3, 4});
  return buildGeneric(b, loc, {phiK, v}, init, 5,
                      {{d[0], d[1], d[4], d[2]},
                       {d[0], d[1], d[4], d[3]},
                       {d[0], d[1], d[2], d[3]}},
                      {par, par, par, par, red},
                      [](OpBuilder &b, Location l, ValueRange args) {
                        return fma32(b, l, args[2], args[0], args[1]);
                      });
}

Value lowering::accumulateNormalizer(OpBuilder &b, Location loc, Value phiK,
                                     Value init) {
  // Loops (b, hk, f, s).
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3});
  return buildGeneric(
      b, loc, {phiK}, init, 4, {{d[0], d[1], d[3], d[2]}, {d[0], d[1], d[2]}},
      {par, par, par, red}, [](OpBuilder &b, Location l, ValueRange args) {
        return arith::AddFOp::create(b, l, args[1], args[0]).getResult();
      });
}

Value lowering::rowSum(OpBuilder &b, Location loc, Value x) {
  SmallVector<OpFoldResult> shape = getDims(b, loc, x);
  shape.pop_back();
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3});
  return buildGeneric(
      b, loc, {x}, createFilled(b, loc, shape, b.getF32Type(), 0.0), 4,
      {d, {d[0], d[1], d[2]}}, {par, par, par, red},
      [](OpBuilder &b, Location l, ValueRange args) {
        return arith::AddFOp::create(b, l, args[1], args[0]).getResult();
      });
}

Value lowering::normalizeRows(OpBuilder &b, Location loc, Value num, Value den,
                              double eps) {
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3});
  return buildGeneric(
      b, loc, {num, den},
      createEmpty(b, loc, getDims(b, loc, num), b.getF32Type()), 4,
      {d, {d[0], d[1], d[2]}, d}, {par, par, par, par},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value denom = arith::AddFOp::create(b, l, args[1], f32Const(b, l, eps));
        return arith::DivFOp::create(b, l, args[0], denom).getResult();
      });
}

Value lowering::stateInit(OpBuilder &b, Location loc, Value initial, Value phiK,
                          OpFoldResult dv) {
  if (initial) {
    auto type = cast<RankedTensorType>(initial.getType());
    if (type.getElementType().isF32())
      return initial;
    return buildElementwise(
        b, loc, {initial},
        {dims(b.getContext(),
              llvm::to_vector(llvm::seq<unsigned>(0, type.getRank())))},
        createEmpty(b, loc, getDims(b, loc, initial), b.getF32Type()),
        [](OpBuilder &b, Location l, ValueRange args) {
          return toF32(b, l, args[0]);
        });
  }
  SmallVector<OpFoldResult> k = getDims(b, loc, phiK);
  SmallVector<OpFoldResult> shape = {k[0], k[1], k[3]};
  if (dv)
    shape.push_back(dv);
  return createFilled(b, loc, shape, b.getF32Type(), 0.0);
}
