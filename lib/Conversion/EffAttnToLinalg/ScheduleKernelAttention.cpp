//===- ScheduleKernelAttention.cpp - chunked linear-time attention --------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The linear-time algorithms: one loop over chunks carrying the f32 state;
// the quadratic part is confined to a [C, C] block per chunk, so memory and
// time grow linearly with T.
//
//===----------------------------------------------------------------------===//

#include "AttentionUtils.h"
#include "ScheduleUtils.h"
#include "Utils.h"

#include "effattn/Conversion/EffAttnToLinalg/Schedules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::effattn;
using namespace mlir::effattn::lowering;

static Value indexToF32(OpBuilder &b, Location loc, Value index) {
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), i64);
}

/// Replaces `op`'s results, casting to the declared types where the computed
/// ones are less static.
static void replaceWithCasts(RewriterBase &rewriter, Operation *op,
                             SmallVector<Value> values) {
  for (auto [value, result] : llvm::zip(values, op->getResults()))
    if (value.getType() != result.getType())
      value = tensor::CastOp::create(rewriter, op->getLoc(), result.getType(),
                                     value);
  rewriter.replaceOp(op, values);
}

/// The tile of `value` [.., L, ..] converted to `elementType`.
static Value toElementType(OpBuilder &b, Location loc, Value value,
                           Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  return castResult(b, loc, value,
                    RankedTensorType::get(type.getShape(), elementType));
}

LogicalResult
mlir::effattn::scheduleMixedChunkAttention(RewriterBase &rewriter,
                                           MixedChunkAttentionOp op,
                                           const ScheduleConfig &config) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  int64_t chunk = op.getChunkSize();
  bool causal = op.getCausal();
  Activation act = op.getActivation();
  double quadScale = op.getQuadScale() ? op.getQuadScale()->convertToDouble()
                                       : 1.0 / static_cast<double>(chunk);
  double linScale = op.getLinScale().convertToDouble();
  SmallVector<OpFoldResult> qDims = getDims(b, loc, op.getQQuad());
  OpFoldResult dk = qDims[3];
  OpFoldResult dv = getDims(b, loc, op.getV())[3];
  Value t = getDimValue(b, loc, op.getQQuad(), 2);
  Type elementType = op.getType().getElementType();
  // The chunk's weights stay f32 (config.weightType is not applied): as an
  // f16/bf16 tensor-core kernel, P·V of the chunk spills registers under
  // ptxas (8 bytes, sm_80 at every chunk size), which the gates forbid.
  Type weightType = f32;
  SmallVector<AffineExpr> d = dims(ctx, {0, 1, 2, 3, 4});

  // The [B, H, Dk, Dv] state: non-causal, the sum over every chunk, reduced
  // up front; causal, an exclusive prefix carried by the loop.
  SmallVector<OpFoldResult> stateShape = {qDims[0], qDims[1], dk, dv};
  Value state = createFilled(b, loc, stateShape, f32, 0.0);
  if (!causal)
    state = accumulateState(b, loc, op.getKLin(), op.getV(), state);

  // The linear term's factor, per chunk start g0 = g C.
  auto linFactor = [&](OpBuilder &b, Location l, Value g0) -> Value {
    Value factor;
    switch (op.getLinScaleMode()) {
    case LinScaleMode::inverse_length:
      if (causal) {
        // 1 / (g C); chunk 0 has a zero state, so any finite factor will do.
        Value gc = arith::MaximumFOp::create(b, l, indexToF32(b, l, g0),
                                             f32Const(b, l, 1.0));
        factor = arith::DivFOp::create(b, l, f32Const(b, l, 1.0), gc);
      } else {
        factor = arith::DivFOp::create(b, l, f32Const(b, l, 1.0),
                                       indexToF32(b, l, t));
      }
      break;
    case LinScaleMode::inverse_chunk:
      factor = f32Const(b, l, 1.0 / static_cast<double>(chunk));
      break;
    case LinScaleMode::none:
      factor = f32Const(b, l, 1.0);
      break;
    }
    return arith::MulFOp::create(b, l, factor, f32Const(b, l, linScale));
  };

  Value out = createEmpty(b, loc, {qDims[0], qDims[1], t, dv}, elementType);
  SmallVector<Value> results = buildTileLoop(
      b, loc, indexConst(b, loc, 0), t, chunk, {out, state},
      [&](OpBuilder &b, Location loc, Value g0, Value len,
          ValueRange iter) -> SmallVector<Value> {
        Value state = iter[1];
        auto slice = [&](Value x) { return sliceDim(b, loc, x, 2, g0, len); };
        Value qq = slice(op.getQQuad()), kq = slice(op.getKQuad());
        Value ql = slice(op.getQLin()), kl = slice(op.getKLin());
        Value v = slice(op.getV());
        AttentionSizes sizes(qDims[0], qDims[1], len, len, dv);

        // Quadratic part, inside the chunk; a partial chunk of L rows reads
        // bias[:L, :L].
        Value scores = contractQK(b, loc, sizes, qq, kq, 1);
        SmallVector<Value> inputs = {scores};
        SmallVector<SmallVector<AffineExpr>> maps = {{d[0], d[1], d[2], d[3]}};
        if (Value bias = op.getBias()) {
          Value rows = sliceDim(b, loc, bias, 0, b.getIndexAttr(0), len);
          inputs.push_back(sliceDim(b, loc, rows, 1, b.getIndexAttr(0), len));
          maps.push_back({d[2], d[3]});
        }
        Value weights = buildElementwise(
            b, loc, inputs, maps,
            createEmpty(b, loc, sizes.scoreShape(), weightType),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value x = arith::MulFOp::create(b, l, f32Const(b, l, quadScale),
                                              args[0]);
              if (op.getBias())
                x = arith::AddFOp::create(b, l, x, toF32(b, l, args[1]));
              Value a = applyActivation(b, l, act, x);
              if (causal) {
                Value i = linalg::IndexOp::create(b, l, 2);
                Value j = linalg::IndexOp::create(b, l, 3);
                Value seen = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::ule, j, i);
                a = arith::SelectOp::create(b, l, seen, a, f32Const(b, l, 0.0));
              }
              return fromF32(b, l, a, weightType);
            });
        Value quad = contractPV(b, loc, sizes, weights, v, 1);

        // Linear part against the carried state.
        Value lin =
            contractWithState(b, loc, ql, state, 1,
                              createFilled(b, loc, sizes.outShape(), f32, 0.0));
        Value factor = linFactor(b, loc, g0);
        SmallVector<Value> parts = {quad, lin};
        SmallVector<SmallVector<AffineExpr>> partMaps = {
            {d[0], d[1], d[2], d[3]}, {d[0], d[1], d[2], d[3]}};
        if (Value gate = op.getGate()) {
          parts.push_back(slice(gate));
          partMaps.push_back({d[0], d[1], d[2], d[3]});
        }
        Value tile = buildElementwise(
            b, loc, parts, partMaps,
            createEmpty(b, loc, sizes.outShape(), elementType),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value scaled = arith::MulFOp::create(b, l, factor, args[1]);
              Value o = arith::AddFOp::create(b, l, args[0], scaled);
              if (op.getGate())
                o = arith::MulFOp::create(b, l, o, toF32(b, l, args[2]));
              return fromF32(b, l, o, elementType);
            });
        Value nextOut = insertDim(b, loc, tile, iter[0], 2, g0);
        // Causal: this chunk joins the prefix only after its queries ran.
        if (causal)
          state = accumulateState(b, loc, kl, v, state);
        return {nextOut, state};
      });
  replaceWithCasts(rewriter, op, {results[0]});
  return success();
}

