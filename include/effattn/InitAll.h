//===- InitAll.h - register everything effattn tools need -------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The one registration entry point: effattn-opt, the C API, Python and any
// downstream compiler call these, so every tool sees the same dialects,
// passes and translations.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_INITALL_H
#define EFFATTN_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::effattn {

/// Registers only the effattn dialect (and its interface models).
void registerEffAttnDialect(DialectRegistry &registry);

/// Registers effattn plus every upstream dialect, dialect extension and
/// LLVM IR translation the effattn pipelines lower through (linalg, scf,
/// gpu, nvvm, llvm, ...), so that e.g. `gpu-module-to-binary` works.
void registerAllDialects(DialectRegistry &registry);

/// Registers the effattn passes and pipelines together with every upstream
/// pass. Safe to call more than once.
void registerAllPasses();

/// Registers only the effattn passes and pipelines, for a tool that already
/// has the upstream ones (the pass plugin loaded by a stock mlir-opt). Safe to
/// call more than once.
void registerEffAttnPassesAndPipelines();

} // namespace mlir::effattn

#endif // EFFATTN_INITALL_H
