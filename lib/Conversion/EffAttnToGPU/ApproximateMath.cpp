//===- ApproximateMath.cpp - math ops without libdevice -------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Conversion/EffAttnToGPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::effattn {
#define GEN_PASS_DEF_EFFATTNAPPROXIMATEMATHPASS
#include "effattn/Conversion/EffAttnToGPU/Passes.h.inc"
} // namespace mlir::effattn

using namespace mlir;

namespace {
/// floor(x) for f32 without a library: values of magnitude 2^23 or more (and
/// NaN, inf) are integers already; below, truncation through i32 is exact and
/// is one too high for negative non-integers.
struct ExpandFloor : OpRewritePattern<math::FloorOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FloorOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!type.isF32())
      return rewriter.notifyMatchFailure(op, "not a scalar f32");
    Location loc = op.getLoc();
    Value x = op.getOperand();
    Value big = arith::ConstantOp::create(rewriter, loc,
                                          rewriter.getF32FloatAttr(8388608.0));
    Value one =
        arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(1.0));
    Value magnitude = math::AbsFOp::create(rewriter, loc, x);
    Value integral = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::UGE, magnitude, big);
    Value truncated = arith::SIToFPOp::create(
        rewriter, loc, type,
        arith::FPToSIOp::create(rewriter, loc, rewriter.getI32Type(), x));
    Value above = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OGT, truncated, x);
    Value down = arith::SelectOp::create(
        rewriter, loc, above,
        arith::SubFOp::create(rewriter, loc, truncated, one), truncated);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, integral, x, down);
    return success();
  }
};

/// |x| for f32 as a bit operation: NVVM would call libdevice's __nv_fabsf.
struct ExpandAbsF : OpRewritePattern<math::AbsFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::AbsFOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return rewriter.notifyMatchFailure(op, "not a scalar f32");
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    Value bits = arith::BitcastOp::create(rewriter, loc, i32, op.getOperand());
    Value mask = arith::ConstantIntOp::create(rewriter, loc, i32, 0x7fffffff);
    Value cleared = arith::AndIOp::create(rewriter, loc, bits, mask);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), cleared);
    return success();
  }
};

/// fma(a, b, c) for f32 as the LLVM intrinsic (one rounding, an `fma.rn` in
/// PTX): NVVM would call libdevice's __nv_fmaf.
struct LowerFma : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FmaOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().isF32())
      return rewriter.notifyMatchFailure(op, "not a scalar f32");
    rewriter.replaceOpWithNewOp<LLVM::FMAOp>(op, op.getA(), op.getB(),
                                             op.getC());
    return success();
  }
};

struct EffAttnApproximateMathPass
    : effattn::impl::EffAttnApproximateMathPassBase<
          EffAttnApproximateMathPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    auto all = [](StringRef) { return true; };
    populateMathF32ExpansionPatterns(patterns, all);
    populateMathPolynomialApproximationPatterns(patterns, all);
    // What the approximations leave that NVVM would turn into libdevice
    // calls (unresolved without a CUDA toolkit).
    patterns.add<ExpandFloor, ExpandAbsF, LowerFma>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
