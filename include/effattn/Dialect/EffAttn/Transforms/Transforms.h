//===- Transforms.h - effattn rewrites as a C++ API -------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The rewrites behind the effattn passes, for compilers that want them
// without the passes.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_TRANSFORMS_TRANSFORMS_H
#define EFFATTN_DIALECT_EFFATTN_TRANSFORMS_TRANSFORMS_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::effattn {

/// Decomposes `gau`, `lowrank_attention` and `lowrank_kernel_attention` into
/// core effattn ops plus linalg on tensors.
void populateEffAttnDecompositionPatterns(RewritePatternSet &patterns);

} // namespace mlir::effattn

#endif // EFFATTN_DIALECT_EFFATTN_TRANSFORMS_TRANSFORMS_H
