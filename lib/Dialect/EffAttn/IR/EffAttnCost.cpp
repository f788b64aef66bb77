//===- EffAttnCost.cpp - FLOP and byte counts of effattn ops --------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Dialect/EffAttn/IR/EffAttnCost.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::effattn;

namespace {
/// Shapes of one op with dynamic sizes resolved.
struct Sizes {
  int64_t dynamicSize;

  double dim(Value value, unsigned i) const {
    int64_t size = cast<ShapedType>(value.getType()).getDimSize(i);
    return ShapedType::isDynamic(size) ? dynamicSize : size;
  }
  double numElements(Value value) const {
    auto type = cast<ShapedType>(value.getType());
    double n = 1;
    for (unsigned i = 0, e = type.getRank(); i < e; ++i)
      n *= dim(value, i);
    return n;
  }
  /// Elements of every dim but the last (the tokens of [N..., D] operands).
  double leading(Value value) const {
    return numElements(value) / dim(value, rank(value) - 1);
  }
  static unsigned rank(Value value) {
    return cast<ShapedType>(value.getType()).getRank();
  }
  static double elementBytes(Value value) {
    Type element = cast<ShapedType>(value.getType()).getElementType();
    return std::max<unsigned>(1, element.getIntOrFloatBitWidth() / 8);
  }
  double bytes(Value value) const {
    return value ? numElements(value) * elementBytes(value) : 0;
  }
  /// Bytes of every operand and result of `op`.
  double allBytes(Operation *op) const {
    double total = 0;
    for (Value value : op->getOperands())
      total += bytes(value);
    for (Value value : op->getResults())
      total += bytes(value);
    return total;
  }
};
} // namespace

/// (query, key) pairs that are not masked: T queries over S keys, with the
/// bottom-right aligned causal mask of SPEC.md (query i sees j <= i + S - T).
static double visiblePairs(double t, double s, bool causal) {
  if (!causal)
    return t * s;
  // Query i sees i + S - T + 1 keys (at most S, reached at i = T - 1): an
  // arithmetic series from the first query that sees any key.
  double first = std::max(0.0, t - s);
  double n = t - first;
  if (n <= 0)
    return 0;
  return n * (first + s - t + 1 + s) / 2;
}

/// Pairs inside the chunks of mixed-chunk attention (the last may be partial).
static double chunkPairs(double t, double c, bool causal) {
  double full = std::floor(t / c), rest = t - full * c;
  double perChunk = causal ? c * (c + 1) / 2 : c * c;
  double last = causal ? rest * (rest + 1) / 2 : rest * rest;
  return full * perChunk + last;
}

/// Attention of `pairs` score/value pairs: q·k (2·Dk) and a·v (2·Dv).
static double attentionFlops(double pairs, double dk, double dv) {
  return 2 * pairs * (dk + dv);
}

/// Kernelized attention against `keys` keys per kv head: the feature maps,
/// the state (and normalizer) sums and the per-query products.
static double kernelizedFlops(double bh, double bhk, double queries,
                              double keys, double dk, double dv, double f,
                              bool favor, bool normalize) {
  double perKey = 2 * f * dv + (normalize ? f : 0);
  double perQuery = 2 * f * dv + (normalize ? 2 * f + dv : 0);
  double maps = favor ? 2 * f * dk * (bh * queries + bhk * keys) : 0;
  return maps + bhk * keys * perKey + bh * queries * perQuery;
}

/// The Linformer projections e_proj·k and f_proj·v of `bhk` kv heads.
template <typename LowrankOp>
static double projectionFlops(const Sizes &sz, LowrankOp o, double bhk) {
  double s = sz.dim(o.getK(), 2), r = sz.dim(o.getEProj(), 0);
  return bhk * 2 * r * s * (sz.dim(o.getK(), 3) + sz.dim(o.getV(), 3));
}

/// Columns of e_proj and f_proj past the runtime S, which are not read.
template <typename LowrankOp>
static double unusedProjectionBytes(const Sizes &sz, LowrankOp o) {
  double s = sz.dim(o.getK(), 2), r = sz.dim(o.getEProj(), 0);
  double unused =
      2 * r * (sz.dim(o.getEProj(), 1) - s) * Sizes::elementBytes(o.getEProj());
  return std::max(0.0, unused);
}

