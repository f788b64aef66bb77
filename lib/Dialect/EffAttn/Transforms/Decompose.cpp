//===- Decompose.cpp - composite effattn ops to core ops ------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The model-level ops (gau, lowrank_attention, lowrank_kernel_attention) are
// compositions of core attention ops and dense algebra. These patterns spell
// the composition out: the dense parts as linalg.generic contractions that
// accumulate in f32, the attention parts as the core effattn op, which later
// lowerings (reference or efficient) handle.
//
//===----------------------------------------------------------------------===//

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "effattn/Dialect/EffAttn/Transforms/Passes.h"
#include "effattn/Dialect/EffAttn/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::effattn {
#define GEN_PASS_DEF_EFFATTNDECOMPOSEPASS
#include "effattn/Dialect/EffAttn/Transforms/Passes.h.inc"

//===----------------------------------------------------------------------===//
// Builders
//===----------------------------------------------------------------------===//

static Value extToF32(OpBuilder &b, Location loc, Value scalar) {
  if (scalar.getType().isF32())
    return scalar;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), scalar);
}

static Value truncFromF32(OpBuilder &b, Location loc, Value scalar, Type type) {
  if (type.isF32())
    return scalar;
  return arith::TruncFOp::create(b, loc, type, scalar);
}

/// `shape` with every constant size as an attribute: sizes folded from
/// tensor.dim come back as constant values, which reshapes would otherwise
/// count as dynamic.
static SmallVector<OpFoldResult> foldSizes(OpBuilder &b,
                                           ArrayRef<OpFoldResult> shape) {
  SmallVector<OpFoldResult> folded;
  for (OpFoldResult size : shape) {
    std::optional<int64_t> constant = getConstantIntValue(size);
    folded.push_back(constant ? b.getIndexAttr(*constant) : size);
  }
  return folded;
}

/// The ranked tensor type whose sizes are `shape` (static where constant).
static RankedTensorType typeOf(ArrayRef<OpFoldResult> shape, Type elementType) {
  SmallVector<int64_t> sizes;
  for (OpFoldResult size : shape)
    sizes.push_back(getConstantIntValue(size).value_or(ShapedType::kDynamic));
  return RankedTensorType::get(sizes, elementType);
}

/// `value` with the type `type` (a tensor.cast when only static sizes differ).
static Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

/// `src` expanded to `shape`. Sizes that fold to constants (e.g. tensor.dim of
/// a tensor.cast) can make a group static while its source dim is still
/// dynamic; the source is then cast to the static size first, as the verifier
/// requires.
static Value expand(OpBuilder &b, Location loc, Value src,
                    ArrayRef<ReassociationIndices> reassociation,
                    ArrayRef<OpFoldResult> shape) {
  SmallVector<OpFoldResult> sizes = foldSizes(b, shape);
  auto srcType = cast<RankedTensorType>(src.getType());
  RankedTensorType resultType = typeOf(sizes, srcType.getElementType());
  SmallVector<int64_t> srcShape(srcType.getShape());
  for (auto [srcDim, group] : llvm::enumerate(reassociation)) {
    int64_t product = 1;
    for (int64_t dim : group)
      product = ShapedType::isDynamic(resultType.getDimSize(dim)) ||
                        ShapedType::isDynamic(product)
                    ? ShapedType::kDynamic
                    : product * resultType.getDimSize(dim);
    if (!ShapedType::isDynamic(product))
      srcShape[srcDim] = product;
  }
  src = castTo(b, loc, src, srcType.clone(srcShape));
  return tensor::ExpandShapeOp::create(b, loc, resultType, src, reassociation,
                                       sizes);
}

/// A zero-filled f32 tensor: the accumulator of a contraction.
static Value zerosF32(OpBuilder &b, Location loc,
                      ArrayRef<OpFoldResult> shape) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// `init += lhs * rhs` summed over the reduction loops, every product in f32.
static Value contractF32(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         Value init, unsigned numLoops,
                         ArrayRef<AffineExpr> lhsExprs,
                         ArrayRef<AffineExpr> rhsExprs,
                         ArrayRef<AffineExpr> outExprs,
                         ArrayRef<utils::IteratorType> iterators) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, lhsExprs, ctx),
                                 AffineMap::get(numLoops, 0, rhsExprs, ctx),
                                 AffineMap::get(numLoops, 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init}, maps,
      iterators, [](OpBuilder &nb, Location nl, ValueRange args) {
        Value product = arith::MulFOp::create(nb, nl, extToF32(nb, nl, args[0]),
                                              extToF32(nb, nl, args[1]));
        Value sum = arith::AddFOp::create(nb, nl, args[2], product);
        linalg::YieldOp::create(nb, nl, sum);
      });
  return generic.getResult(0);
}

