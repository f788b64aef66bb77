//===- Passes.h - effattn transformation passes -----------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_TRANSFORMS_PASSES_H
#define EFFATTN_DIALECT_EFFATTN_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::effattn {

#define GEN_PASS_DECL
#include "effattn/Dialect/EffAttn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "effattn/Dialect/EffAttn/Transforms/Passes.h.inc"

} // namespace mlir::effattn

#endif // EFFATTN_DIALECT_EFFATTN_TRANSFORMS_PASSES_H
