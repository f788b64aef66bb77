//===- AttentionUtils.cpp - building blocks of attention lowerings --------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "AttentionUtils.h"
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
                           int64_t group) {
  // Loops (b, h, t, e, s).
  SmallVector<AffineExpr> d = dims(b.getContext(), {0, 1, 2, 3, 4});
  Value init = createFilled(b, loc, sizes.outShape(), b.getF32Type(), 0.0);
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
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3});
  SmallVector<Value> inputs = {scores};
  SmallVector<SmallVector<AffineExpr>> maps = {d};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(broadcastExprs(bias, d));
  }
  maps.push_back(d);
  // Query t sees key s iff s <= t + (S - T).
  Value offset;
  if (causal)
    offset = arith::SubIOp::create(b, loc, indexValue(b, loc, sizes.s),
                                   indexValue(b, loc, sizes.t));
  Value init = createEmpty(b, loc, sizes.scoreShape(), b.getF32Type());
  return buildGeneric(b, loc, inputs, init, 4, maps, {par, par, par, par},
                      [&](OpBuilder &nb, Location l, ValueRange args) {
                        Value biasValue =
                            bias ? toF32(nb, l, args[1]) : Value();
                        Value visible;
                        if (causal) {
                          Value t = linalg::IndexOp::create(nb, l, 2);
                          Value s = linalg::IndexOp::create(nb, l, 3);
                          Value last = arith::AddIOp::create(nb, l, t, offset);
                          visible = arith::CmpIOp::create(
                              nb, l, arith::CmpIPredicate::sle, s, last);
                        }
                        return fn(nb, l, args[0], biasValue, visible);
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
