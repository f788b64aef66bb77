//===- EffAttnOps.cpp - effattn operations --------------------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The verifiers restate the shape contracts of the op descriptions in the
// notation of the spec (see ShapeContract.h). One helper per op family checks
// the operands the family shares.
//
//===----------------------------------------------------------------------===//

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "effattn/Dialect/EffAttn/IR/ShapeContract.h"
#include "mlir/IR/TypeUtilities.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include <cmath>

using namespace mlir;
using namespace mlir::effattn;

//===----------------------------------------------------------------------===//
// Shared rules
//===----------------------------------------------------------------------===//

/// `value` of the attribute `name` must be a finite number.
static LogicalResult verifyFinite(Operation *op, StringRef name,
                                  std::optional<double> value) {
  if (!value || std::isfinite(*value))
    return success();
  return op->emitOpError() << "'" << name << "' must be finite, got " << *value;
}

static LogicalResult verifyFinite(Operation *op, StringRef name,
                                  std::optional<APFloat> value) {
  return verifyFinite(op, name,
                      value ? std::optional<double>(value->convertToDouble())
                            : std::nullopt);
}

/// `value` of the attribute `name` must be finite and >= 0.
static LogicalResult verifyNonNegative(Operation *op, StringRef name,
                                       double value) {
  if (std::isfinite(value) && value >= 0)
    return success();
  return op->emitOpError() << "'" << name << "' must be finite and >= 0, got "
                           << value;
}

/// A chunk or block size `value` of the attribute `name` must be >= 1.
static LogicalResult verifyPositive(Operation *op, StringRef name,
                                    std::optional<int64_t> value) {
  if (!value || *value >= 1)
    return success();
  return op->emitOpError() << "'" << name << "' must be >= 1, got " << *value;
}

/// Ops whose keys are projected over the whole sequence cannot be causal.
static LogicalResult verifyNotCausal(Operation *op) {
  if (!op->getDiscardableAttr("causal"))
    return success();
  return op->emitOpError()
         << "does not support 'causal': the low-rank projection of keys and "
            "values mixes all sequence positions";
}

/// `omega` (random features) exists exactly for the `favor` feature map.
static LogicalResult
verifyFeatureMapOperands(Operation *op, FeatureMap featureMap, Value omega) {
  if (featureMap == FeatureMap::favor && !omega)
    return op->emitOpError()
           << "feature_map favor requires the random features 'omega' "
              "[M, Dk]";
  if (featureMap != FeatureMap::favor && omega)
    return op->emitOpError()
           << "'omega' is only used by feature_map favor, but feature_map is "
           << stringifyFeatureMap(featureMap);
  return success();
}

/// The attention family: `q : [B, H, T, Dk]`, `k : [B, Hk, S, Dk]`,
/// `v : [B, Hk, S, Dv]`, with static head dims and `Hk` dividing `H`. The
/// caller checks the remaining operands and then calls `finishAttention`.
static LogicalResult checkAttentionInputs(ShapeContract &c, Value q, Value k,
                                          Value v) {
  if (failed(c.check("q", q, {"B", "H", "T", "Dk"})) ||
      failed(c.check("k", k, {"B", "Hk", "S", "Dk"})) ||
      failed(c.check("v", v, {"B", "Hk", "S", "Dv"})))
    return failure();
  return success();
}

