//===- ScheduleAttention.cpp - tiled softmax, quad, partitioned -----------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// Flash-style schedules: an outer loop over query tiles, an inner loop over
// key tiles carrying the running state in f32. With `causal`, the key loop
// stops at the last key any query of the tile can see, and is split in two:
// tiles entirely below the diagonal run without a mask, only the tiles that
// straddle it are masked.
//
//===----------------------------------------------------------------------===//

#include "AttentionUtils.h"
#include "ScheduleUtils.h"
#include "Utils.h"

#include "effattn/Conversion/EffAttnToLinalg/Schedules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include <cmath>

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

static constexpr utils::IteratorType par = utils::IteratorType::parallel;
static constexpr utils::IteratorType red = utils::IteratorType::reduction;

namespace {
/// What every tiled attention shares: sizes, the query-tile loop and the
/// split key loop.
struct TiledAttention {
  TiledAttention(OpBuilder &b, Location loc, Value q, Value k, Value v,
                 Value bias, int64_t group, bool causal)
      : q(q), k(k), v(v), bias(bias), group(group), causal(causal) {
    SmallVector<OpFoldResult> qDims = getDims(b, loc, q);
    batch = qDims[0];
    heads = qDims[1];
    dv = getDims(b, loc, v)[3];
    t = getDimValue(b, loc, q, 2);
    s = getDimValue(b, loc, k, 2);
    offset = arith::SubIOp::create(b, loc, s, t);
  }

  /// The bias rows [t0, t0 + tq) and columns [s0, s0 + sk); broadcast dims
  /// of size 1 stay whole.
  Value biasTile(OpBuilder &b, Location loc, Value t0, Value tq, Value s0,
                 Value sk) const {
    if (!bias)
      return Value();
    Value rows = sliceDim(b, loc, bias, 2, t0, tq);
    return sliceDim(b, loc, rows, 3, s0, sk);
  }

  /// Runs `body` over the key tiles a query tile [t0, t0 + tq) can see:
  /// first the unmasked ones, then (causal) the ones straddling the
  /// diagonal, whose mask offset is passed to `body` (null otherwise).
  SmallVector<Value>
  keyLoops(OpBuilder &b, Location loc, Value t0, Value tq, int64_t keyTile,
           ValueRange init,
           llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                                 Value, Value, ValueRange)>
               body) const {
    Value zero = indexConst(b, loc, 0);
    if (!causal)
      return buildTileLoop(
          b, loc, zero, s, keyTile, init,
          [&](OpBuilder &nb, Location l, Value s0, Value sk, ValueRange iter) {
            return body(nb, l, s0, sk, Value(), iter);
          });
    // Row t0 + i sees keys j <= t0 + i + (S - T). Keys below the tile's first
    // diagonal entry are seen by every row; none past the last row's.
    Value firstDiag = arith::AddIOp::create(b, loc, t0, offset);
    Value fullEnd = clampIndex(
        b, loc, arith::AddIOp::create(b, loc, firstDiag, indexConst(b, loc, 1)),
        zero, s);
    // Whole key tiles only: the partial one joins the masked loop.
    Value tile = indexConst(b, loc, keyTile);
    fullEnd = arith::MulIOp::create(
        b, loc, arith::DivSIOp::create(b, loc, fullEnd, tile), tile);
    Value lastSeen = arith::AddIOp::create(b, loc, firstDiag, tq);
    Value end = clampIndex(b, loc, lastSeen, fullEnd, s);
    SmallVector<Value> full = buildTileLoop(
        b, loc, zero, fullEnd, keyTile, init,
        [&](OpBuilder &nb, Location l, Value s0, Value sk, ValueRange iter) {
          return body(nb, l, s0, sk, Value(), iter);
        });
    return buildTileLoop(
        b, loc, fullEnd, end, keyTile, full,
        [&](OpBuilder &nb, Location l, Value s0, Value sk, ValueRange iter) {
          // Tile key s is visible from tile query i iff
          // s0 + s <= t0 + i + (S - T).
          Value mask = arith::SubIOp::create(nb, l, firstDiag, s0);
          return body(nb, l, s0, sk, mask, iter);
        });
  }

  AttentionSizes tileSizes(Value tq, Value sk) const {
    return AttentionSizes(batch, heads, tq, sk, dv);
  }

  Value q, k, v, bias;
  int64_t group;
  bool causal;
  OpFoldResult batch, heads, dv;
  Value t, s, offset;
};

/// Rows [B, H, tq] of a [B, H, tq, *] map, and the 4-D identity.
struct RowMaps {
  explicit RowMaps(MLIRContext *ctx) : d(dims(ctx, {0, 1, 2, 3})) {
    row = {d[0], d[1], d[2]};
  }
  SmallVector<AffineExpr> d, row;
};
} // namespace

