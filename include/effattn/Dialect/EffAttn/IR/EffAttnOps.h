//===- EffAttnOps.h - effattn operations ------------------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_IR_EFFATTNOPS_H
#define EFFATTN_DIALECT_EFFATTN_IR_EFFATTNOPS_H

#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "effattn/Dialect/EffAttn/IR/EffAttnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "effattn/Dialect/EffAttn/IR/EffAttnAttrs.h.inc"

#define GET_OP_CLASSES
#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h.inc"

#endif // EFFATTN_DIALECT_EFFATTN_IR_EFFATTNOPS_H
