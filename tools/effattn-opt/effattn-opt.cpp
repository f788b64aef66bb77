//===- effattn-opt.cpp - the effattn optimizer driver ---------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// mlir-opt with the effattn dialect, passes and pipelines registered next to
// every upstream dialect and pass.
//
//===----------------------------------------------------------------------===//

#include "effattn/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::effattn::registerAllDialects(registry);
  mlir::effattn::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "effattn optimizer driver\n", registry));
}