/// `act(x w + bias)` for `x : [B, T, D]`, `w : [D, N]`, `bias : [N]`
/// (optional), with `act` the SiLU or the identity; the sum is in f32, the
/// result has the element type of `x`.
static Value denseLayer(OpBuilder &b, Location loc, Value x, Value w,
                        Value bias, bool silu) {
  MLIRContext *ctx = b.getContext();
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, x);
  shape.back() = tensor::getMixedSize(b, loc, w, 1);

  // Loops (b, t, n, d).
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto par = utils::IteratorType::parallel;
  Value acc = contractF32(b, loc, x, w, zerosF32(b, loc, shape), 4,
                          {d(0), d(1), d(3)}, {d(3), d(2)}, {d(0), d(1), d(2)},
                          {par, par, par, utils::IteratorType::reduction});
  if (!bias && !silu && elementType.isF32())
    return acc;

  // Bias, activation and the conversion back, element-wise over (b, t, n).
  SmallVector<Value> inputs = {acc};
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(3, ctx)};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(3, 0, {d(2)}, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(3, ctx));
  Value init = tensor::EmptyOp::create(b, loc, shape, elementType);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, ValueRange{init}, maps, {par, par, par},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value value = args[0];
        if (bias)
          value =
              arith::AddFOp::create(nb, nl, value, extToF32(nb, nl, args[1]));
        if (silu) {
          // silu(x) = x / (1 + exp(-x)); exp overflowing to inf gives -0.
          Value one = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1));
          Value negated = arith::NegFOp::create(nb, nl, value);
          Value denom = arith::AddFOp::create(
              nb, nl, one, math::ExpOp::create(nb, nl, negated));
          value = arith::DivFOp::create(nb, nl, value, denom);
        }
        linalg::YieldOp::create(nb, nl,
                                truncFromF32(nb, nl, value, elementType));
      });
  return generic.getResult(0);
}

/// `[B, T, N] -> [B, 1, T, N]`: a single attention head.
static Value toSingleHead(OpBuilder &b, Location loc, Value x) {
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, x);
  shape.insert(shape.begin() + 1, b.getIndexAttr(1));
  return expand(b, loc, x, {{0, 1}, {2}, {3}}, shape);
}

/// The sequence projection of Linformer: `proj x` for `proj : [R, Smax]` and
/// `x : [B, Hk, S, D]`, giving `[B, Hk, R, D]` in the element type of `x`.
/// When `S` differs from `Smax` (dynamic `S`), the first `S` columns are used.
static Value projectSequence(OpBuilder &b, Location loc, Value proj, Value x) {
  MLIRContext *ctx = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  auto projType = cast<RankedTensorType>(proj.getType());
  if (xType.getDimSize(2) != projType.getDimSize(1)) {
    OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
    proj =
        tensor::ExtractSliceOp::create(b, loc, proj, {zero, zero},
                                       {tensor::getMixedSize(b, loc, proj, 0),
                                        tensor::getMixedSize(b, loc, x, 2)},
                                       {one, one});
  }
  SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, x);
  shape[2] = tensor::getMixedSize(b, loc, proj, 0);

  // Loops (b, h, r, s, d): the reduction over s outside the head dim, so
  // the innermost loop walks rows of `x` and the result contiguously. With s
  // innermost, every (r, d) would stride through all of `x`, which stops
  // fitting in cache as S grows.
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto par = utils::IteratorType::parallel;
  Value acc =
      contractF32(b, loc, proj, x, zerosF32(b, loc, shape), 5, {d(2), d(3)},
                  {d(0), d(1), d(3), d(4)}, {d(0), d(1), d(2), d(4)},
                  {par, par, par, utils::IteratorType::reduction, par});
  Type elementType = xType.getElementType();
  if (elementType.isF32())
    return acc;
  Value init = tensor::EmptyOp::create(b, loc, shape, elementType);
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(4, ctx));
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{acc}, ValueRange{init}, maps,
      {par, par, par, par}, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl,
                                truncFromF32(nb, nl, args[0], elementType));
      });
  return generic.getResult(0);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

