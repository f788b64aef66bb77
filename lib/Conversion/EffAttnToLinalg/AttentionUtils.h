//===- AttentionUtils.h - building blocks of attention lowerings -*- C++
//-*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The stages every quadratic (reference) attention shares, on f32 tensors of
// attention layout: q kᵀ, an element-wise score map with the causal mask and
// the bias, a masked softmax, and the weighted sum of the values. Grouped-
// query heads read key/value head h floordiv (H / Hk).
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_ATTENTIONUTILS_H
#define EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_ATTENTIONUTILS_H

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::effattn::lowering {

/// The sizes of an attention op: q [B, H, T, *], k [B, Hk, S, *], v [.., Dv].
struct AttentionSizes {
  AttentionSizes(OpBuilder &b, Location loc, Value q, Value k, Value v);
  AttentionSizes(OpFoldResult b, OpFoldResult h, OpFoldResult t, OpFoldResult s,
                 OpFoldResult dv)
      : b(b), h(h), t(t), s(s), dv(dv) {}
  OpFoldResult b, h, t, s, dv;
  /// [B, H, T, S], the shape of score tensors.
  SmallVector<OpFoldResult> scoreShape() const { return {b, h, t, s}; }
  /// [B, H, T, Dv], the shape of outputs.
  SmallVector<OpFoldResult> outShape() const { return {b, h, t, dv}; }
};

/// scores[b, h, t, s] = sum_d q[b, h, t, d] k[b, h / group, s, d], in f32.
Value contractQK(OpBuilder &b, Location loc, const AttentionSizes &sizes,
                 Value q, Value k, int64_t group);

/// out[b, h, t, e] = init + sum_s p[b, h, t, s] v[b, h / group, s, e], in
/// f32; `init` defaults to zeros.
Value contractPV(OpBuilder &b, Location loc, const AttentionSizes &sizes,
                 Value p, Value v, int64_t group, Value init = Value());

/// Maps one f32 score to its weight: `bias` is the f32 bias element (null
/// without bias), `visible` the i1 causal visibility (null when not causal).
using ScoreFn = llvm::function_ref<Value(OpBuilder &b, Location loc, Value qk,
                                         Value bias, Value visible)>;

/// Applies `fn` element-wise to `scores` [B, H, T, S], reading `bias`
/// [B|1, H|1, T, S] (optional) and computing the bottom-right aligned causal
/// visibility `s <= t + (S - T)` when `causal`.
Value buildScoreMap(OpBuilder &b, Location loc, const AttentionSizes &sizes,
                    Value scores, Value bias, bool causal, ScoreFn fn);

/// As above, for a tile: key s of the tile is visible from query t of the
/// tile iff s <= t + `causalOffset` (an index value; null when not causal).
/// The f32 weights are rounded to `resultType` when given.
Value buildScoreMapWithOffset(OpBuilder &b, Location loc,
                              const AttentionSizes &sizes, Value scores,
                              Value bias, Value causalOffset, ScoreFn fn,
                              Type resultType = Type());

/// The GAU score activation (relu2 or laplace) on an f32 scalar.
Value applyActivation(OpBuilder &b, Location loc, Activation act, Value x);

/// softmax over the last dim of `logits` [B, H, T, S] (masked entries are
/// -inf); a row with no finite entry becomes all zeros.
Value buildSoftmax(OpBuilder &b, Location loc, const AttentionSizes &sizes,
                   Value logits);

/// out * gate element-wise (f32 result).
Value multiplyByGate(OpBuilder &b, Location loc, Value out, Value gate);

/// Converts the f32 tensor `value` to `type`'s element type (and, when the
/// result type is more static, casts to it).
Value castResult(OpBuilder &b, Location loc, Value value,
                 RankedTensorType type);

/// 1 / size as an f32 scalar.
Value reciprocal(OpBuilder &b, Location loc, OpFoldResult size);

/// `size` as an index value.
Value indexValue(OpBuilder &b, Location loc, OpFoldResult size);

/// phi(scale * x) of `x` [B, H, T, Dk] in f32: [B, H, T, F] (F = M for
/// favor, which reads `omega` [M, Dk], else Dk).
Value buildFeatureMap(OpBuilder &b, Location loc, FeatureMap map, Value x,
                      Value omega, double scale);

/// init[b, h, t, e] + sum_f phiQ[b, h, t, f] state[b, h / group, f, e].
Value contractWithState(OpBuilder &b, Location loc, Value phiQ, Value state,
                        int64_t group, Value init);

/// init[b, h, t] + sum_f phiQ[b, h, t, f] normalizer[b, h / group, f].
Value contractWithNormalizer(OpBuilder &b, Location loc, Value phiQ,
                             Value normalizer, int64_t group, Value init);

/// init[b, hk, f, e] + sum_s phiK[b, hk, s, f] v[b, hk, s, e].
Value accumulateState(OpBuilder &b, Location loc, Value phiK, Value v,
                      Value init);

/// init[b, hk, f] + sum_s phiK[b, hk, s, f].
Value accumulateNormalizer(OpBuilder &b, Location loc, Value phiK, Value init);

/// The sum over the last dim of a 4-D f32 tensor.
Value rowSum(OpBuilder &b, Location loc, Value x);

/// num[b, h, t, e] / (den[b, h, t] + eps).
Value normalizeRows(OpBuilder &b, Location loc, Value num, Value den,
                    double eps);

/// The f32 start of a carried state: `initial` (converted) when present,
/// else zeros of [B, Hk, F] (+ [Dv] when `dv` is given) shaped after phiK.
Value stateInit(OpBuilder &b, Location loc, Value initial, Value phiK,
                OpFoldResult dv);

} // namespace mlir::effattn::lowering

#endif // EFFATTN_LIB_CONVERSION_EFFATTNTOLINALG_ATTENTIONUTILS_H