/// m - (m == -inf ? 0 : m): a shift that keeps fully masked rows at 0.
static Value safeShift(OpBuilder &b, Location loc, Value m) {
  Value negInf = f32Const(b, loc, -INFINITY);
  Value empty =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, m, negInf);
  return arith::SelectOp::create(b, loc, empty, f32Const(b, loc, 0.0), m);
}

LogicalResult
mlir::effattn::scheduleSoftmaxAttention(RewriterBase &rewriter,
                                        SoftmaxAttentionOp op,
                                        const ScheduleConfig &config) {
  FailureOr<int64_t> group = getHeadGroup(op.getQ(), op.getK());
  if (failed(group))
    return rewriter.notifyMatchFailure(op, "dynamic head counts");
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  Type f32 = b.getF32Type();
  int64_t dk = op.getQ().getType().getDimSize(3);
  double scale = op.getScale() ? op.getScale()->convertToDouble()
                               : 1.0 / std::sqrt(static_cast<double>(dk));
  TiledAttention tiled(b, loc, op.getQ(), op.getK(), op.getV(), op.getBias(),
                       *group, op.getCausal());
  RowMaps m(b.getContext());
  Type elementType = op.getType().getElementType();
  Type weightType = config.weightType(elementType);
  Value out = createEmpty(b, loc, {tiled.batch, tiled.heads, tiled.t, tiled.dv},
                          elementType);

  SmallVector<Value> result = buildTileLoop(
      b, loc, indexConst(b, loc, 0), tiled.t, config.queryTile, out,
      [&](OpBuilder &b, Location loc, Value t0, Value tq, ValueRange outIter) {
        Value qTile = sliceDim(b, loc, op.getQ(), 2, t0, tq);
        SmallVector<OpFoldResult> rows = {tiled.batch, tiled.heads, tq};
        SmallVector<OpFoldResult> accShape = {tiled.batch, tiled.heads, tq,
                                              tiled.dv};
        SmallVector<Value> init = {createFilled(b, loc, rows, f32, -INFINITY),
                                   createFilled(b, loc, rows, f32, 0.0),
                                   createFilled(b, loc, accShape, f32, 0.0)};
        SmallVector<Value> state = tiled.keyLoops(
            b, loc, t0, tq, config.keyTile, init,
            [&](OpBuilder &b, Location loc, Value s0, Value sk, Value mask,
                ValueRange iter) -> SmallVector<Value> {
              Value runMax = iter[0], runSum = iter[1], acc = iter[2];
              AttentionSizes sizes = tiled.tileSizes(tq, sk);
              Value kTile = sliceDim(b, loc, op.getK(), 2, s0, sk);
              Value vTile = sliceDim(b, loc, op.getV(), 2, s0, sk);
              Value scores = contractQK(b, loc, sizes, qTile, kTile, *group);
              Value logits = buildScoreMapWithOffset(
                  b, loc, sizes, scores, tiled.biasTile(b, loc, t0, tq, s0, sk),
                  mask,
                  [&](OpBuilder &b, Location l, Value qk, Value bias,
                      Value visible) {
                    Value x =
                        arith::MulFOp::create(b, l, f32Const(b, l, scale), qk);
                    if (bias)
                      x = arith::AddFOp::create(b, l, x, bias);
                    if (!visible)
                      return x;
                    return arith::SelectOp::create(b, l, visible, x,
                                                   f32Const(b, l, -INFINITY))
                        .getResult();
                  });
              // Online softmax: new running max, rescale what was summed.
              Value newMax = buildGeneric(
                  b, loc, {logits}, runMax, 4, {m.d, m.row},
                  {par, par, par, red},
                  [](OpBuilder &b, Location l, ValueRange args) {
                    return arith::MaximumFOp::create(b, l, args[0], args[1])
                        .getResult();
                  });
              Value correction = buildElementwise(
                  b, loc, {runMax, newMax}, {m.row, m.row},
                  createEmpty(b, loc, rows, f32),
                  [](OpBuilder &b, Location l, ValueRange args) {
                    Value diff = arith::SubFOp::create(
                        b, l, args[0], safeShift(b, l, args[1]));
                    return math::ExpOp::create(b, l, diff).getResult();
                  });
              Value probs = buildElementwise(
                  b, loc, {logits, newMax}, {m.d, m.row},
                  createEmpty(b, loc, sizes.scoreShape(), weightType),
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    Value diff = arith::SubFOp::create(
                        b, l, args[0], safeShift(b, l, args[1]));
                    return fromF32(b, l, math::ExpOp::create(b, l, diff),
                                   weightType);
                  });
              auto rescale = [](OpBuilder &b, Location l, ValueRange args) {
                return arith::MulFOp::create(b, l, args[0], args[1])
                    .getResult();
              };
              Value sumInit = buildElementwise(b, loc, {runSum, correction},
                                               {m.row, m.row}, runSum, rescale);
              Value newSum =
                  buildGeneric(b, loc, {probs}, sumInit, 4, {m.d, m.row},
                               {par, par, par, red},
                               [](OpBuilder &b, Location l, ValueRange args) {
                                 return arith::AddFOp::create(
                                            b, l, args[1], toF32(b, l, args[0]))
                                     .getResult();
                               });
              Value accInit = buildElementwise(b, loc, {acc, correction},
                                               {m.d, m.row}, acc, rescale);
              Value newAcc =
                  contractPV(b, loc, sizes, probs, vTile, *group, accInit);
              return {newMax, newSum, newAcc};
            });
        // Normalise; a row that saw no key has sum 0 and yields zeros.
        Value tile = buildElementwise(
            b, loc, {state[2], state[1]}, {m.d, m.row},
            createEmpty(b, loc, accShape, elementType),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value zero = f32Const(b, l, 0.0);
              Value positive = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OGT, args[1], zero);
              Value o = arith::DivFOp::create(b, l, args[0], args[1]);
              o = arith::SelectOp::create(b, l, positive, o, zero);
              return fromF32(b, l, o, elementType);
            });
        return SmallVector<Value>{insertDim(b, loc, tile, outIter[0], 2, t0)};
      });
  Value replacement = result[0];
  if (replacement.getType() != op.getType())
    replacement = tensor::CastOp::create(b, loc, op.getType(), replacement);
  rewriter.replaceOp(op, replacement);
  return success();
}

