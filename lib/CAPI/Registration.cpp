//===- Registration.cpp - C API registration entry points -----------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn-c/Registration.h"
#include "effattn/InitAll.h"

#include "mlir/CAPI/IR.h"

void mlirEffAttnRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::effattn::registerAllDialects(*unwrap(registry));
}

void mlirEffAttnRegisterPasses(void) { mlir::effattn::registerAllPasses(); }
