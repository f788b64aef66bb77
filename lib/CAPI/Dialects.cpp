//===- Dialects.cpp - C API for the effattn dialect -----------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn-c/Dialects.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"

#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(EffAttn, effattn,
                                      mlir::effattn::EffAttnDialect)
