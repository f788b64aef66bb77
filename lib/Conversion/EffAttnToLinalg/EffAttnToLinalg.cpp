//===- EffAttnToLinalg.cpp - effattn to linalg reference lowering ---------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Conversion/EffAttnToLinalg/EffAttnToLinalg.h"
#include "PopulatePatterns.h"
#include "Utils.h"
#include "effattn/Conversion/Passes.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "effattn/Dialect/EffAttn/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::effattn {
#define GEN_PASS_DEF_CONVERTEFFATTNTOLINALGPASS
#include "effattn/Conversion/Passes.h.inc"

void populateEffAttnToLinalgPatterns(RewritePatternSet &patterns) {
  lowering::populateAttentionPatterns(patterns);
  lowering::populateKernelAttentionPatterns(patterns);
  lowering::populateFeedForwardPatterns(patterns);
  lowering::populateLayerPartPatterns(patterns);
}

namespace {
struct ConvertEffAttnToLinalgPass
    : impl::ConvertEffAttnToLinalgPassBase<ConvertEffAttnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(lowering::checkLowerable(getOperation())))
      return signalPassFailure();
    RewritePatternSet patterns(ctx);
    // Composite ops decompose into core ops, which the same conversion then
    // lowers.
    populateEffAttnDecompositionPatterns(patterns);
    populateEffAttnToLinalgPatterns(patterns);
    ConversionTarget target(*ctx);
    target.addIllegalDialect<EffAttnDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace mlir::effattn
