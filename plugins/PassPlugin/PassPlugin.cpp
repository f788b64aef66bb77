//===- PassPlugin.cpp - effattn passes as an MLIR pass plugin -------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Adds the effattn passes and pipelines (not the upstream ones the tool
// already has) to any MlirOptMain tool:
//   mlir-opt --load-dialect-plugin=EffAttnDialectPlugin.so
//            --load-pass-plugin=EffAttnPassPlugin.so
//            --pass-pipeline='builtin.module(convert-effattn-to-linalg)'
//
//===----------------------------------------------------------------------===//

#include "effattn/InitAll.h"

#include "mlir/Tools/Plugins/PassPlugin.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "EffAttnPasses", LLVM_VERSION_STRING,
          []() { mlir::effattn::registerEffAttnPassesAndPipelines(); }};
}