static LogicalResult finishAttention(ShapeContract &c) {
  if (failed(c.requireStatic("Dk")) || failed(c.requireStatic("Dv")) ||
      failed(c.requireMultiple("H", "Hk")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SoftmaxAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxAttentionOp::verify() {
  ShapeContract c(*this);
  if (failed(checkAttentionInputs(c, getQ(), getK(), getV())) ||
      failed(c.check("bias", getBias(), {"B|1", "H|1", "T", "S"})) ||
      failed(c.check("result", getResult(), {"B", "H", "T", "Dv"})) ||
      failed(finishAttention(c)))
    return failure();
  return verifyFinite(*this, "scale", getScale());
}

//===----------------------------------------------------------------------===//
// QuadAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult QuadAttentionOp::verify() {
  ShapeContract c(*this);
  if (failed(checkAttentionInputs(c, getQ(), getK(), getV())) ||
      failed(c.check("bias", getBias(), {"B|1", "H|1", "T", "S"})) ||
      failed(c.check("gate", getGate(), {"B", "H", "T", "Dv"})) ||
      failed(c.check("result", getResult(), {"B", "H", "T", "Dv"})) ||
      failed(finishAttention(c)))
    return failure();
  return verifyFinite(*this, "scale", getScale());
}

//===----------------------------------------------------------------------===//
// MixedChunkAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult MixedChunkAttentionOp::verify() {
  if (failed(verifyPositive(*this, "chunk_size", getChunkSize())))
    return failure();
  ShapeContract c(*this);
  if (failed(c.bind("C", getChunkSize(), "chunk_size")) ||
      failed(c.check("q_quad", getQQuad(), {"B", "H", "T", "Dk"})) ||
      failed(c.check("k_quad", getKQuad(), {"B", "H", "T", "Dk"})) ||
      failed(c.check("q_lin", getQLin(), {"B", "H", "T", "Dk"})) ||
      failed(c.check("k_lin", getKLin(), {"B", "H", "T", "Dk"})) ||
      failed(c.check("v", getV(), {"B", "H", "T", "Dv"})) ||
      failed(c.check("gate", getGate(), {"B", "H", "T", "Dv"})) ||
      failed(c.check("bias", getBias(), {"C", "C"})) ||
      failed(c.check("result", getResult(), {"B", "H", "T", "Dv"})) ||
      failed(c.requireStatic("Dk")) || failed(c.requireStatic("Dv")))
    return failure();
  if (failed(verifyFinite(*this, "quad_scale", getQuadScale())) ||
      failed(verifyFinite(*this, "lin_scale", getLinScale().convertToDouble())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult LinearAttentionOp::verify() {
  Operation *op = *this;
  if (failed(verifyFeatureMapOperands(op, getFeatureMap(), getOmega())))
    return failure();
  if (!getNormalize()) {
    if (getInitialNormalizer())
      return emitOpError() << "'initial_normalizer' requires normalize = true";
    if (getFinalNormalizer())
      return emitOpError() << "'final_normalizer' requires normalize = true";
  } else if (getInitialState() && !getInitialNormalizer()) {
    return emitOpError() << "'initial_state' with normalize = true also needs "
                            "'initial_normalizer' (the running sum of phi(k))";
  } else if (getInitialNormalizer() && !getInitialState()) {
    return emitOpError()
           << "'initial_normalizer' needs 'initial_state' as well";
  }
  if (getFinalNormalizer() && !getFinalState())
    return emitOpError() << "'final_normalizer' needs 'final_state' as well";

  // The feature width F is M for favor and Dk for the pointwise maps.
  StringRef f = getFeatureMap() == FeatureMap::favor ? "M" : "Dk";
  ShapeContract c(op);
  if (failed(checkAttentionInputs(c, getQ(), getK(), getV())) ||
      failed(c.check("omega", getOmega(), {"M", "Dk"})) ||
      failed(
          c.check("initial_state", getInitialState(), {"B", "Hk", f, "Dv"})) ||
      failed(c.check("initial_normalizer", getInitialNormalizer(),
                     {"B", "Hk", f})) ||
      failed(c.check("result", getResult(), {"B", "H", "T", "Dv"})) ||
      failed(c.check("final_state", getFinalState(), {"B", "Hk", f, "Dv"})) ||
      failed(
          c.check("final_normalizer", getFinalNormalizer(), {"B", "Hk", f})) ||
      failed(finishAttention(c)) || failed(c.requireStatic("M")))
    return failure();
  if (failed(verifyNonNegative(op, "eps", getEps().convertToDouble())) ||
      failed(verifyFinite(op, "scale", getScale().convertToDouble())) ||
      failed(verifyPositive(op, "chunk_size", getChunkSize())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// LowrankAttentionOp and LowrankKernelAttentionOp
//===----------------------------------------------------------------------===//

/// The projections `e_proj, f_proj : [R, Smax]`: with a static `S` they have
/// exactly `S` columns; with a dynamic `S` a static `Smax` of them.
static LogicalResult checkProjections(ShapeContract &c, Value eProj,
                                      Value fProj) {
  StringRef columns = c.size("S") ? "S" : "Smax";
  if (failed(c.check("e_proj", eProj, {"R", columns})) ||
      failed(c.check("f_proj", fProj, {"R", columns})) ||
      failed(c.requireStatic(columns)))
    return failure();
  return success();
}

LogicalResult LowrankAttentionOp::verify() {
  if (failed(verifyNotCausal(*this)))
    return failure();
  ShapeContract c(*this);
  if (failed(checkAttentionInputs(c, getQ(), getK(), getV())) ||
      failed(checkProjections(c, getEProj(), getFProj())) ||
      failed(c.check("result", getResult(), {"B", "H", "T", "Dv"})) ||
      failed(finishAttention(c)))
    return failure();
  return verifyFinite(*this, "scale", getScale());
}

LogicalResult LowrankKernelAttentionOp::verify() {
  Operation *op = *this;
  if (failed(verifyNotCausal(op)) ||
      failed(verifyFeatureMapOperands(op, getFeatureMap(), getOmega())))
    return failure();
  ShapeContract c(op);
  if (failed(checkAttentionInputs(c, getQ(), getK(), getV())) ||
      failed(checkProjections(c, getEProj(), getFProj())) ||
      failed(c.check("omega", getOmega(), {"M", "Dk"})) ||
      failed(c.check("result", getResult(), {"B", "H", "T", "Dv"})) ||
      failed(finishAttention(c)) || failed(c.requireStatic("M")))
    return failure();
  if (failed(verifyNonNegative(op, "eps", getEps().convertToDouble())) ||
      failed(verifyFinite(op, "scale", getScale().convertToDouble())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// PartitionedAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult PartitionedAttentionOp::verify() {
  ShapeContract c(*this);
  if (failed(c.check("q", getQ(), {"B", "H", "T", "Dk"})) ||
      failed(c.check("k", getK(), {"B", "H", "T", "Dk"})) ||
      failed(c.check("v_parts", getVParts(), {"B", "H", "P", "T", "Dv"})) ||
      failed(c.check("partition", getPartition(), {"P", "W"})) ||
      failed(c.check("result", getResult(), {"B", "H", "T", "Dv"})) ||
      failed(c.requireStatic("Dk")) || failed(c.requireStatic("Dv")) ||
      failed(c.requireStatic("P")) || failed(c.requireStatic("W")))
    return failure();
  int64_t width = *c.size("W");
  if (width % 2 == 0)
    return emitOpError() << "'partition' dim 1 is " << width
                         << ", but must be odd (2 * Tmax - 1 relative offsets)";
  int64_t tMax = (width + 1) / 2;
  if (std::optional<int64_t> t = c.size("T"); t && *t > tMax)
    return emitOpError() << "'partition' dim 1 is " << width
                         << " (Tmax = " << tMax
                         << "), too short for sequence length T = " << *t
                         << " (needs at least " << 2 * *t - 1 << ")";
  return verifyFinite(*this, "scale", getScale());
}

//===----------------------------------------------------------------------===//
// SparseFFNOp
//===----------------------------------------------------------------------===//

LogicalResult SparseFFNOp::verify() {
  if (failed(verifyPositive(*this, "block_size", getBlockSize())))
    return failure();
  ShapeContract c(*this);
  if (failed(c.check("x", getX(), {"...", "D"})) ||
      failed(c.check("ctrl_down", getCtrlDown(), {"D", "R"})) ||
      failed(c.check("ctrl_up", getCtrlUp(), {"R", "Dff"})) ||
      failed(c.check("ctrl_bias", getCtrlBias(), {"Dff"})) ||
      failed(c.check("w1", getW1(), {"D", "Dff"})) ||
      failed(c.check("w2", getW2(), {"Dff", "D"})) ||
      failed(c.check("b1", getB1(), {"Dff"})) ||
      failed(c.check("b2", getB2(), {"D"})) ||
      failed(c.check("result", getResult(), {"...", "D"})) ||
      failed(c.requireStatic("D")) || failed(c.requireStatic("R")) ||
      failed(c.requireStatic("Dff")) ||
      failed(c.bind("N", getBlockSize(), "block_size")) ||
      failed(c.requireMultiple("Dff", "N")))
    return failure();
  if (!getSelected())
    return success();
  int64_t blocks = *c.size("Dff") / getBlockSize();
  if (failed(c.bind("Dff/N", blocks, "Dff / block_size")) ||
      failed(c.checkInt("selected", getSelected(), {"...", "Dff/N"}, 32)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// MultiplicativeDenseOp
//===----------------------------------------------------------------------===//

LogicalResult MultiplicativeDenseOp::verify() {
  ShapeContract c(*this);
  if (failed(c.check("x", getX(), {"...", "Din"})) ||
      failed(c.check("d", getD(), {"Din", "S"})) ||
      failed(c.check("e", getE(), {"Din", "M"})) ||
      failed(c.requireStatic("Din")) || failed(c.requireStatic("S")) ||
      failed(c.requireStatic("M")) ||
      failed(c.bind("S*M", *c.size("S") * *c.size("M"),
                    "S * M (from 'd' and 'e')")) ||
      failed(c.check("bias", getBias(), {"S*M"})) ||
      failed(c.check("result", getResult(), {"...", "S*M"})))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// OffsetScaleOp
//===----------------------------------------------------------------------===//

LogicalResult OffsetScaleOp::verify() {
  ShapeContract c(*this);
  if (failed(c.check("z", getZ(), {"...", "Dk"})) ||
      failed(c.check("gamma", getGamma(), {"N", "Dk"})) ||
      failed(c.check("beta", getBeta(), {"N", "Dk"})) ||
      failed(c.requireStatic("Dk")) || failed(c.requireStatic("N")))
    return failure();
  int64_t n = *c.size("N");
  if (static_cast<int64_t>(getNumResults()) != n)
    return emitOpError() << "has " << getNumResults()
                         << " results, but 'gamma' and 'beta' have N = " << n
                         << " rows (one result per row)";
  // A result may be more or less static than `z`, as with every other op,
  // but has its element type (rule 3).
  Type elementType = getZ().getType().getElementType();
  for (auto [index, result] : llvm::enumerate(getResults())) {
    if (failed(verifyCompatibleShape(result.getType(), getZ().getType())))
      return emitOpError() << "result #" << index << " has type "
                           << result.getType() << ", but 'z' has type "
                           << getZ().getType();
    if (getElementTypeOrSelf(result.getType()) != elementType)
      return emitOpError() << "result #" << index << " has element type "
                           << getElementTypeOrSelf(result.getType())
                           << ", but 'z' has " << elementType
                           << " (all floating operands and results share one "
                              "element type)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RelPosBiasOp
//===----------------------------------------------------------------------===//

int64_t RelPosBiasOp::getNumBucketsOrDefault() {
  if (std::optional<uint64_t> n = getNumBuckets())
    return static_cast<int64_t>(*n);
  return getParams().getType().getDimSize(0);
}

LogicalResult RelPosBiasOp::verify() {
  ShapeContract c(*this);
  if (failed(c.check("params", getParams(), {"P"})) ||
      failed(c.check("result", getResult(), {"T", "S"})) ||
      failed(c.requireStatic("P")) || failed(c.requireStatic("T")) ||
      failed(c.requireStatic("S")) ||
      failed(verifyFinite(*this, "scale", getScale().convertToDouble())))
    return failure();
  int64_t p = *c.size("P"), t = *c.size("T"), s = *c.size("S");

  if (getKind() == RelPosBiasKind::toeplitz) {
    for (StringRef name : {"num_buckets", "max_distance", "bidirectional"})
      if (getOperation()->getInherentAttr(name).value_or(Attribute()))
        return emitOpError()
               << "'" << name << "' is only used by kind t5_buckets";
    if (p % 2 == 0)
      return emitOpError() << "toeplitz 'params' has " << p
                           << " entries, but must have 2 * Smax - 1 (odd)";
    int64_t sMax = (p + 1) / 2;
    if (t > sMax || s > sMax)
      return emitOpError() << "toeplitz 'params' has " << p
                           << " entries (Smax = " << sMax << "), too few for a "
                           << t << "x" << s
                           << " bias (needs Smax >= " << std::max(t, s) << ")";
    return success();
  }

  int64_t numBuckets = getNumBucketsOrDefault();
  if (numBuckets < 1 || numBuckets > p)
    return emitOpError() << "'num_buckets' is " << numBuckets
                         << ", but must be in [1, " << p << "] ('params' has "
                         << p << " entries)";
  int64_t perSide = getBidirectionalOrDefault() ? numBuckets / 2 : numBuckets;
  if (perSide < 2)
    return emitOpError() << "t5_buckets needs at least 2 buckets per side, got "
                         << numBuckets << " bucket(s)"
                         << (getBidirectionalOrDefault() ? " split by sign"
                                                         : "");
  int64_t maxExact = perSide / 2;
  if (getMaxDistanceOrDefault() <= maxExact)
    return emitOpError() << "'max_distance' is " << getMaxDistanceOrDefault()
                         << ", but must exceed the " << maxExact
                         << " exactly-bucketed distances";
  return success();
}

//===----------------------------------------------------------------------===//
// GauOp
//===----------------------------------------------------------------------===//

LogicalResult GauOp::verify() {
  bool mixed = getAttention() == GauAttention::mixed_chunk;
  if (mixed) {
    if (!getChunkSize())
      return emitOpError() << "attention mixed_chunk requires 'chunk_size'";
    if (failed(verifyPositive(*this, "chunk_size", getChunkSize())))
      return failure();
    if (getScaleMode())
      return emitOpError() << "'scale_mode' is only used by attention quad";
  } else {
    for (StringRef name : {"chunk_size", "lin_scale_mode", "lin_scale"})
      if (getOperation()->getInherentAttr(name).value_or(Attribute()))
        return emitOpError()
               << "'" << name << "' is only used by attention mixed_chunk";
  }

  ShapeContract c(*this);
  if (failed(c.bind("rows", mixed ? 4 : 2,
                    mixed ? "the row count of attention mixed_chunk"
                          : "the row count of attention quad")) ||
      (mixed && failed(c.bind("C", *getChunkSize(), "chunk_size"))) ||
      failed(c.check("x", getX(), {"B", "T", "D"})) ||
      failed(c.check("w_u", getWU(), {"D", "E"})) ||
      failed(c.check("w_v", getWV(), {"D", "E"})) ||
      failed(c.check("w_z", getWZ(), {"D", "Dk"})) ||
      failed(c.check("w_o", getWO(), {"E", "D"})) ||
      failed(c.check("gamma", getGamma(), {"rows", "Dk"})) ||
      failed(c.check("beta", getBeta(), {"rows", "Dk"})) ||
      failed(c.check("b_u", getBU(), {"E"})) ||
      failed(c.check("b_v", getBV(), {"E"})) ||
      failed(c.check("b_z", getBZ(), {"Dk"})) ||
      failed(c.check("b_o", getBO(), {"D"})) ||
      failed(mixed ? c.check("bias", getBias(), {"C", "C"})
                   : c.check("bias", getBias(), {"T", "T"})) ||
      failed(c.check("result", getResult(), {"B", "T", "D"})) ||
      failed(c.requireStatic("D")) || failed(c.requireStatic("E")) ||
      failed(c.requireStatic("Dk")))
    return failure();
  if (failed(verifyFinite(*this, "scale", getScale())) ||
      failed(verifyFinite(*this, "lin_scale", getLinScale())))
    return failure();
  return success();
}

#define GET_OP_CLASSES
#include "effattn/Dialect/EffAttn/IR/EffAttnOps.cpp.inc"
