//===- EffAttnToLinalg.h - effattn to linalg reference lowering -*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_CONVERSION_EFFATTNTOLINALG_EFFATTNTOLINALG_H
#define EFFATTN_CONVERSION_EFFATTNTOLINALG_EFFATTNTOLINALG_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::effattn {

/// Patterns lowering every core effattn op to its reference semantics in
/// linalg on tensors. Composite ops need
/// `populateEffAttnDecompositionPatterns` as well.
void populateEffAttnToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mlir::effattn

#endif // EFFATTN_CONVERSION_EFFATTNTOLINALG_EFFATTNTOLINALG_H