LogicalResult
mlir::effattn::scheduleQuadAttention(RewriterBase &rewriter, QuadAttentionOp op,
                                     const ScheduleConfig &config) {
  FailureOr<int64_t> group = getHeadGroup(op.getQ(), op.getK());
  if (failed(group))
    return rewriter.notifyMatchFailure(op, "dynamic head counts");
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  Type f32 = b.getF32Type();
  TiledAttention tiled(b, loc, op.getQ(), op.getK(), op.getV(), op.getBias(),
                       *group, op.getCausal());
  // The default scale is 1/S with the run-time key length.
  Value scale = op.getScale()
                    ? f32Const(b, loc, op.getScale()->convertToDouble())
                    : reciprocal(b, loc, tiled.s);
  bool inside = op.getScaleMode() == ScaleMode::inside;
  Activation act = op.getActivation();
  RowMaps m(b.getContext());
  Type elementType = op.getType().getElementType();
  Type weightType = config.weightType(elementType);
  Value out = createEmpty(b, loc, {tiled.batch, tiled.heads, tiled.t, tiled.dv},
                          elementType);

  SmallVector<Value> result = buildTileLoop(
      b, loc, indexConst(b, loc, 0), tiled.t, config.queryTile, out,
      [&](OpBuilder &b, Location loc, Value t0, Value tq, ValueRange outIter) {
        Value qTile = sliceDim(b, loc, op.getQ(), 2, t0, tq);
        SmallVector<OpFoldResult> accShape = {tiled.batch, tiled.heads, tq,
                                              tiled.dv};
        SmallVector<Value> acc = tiled.keyLoops(
            b, loc, t0, tq, config.keyTile,
            {createFilled(b, loc, accShape, f32, 0.0)},
            [&](OpBuilder &b, Location loc, Value s0, Value sk, Value mask,
                ValueRange iter) -> SmallVector<Value> {
              AttentionSizes sizes = tiled.tileSizes(tq, sk);
              Value kTile = sliceDim(b, loc, op.getK(), 2, s0, sk);
              Value vTile = sliceDim(b, loc, op.getV(), 2, s0, sk);
              Value scores = contractQK(b, loc, sizes, qTile, kTile, *group);
              Value weights = buildScoreMapWithOffset(
                  b, loc, sizes, scores, tiled.biasTile(b, loc, t0, tq, s0, sk),
                  mask,
                  [&](OpBuilder &b, Location l, Value qk, Value bias,
                      Value visible) {
                    Value x =
                        inside ? arith::MulFOp::create(b, l, scale, qk) : qk;
                    if (bias)
                      x = arith::AddFOp::create(b, l, x, bias);
                    Value a = applyActivation(b, l, act, x);
                    if (!inside)
                      a = arith::MulFOp::create(b, l, scale, a);
                    if (!visible)
                      return a;
                    return arith::SelectOp::create(b, l, visible, a,
                                                   f32Const(b, l, 0.0))
                        .getResult();
                  },
                  weightType);
              return {
                  contractPV(b, loc, sizes, weights, vTile, *group, iter[0])};
            });
        Value o = acc[0];
        if (Value gate = op.getGate())
          o = multiplyByGate(b, loc, o, sliceDim(b, loc, gate, 2, t0, tq));
        Value tile = castResult(
            b, loc, o,
            RankedTensorType::get(
                cast<RankedTensorType>(o.getType()).getShape(), elementType));
        return SmallVector<Value>{insertDim(b, loc, tile, outIter[0], 2, t0)};
      });
  Value replacement = result[0];
  if (replacement.getType() != op.getType())
    replacement = tensor::CastOp::create(b, loc, op.getType(), replacement);
  rewriter.replaceOp(op, replacement);
  return success();
}