std::optional<OpCost> mlir::effattn::estimateCost(Operation *op,
                                                  int64_t dynamicSize) {
  Sizes sz{dynamicSize};
  OpCost cost;
  cost.bytes = sz.allBytes(op);
  bool known =
      llvm::TypeSwitch<Operation *, bool>(op)
          .Case<SoftmaxAttentionOp, QuadAttentionOp>([&](auto o) {
            double b = sz.dim(o.getQ(), 0), h = sz.dim(o.getQ(), 1);
            double pairs = visiblePairs(sz.dim(o.getQ(), 2),
                                        sz.dim(o.getK(), 2), o.getCausal());
            cost.flops =
                b * h *
                attentionFlops(pairs, sz.dim(o.getQ(), 3), sz.dim(o.getV(), 3));
            return true;
          })
          .Case([&](MixedChunkAttentionOp o) {
            double b = sz.dim(o.getQQuad(), 0), h = sz.dim(o.getQQuad(), 1);
            double t = sz.dim(o.getQQuad(), 2), dk = sz.dim(o.getQQuad(), 3);
            double dv = sz.dim(o.getV(), 3);
            double quad = attentionFlops(
                chunkPairs(t, o.getChunkSize(), o.getCausal()), dk, dv);
            // Kl_hᵀ V_h over every key, Ql_g · state_g for every query.
            double lin = 4 * t * dk * dv;
            cost.flops = b * h * (quad + lin);
            return true;
          })
          .Case([&](LinearAttentionOp o) {
            double b = sz.dim(o.getQ(), 0), h = sz.dim(o.getQ(), 1);
            double hk = sz.dim(o.getK(), 1), dk = sz.dim(o.getQ(), 3);
            bool favor = o.getFeatureMap() == FeatureMap::favor;
            double f = favor && o.getOmega() ? sz.dim(o.getOmega(), 0) : dk;
            cost.flops = kernelizedFlops(
                b * h, b * hk, sz.dim(o.getQ(), 2), sz.dim(o.getK(), 2), dk,
                sz.dim(o.getV(), 3), f, favor, o.getNormalize());
            return true;
          })
          .Case([&](LowrankAttentionOp o) {
            double b = sz.dim(o.getQ(), 0), h = sz.dim(o.getQ(), 1);
            double hk = sz.dim(o.getK(), 1), t = sz.dim(o.getQ(), 2);
            double r = sz.dim(o.getEProj(), 0);
            double dk = sz.dim(o.getQ(), 3), dv = sz.dim(o.getV(), 3);
            cost.flops = projectionFlops(sz, o, b * hk) +
                         b * h * attentionFlops(t * r, dk, dv);
            cost.bytes -= unusedProjectionBytes(sz, o);
            return true;
          })
          .Case([&](LowrankKernelAttentionOp o) {
            double b = sz.dim(o.getQ(), 0), h = sz.dim(o.getQ(), 1);
            double hk = sz.dim(o.getK(), 1), t = sz.dim(o.getQ(), 2);
            double r = sz.dim(o.getEProj(), 0);
            double dk = sz.dim(o.getQ(), 3), dv = sz.dim(o.getV(), 3);
            bool favor = o.getFeatureMap() == FeatureMap::favor;
            double f = favor && o.getOmega() ? sz.dim(o.getOmega(), 0) : dk;
            cost.flops =
                projectionFlops(sz, o, b * hk) +
                kernelizedFlops(b * h, b * hk, t, r, dk, dv, f, favor, true);
            cost.bytes -= unusedProjectionBytes(sz, o);
            return true;
          })
          .Case([&](PartitionedAttentionOp o) {
            double b = sz.dim(o.getQ(), 0), h = sz.dim(o.getQ(), 1);
            double t = sz.dim(o.getQ(), 2), dk = sz.dim(o.getQ(), 3);
            double p = sz.dim(o.getVParts(), 2), dv = sz.dim(o.getVParts(), 4);
            double pairs = visiblePairs(t, t, o.getCausal());
            // Scores, then per part a_ij·pi_p(i-j) and its product with v.
            cost.flops = b * h * pairs * (2 * dk + p * (1 + 2 * dv));
            // Only offsets |i - j| < T of the partition table are read.
            double columns = sz.dim(o.getPartition(), 1);
            double unused = p * std::max(0.0, columns - (2 * t - 1)) *
                            Sizes::elementBytes(o.getPartition());
            cost.bytes -= unused;
            return true;
          })
          .Case([&](SparseFFNOp o) {
            double tokens = sz.leading(o.getX());
            double d = sz.dim(o.getW1(), 0), dff = sz.dim(o.getW1(), 1);
            double r = sz.dim(o.getCtrlDown(), 1), n = o.getBlockSize();
            cost.flops = tokens * (2 * d * r + 2 * r * dff + 4 * d * dff / n);
            // Each token reads Dff/N columns of w1 (and b1) and rows of w2;
            // all tokens together read at most every unit once.
            double units = std::min(dff, tokens * dff / n);
            double perUnit = 2 * d * Sizes::elementBytes(o.getW1()) +
                             (o.getB1() ? Sizes::elementBytes(o.getB1()) : 0);
            cost.bytes -=
                sz.bytes(o.getW1()) + sz.bytes(o.getW2()) + sz.bytes(o.getB1());
            cost.bytes += units * perUnit;
            return true;
          })
          .Case([&](MultiplicativeDenseOp o) {
            double tokens = sz.leading(o.getX());
            double din = sz.dim(o.getD(), 0), s = sz.dim(o.getD(), 1);
            double m = sz.dim(o.getE(), 1);
            // (x ∘ d) first, then its product with e, then the bias.
            cost.flops = tokens * (din * s + 2 * din * s * m +
                                   (o.getBias() ? s * m : 0));
            return true;
          })
          .Case([&](OffsetScaleOp o) {
            cost.flops = 2 * sz.numElements(o.getZ()) * sz.dim(o.getGamma(), 0);
            return true;
          })
          .Case([&](RelPosBiasOp o) {
            cost.flops = sz.numElements(o.getResult());
            return true;
          })
          .Case([&](GauOp o) {
            double b = sz.dim(o.getX(), 0), t = sz.dim(o.getX(), 1);
            double d = sz.dim(o.getX(), 2), e = sz.dim(o.getWU(), 1);
            double dk = sz.dim(o.getWZ(), 1), rows = sz.dim(o.getGamma(), 0);
            double tokens = b * t;
            // u, v, z projections and the output projection; silu and the
            // u gate are element-wise and not counted.
            double dense = 2 * tokens * d * (2 * e + dk) + 2 * tokens * e * d;
            double scaleOffset = 2 * tokens * dk * rows;
            double attention;
            if (o.getAttention() == GauAttention::mixed_chunk) {
              double c = o.getChunkSize().value_or(t);
              attention =
                  b * (attentionFlops(chunkPairs(t, c, o.getCausal()), dk, e) +
                       4 * t * dk * e);
            } else {
              attention =
                  b * attentionFlops(visiblePairs(t, t, o.getCausal()), dk, e);
            }
            cost.flops = dense + scaleOffset + attention;
            return true;
          })
          .Default([](Operation *) { return false; });
  if (!known)
    return std::nullopt;
  return cost;
}
