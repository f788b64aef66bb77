//===- InitAll.cpp - register everything effattn tools need ---------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/InitAll.h"
#include "effattn/Conversion/EffAttnToGPU/Passes.h"
#include "effattn/Conversion/Passes.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "effattn/Dialect/EffAttn/Transforms/Passes.h"
#include "effattn/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::effattn::registerEffAttnDialect(DialectRegistry &registry) {
  registry.insert<EffAttnDialect>();
}

void mlir::effattn::registerAllDialects(DialectRegistry &registry) {
  registerEffAttnDialect(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

void mlir::effattn::registerAllPasses() {
  static bool once = [] {
    mlir::registerAllPasses();
    return true;
  }();
  (void)once;
  registerEffAttnPassesAndPipelines();
}

void mlir::effattn::registerEffAttnPassesAndPipelines() {
  static bool once = [] {
    registerEffAttnPasses();
    registerEffAttnConversionPasses();
    registerEffAttnGPUPasses();
    registerEffAttnPipelines();
    return true;
  }();
  (void)once;
}
