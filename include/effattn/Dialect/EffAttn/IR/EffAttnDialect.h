//===- EffAttnDialect.h - effattn dialect -----------------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_IR_EFFATTNDIALECT_H
#define EFFATTN_DIALECT_EFFATTN_IR_EFFATTNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "effattn/Dialect/EffAttn/IR/EffAttnOpsDialect.h.inc"

#endif // EFFATTN_DIALECT_EFFATTN_IR_EFFATTNDIALECT_H