LogicalResult
mlir::effattn::scheduleLinearAttention(RewriterBase &rewriter,
                                       LinearAttentionOp op,
                                       const ScheduleConfig &config) {
  FailureOr<int64_t> group = getHeadGroup(op.getQ(), op.getK());
  if (failed(group))
    return rewriter.notifyMatchFailure(op, "dynamic head counts");
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  OpBuilder &b = rewriter;
  Type f32 = b.getF32Type();
  FeatureMap map = op.getFeatureMap();
  double scale = op.getScale().convertToDouble();
  double eps = op.getEps().convertToDouble();
  bool normalize = op.getNormalize();
  Type elementType = op.getResult().getType().getElementType();
  SmallVector<OpFoldResult> qDims = getDims(b, loc, op.getQ());
  OpFoldResult dv = getDims(b, loc, op.getV())[3];
  Value t = getDimValue(b, loc, op.getQ(), 2);
  Value s = getDimValue(b, loc, op.getK(), 2);
  auto phi = [&](OpBuilder &b, Location l, Value x, double xScale) {
    return buildFeatureMap(b, l, map, x, op.getOmega(), xScale);
  };
  // Initial state and normalizer in f32, shaped after one key's features.
  Value phiK0 =
      phi(b, loc,
          sliceDim(b, loc, op.getK(), 2, b.getIndexAttr(0), b.getIndexAttr(0)),
          1.0);
  Value state = stateInit(b, loc, op.getInitialState(), phiK0, dv);
  Value norm = normalize
                   ? stateInit(b, loc, op.getInitialNormalizer(), phiK0, {})
                   : Value();

  SmallVector<Value> results;
  if (!op.getCausal()) {
    // State of every key first, then every query against it.
    Value phiK = phi(b, loc, op.getK(), 1.0);
    Value phiQ = phi(b, loc, op.getQ(), scale);
    state = accumulateState(b, loc, phiK, op.getV(), state);
    SmallVector<OpFoldResult> outShape = {qDims[0], qDims[1], t, dv};
    Value num = contractWithState(b, loc, phiQ, state, *group,
                                  createFilled(b, loc, outShape, f32, 0.0));
    Value out = num;
    if (normalize) {
      norm = accumulateNormalizer(b, loc, phiK, norm);
      Value den = contractWithNormalizer(
          b, loc, phiQ, norm, *group,
          createFilled(b, loc, {qDims[0], qDims[1], t}, f32, 0.0));
      out = normalizeRows(b, loc, num, den, eps);
    }
    results = {toElementType(b, loc, out, elementType)};
  } else {
    int64_t chunk = op.getChunkSize().value_or(config.chunkSize);
    Value zero = indexConst(b, loc, 0);
    Value offset = arith::SubIOp::create(b, loc, s, t);
    // Keys before the first query's diagonal (S > T) are seen by every
    // query: fold them into the starting state.
    Value prefix = clampIndex(b, loc, offset, zero, s);
    Value phiPre =
        phi(b, loc, sliceDim(b, loc, op.getK(), 2, zero, prefix), 1.0);
    state = accumulateState(
        b, loc, phiPre, sliceDim(b, loc, op.getV(), 2, zero, prefix), state);
    if (normalize)
      norm = accumulateNormalizer(b, loc, phiPre, norm);

    Value out = createEmpty(b, loc, {qDims[0], qDims[1], t, dv}, elementType);
    SmallVector<Value> init = {out, state};
    if (normalize)
      init.push_back(norm);
    SmallVector<Value> carried = buildTileLoop(
        b, loc, zero, t, chunk, init,
        [&](OpBuilder &b, Location loc, Value c0, Value len,
            ValueRange iter) -> SmallVector<Value> {
          Value state = iter[1];
          Value norm = normalize ? iter[2] : Value();
          // Keys [lo, hi) are this chunk's diagonal block.
          Value diag = arith::AddIOp::create(b, loc, c0, offset);
          Value lo = clampIndex(b, loc, diag, zero, s);
          Value hi = clampIndex(
              b, loc, arith::AddIOp::create(b, loc, diag, len), zero, s);
          Value n = arith::SubIOp::create(b, loc, hi, lo);
          Value phiQ =
              phi(b, loc, sliceDim(b, loc, op.getQ(), 2, c0, len), scale);
          Value phiK = phi(b, loc, sliceDim(b, loc, op.getK(), 2, lo, n), 1.0);
          Value v = sliceDim(b, loc, op.getV(), 2, lo, n);
          AttentionSizes sizes(qDims[0], qDims[1], len, n, dv);
          Value scores = contractQK(b, loc, sizes, phiQ, phiK, *group);
          // Key lo + j is visible from query c0 + i iff j <= i + (diag - lo).
          Value weights = buildScoreMapWithOffset(
              b, loc, sizes, scores, Value(),
              arith::SubIOp::create(b, loc, diag, lo),
              [](OpBuilder &b, Location l, Value a, Value, Value visible) {
                return arith::SelectOp::create(b, l, visible, a,
                                               f32Const(b, l, 0.0))
                    .getResult();
              });
          Value num = contractPV(b, loc, sizes, weights, v, *group);
          num = contractWithState(b, loc, phiQ, state, *group, num);
          Value o = num;
          SmallVector<Value> next;
          if (normalize) {
            Value den = contractWithNormalizer(b, loc, phiQ, norm, *group,
                                               rowSum(b, loc, weights));
            o = normalizeRows(b, loc, num, den, eps);
          }
          next.push_back(insertDim(
              b, loc, toElementType(b, loc, o, elementType), iter[0], 2, c0));
          next.push_back(accumulateState(b, loc, phiK, v, state));
          if (normalize)
            next.push_back(accumulateNormalizer(b, loc, phiK, norm));
          return next;
        });
    results = {carried[0]};
    state = carried[1];
    if (normalize)
      norm = carried[2];
  }
  if (Value finalState = op.getFinalState())
    results.push_back(toElementType(b, loc, state, elementType));
  if (op.getFinalNormalizer())
    results.push_back(toElementType(b, loc, norm, elementType));
  replaceWithCasts(rewriter, op, results);
  return success();
}