/// gau -> projections, offset_scale, quad_attention / mixed_chunk_attention on
/// one head gated by `u`, output projection.
struct GauDecomposition : OpRewritePattern<GauOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GauOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (op.getX().getType().getRank() != 3)
      return op->emitError() << "cannot decompose: 'x' must be [B, T, D]";

    Value u = denseLayer(rewriter, loc, op.getX(), op.getWU(), op.getBU(),
                         /*silu=*/true);
    Value v = denseLayer(rewriter, loc, op.getX(), op.getWV(), op.getBV(),
                         /*silu=*/true);
    Value z = denseLayer(rewriter, loc, op.getX(), op.getWZ(), op.getBZ(),
                         /*silu=*/true);

    bool mixed = op.getAttention() == GauAttention::mixed_chunk;
    SmallVector<Type> partTypes(mixed ? 4 : 2, z.getType());
    auto offsetScale = OffsetScaleOp::create(rewriter, loc, partTypes, z,
                                             op.getGamma(), op.getBeta());
    SmallVector<Value> parts;
    for (Value part : offsetScale.getResults())
      parts.push_back(toSingleHead(rewriter, loc, part));
    Value gate = toSingleHead(rewriter, loc, u);
    Value values = toSingleHead(rewriter, loc, v);

    Value attention;
    if (!mixed) {
      // The [T, T] relative bias broadcasts over batch and head.
      Value bias = op.getBias();
      if (bias) {
        SmallVector<OpFoldResult> shape =
            tensor::getMixedSizes(rewriter, loc, bias);
        shape.insert(shape.begin(), 2, rewriter.getIndexAttr(1));
        bias = expand(rewriter, loc, bias, {{0, 1, 2}, {3}}, shape);
      }
      attention = QuadAttentionOp::create(
          rewriter, loc, gate.getType(), parts[0], parts[1], values, bias, gate,
          op.getScaleAttr(), op.getActivationAttr(), op.getScaleModeAttr(),
          op.getCausalAttr());
    } else {
      attention = MixedChunkAttentionOp::create(
          rewriter, loc, gate.getType(), parts[0], parts[1], parts[2], parts[3],
          values, gate, op.getBias(), op.getChunkSizeAttr(), op.getCausalAttr(),
          op.getScaleAttr(), op.getActivationAttr(), op.getLinScaleModeAttr(),
          op.getLinScaleAttr());
    }
    Value flat = tensor::CollapseShapeOp::create(rewriter, loc, attention,
                                                 {{0, 1}, {2}, {3}});
    Value y = denseLayer(rewriter, loc, flat, op.getWO(), op.getBO(),
                         /*silu=*/false);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, op.getType()));
    return success();
  }
};

/// lowrank_attention -> sequence projections + softmax_attention.
struct LowrankAttentionDecomposition : OpRewritePattern<LowrankAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LowrankAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value keys = projectSequence(rewriter, loc, op.getEProj(), op.getK());
    Value values = projectSequence(rewriter, loc, op.getFProj(), op.getV());
    // An absent scale stays absent: 1/sqrt(Dk) is the default of both ops.
    rewriter.replaceOpWithNewOp<SoftmaxAttentionOp>(
        op, op.getType(), op.getQ(), keys, values, /*bias=*/Value(),
        op.getScaleAttr(), /*causal=*/UnitAttr());
    return success();
  }
};

/// lowrank_kernel_attention -> sequence projections + non-causal normalized
/// linear_attention (the feature map then applies to the projected keys).
struct LowrankKernelAttentionDecomposition
    : OpRewritePattern<LowrankKernelAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LowrankKernelAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value keys = projectSequence(rewriter, loc, op.getEProj(), op.getK());
    Value values = projectSequence(rewriter, loc, op.getFProj(), op.getV());
    auto linear = LinearAttentionOp::create(
        rewriter, loc, op.getType(), /*final_state=*/Type(),
        /*final_normalizer=*/Type(), op.getQ(), keys, values, op.getOmega(),
        /*initial_state=*/Value(), /*initial_normalizer=*/Value(),
        op.getFeatureMapAttr(), /*causal=*/UnitAttr(),
        /*normalize=*/BoolAttr(), op.getEpsAttr(), op.getScaleAttr(),
        /*chunk_size=*/IntegerAttr());
    rewriter.replaceOp(op, linear.getResult());
    return success();
  }
};

} // namespace

void populateEffAttnDecompositionPatterns(RewritePatternSet &patterns) {
  patterns.add<GauDecomposition, LowrankAttentionDecomposition,
               LowrankKernelAttentionDecomposition>(patterns.getContext());
}

namespace {
struct EffAttnDecomposePass
    : impl::EffAttnDecomposePassBase<EffAttnDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateEffAttnDecompositionPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::effattn
