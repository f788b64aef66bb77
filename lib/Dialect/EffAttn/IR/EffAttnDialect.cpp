//===- EffAttnDialect.cpp - effattn dialect -------------------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::effattn;

#include "effattn/Dialect/EffAttn/IR/EffAttnEnums.cpp.inc"
#include "effattn/Dialect/EffAttn/IR/EffAttnOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "effattn/Dialect/EffAttn/IR/EffAttnAttrs.cpp.inc"

void EffAttnDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "effattn/Dialect/EffAttn/IR/EffAttnAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "effattn/Dialect/EffAttn/IR/EffAttnOps.cpp.inc"
      >();
}
