//===- Passes.h - effattn GPU mapping passes --------------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_CONVERSION_EFFATTNTOGPU_PASSES_H
#define EFFATTN_CONVERSION_EFFATTNTOGPU_PASSES_H

#include "effattn/Conversion/EffAttnToGPU/EffAttnToGPU.h"
#include "mlir/Pass/Pass.h"

namespace mlir::effattn {

#define GEN_PASS_DECL
#include "effattn/Conversion/EffAttnToGPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "effattn/Conversion/EffAttnToGPU/Passes.h.inc"

} // namespace mlir::effattn

#endif // EFFATTN_CONVERSION_EFFATTNTOGPU_PASSES_H
