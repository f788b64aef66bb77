//===- DialectPlugin.cpp - effattn as an MLIR dialect plugin --------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Adds the effattn dialect to any MlirOptMain tool:
//   mlir-opt --load-dialect-plugin=EffAttnDialectPlugin.so input.mlir
//
//===----------------------------------------------------------------------===//

#include "effattn/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "EffAttn", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mlir::effattn::registerEffAttnDialect(*registry);
          }};
}