LogicalResult
mlir::effattn::schedulePartitionedAttention(RewriterBase &rewriter,
                                            PartitionedAttentionOp op,
                                            const ScheduleConfig &config) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  int64_t dk = op.getQ().getType().getDimSize(3);
  double scale = op.getScale() ? op.getScale()->convertToDouble()
                               : 1.0 / std::sqrt(static_cast<double>(dk));
  bool softmax = op.getScore() == PartitionScore::softmax;
  int64_t width = op.getPartition().getType().getDimSize(1);
  int64_t tMax = (width + 1) / 2;
  SmallVector<OpFoldResult> qDims = getDims(b, loc, op.getQ());
  OpFoldResult dv = getDims(b, loc, op.getVParts())[4];
  Value t = getDimValue(b, loc, op.getQ(), 2);
  Type elementType = op.getType().getElementType();
  Value out = createEmpty(b, loc, {qDims[0], qDims[1], t, dv}, elementType);

  SmallVector<Value> result = buildTileLoop(
      b, loc, indexConst(b, loc, 0), t, config.queryTile, out,
      [&](OpBuilder &b, Location loc, Value t0, Value tq, ValueRange outIter) {
        // One row block [tq, T] of scores at a time: no [T, T] tensor.
        AttentionSizes sizes(qDims[0], qDims[1], tq, t, dv);
        Value qTile = sliceDim(b, loc, op.getQ(), 2, t0, tq);
        Value scores = contractQK(b, loc, sizes, qTile, op.getK(), 1);
        Value mask = op.getCausal() ? t0 : Value();
        Value weights = buildScoreMapWithOffset(
            b, loc, sizes, scores, Value(), mask,
            [&](OpBuilder &b, Location l, Value qk, Value, Value visible) {
              Value x = arith::MulFOp::create(b, l, f32Const(b, l, scale), qk);
              Value masked = f32Const(b, l, softmax ? -INFINITY : 0.0);
              if (!softmax) {
                Value e =
                    math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
                x = arith::DivFOp::create(
                    b, l, f32Const(b, l, 1.0),
                    arith::AddFOp::create(b, l, f32Const(b, l, 1.0), e));
              }
              if (!visible)
                return x;
              return arith::SelectOp::create(b, l, visible, x, masked)
                  .getResult();
            });
        if (softmax)
          weights = buildSoftmax(b, loc, sizes, weights);
        // Columns t0 .. t0 + tq + Tmax - 2 of the table hold every offset
        // (t0 + i) - j + Tmax - 1 this tile reads.
        Value columns =
            arith::AddIOp::create(b, loc, tq, indexConst(b, loc, tMax - 1));
        Value table = sliceDim(b, loc, op.getPartition(), 1, t0, columns);
        SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3, 4, 5});
        Value init = createFilled(b, loc, sizes.outShape(), f32, 0.0);
        // Loops (b, h, i, p, j, e): the head dim innermost, so each step
        // reads a row of v_parts contiguously (with j innermost it would
        // stride through all of v_parts[p] once per output element).
        Value o = buildGeneric(
            b, loc, {weights, table, op.getVParts()}, init, 6,
            {{d[0], d[1], d[2], d[4]},
             {d[3], d[2] - d[4] + (tMax - 1)},
             {d[0], d[1], d[3], d[4], d[5]},
             {d[0], d[1], d[2], d[5]}},
            {par, par, par, red, red, par},
            [](OpBuilder &b, Location l, ValueRange args) {
              Value w =
                  arith::MulFOp::create(b, l, args[0], toF32(b, l, args[1]));
              Value wv = arith::MulFOp::create(b, l, w, toF32(b, l, args[2]));
              return arith::AddFOp::create(b, l, args[3], wv).getResult();
            });
        Value tile = castResult(
            b, loc, o,
            RankedTensorType::get(
                cast<RankedTensorType>(o.getType()).getShape(), elementType));
        return SmallVector<Value>{insertDim(b, loc, tile, outIter[0], 2, t0)};
      });
  Value replacement = result[0];
  if (replacement.getType() != op.getType())
    replacement = tensor::CastOp::create(b, loc, op.getType(), replacement);
  rewriter.replaceOp(op, replacement);
  return success();
}
