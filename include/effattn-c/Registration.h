/*===- effattn-c/Registration.h - C API registration entry points -*- C -*-===*\
|*                                                                            *|
|* Part of the effattn project, under the Apache License v2.0 with LLVM       *|
|* Exceptions.                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
//
// The C face of the one registration entry point (effattn/InitAll.h).
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_C_REGISTRATION_H
#define EFFATTN_C_REGISTRATION_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Appends effattn together with every upstream dialect, dialect extension
/// and LLVM IR translation the effattn pipelines lower through to `registry`
/// (`mlir::effattn::registerAllDialects`).
MLIR_CAPI_EXPORTED void
mlirEffAttnRegisterAllDialects(MlirDialectRegistry registry);

/// Registers the effattn passes (`effattn-decompose`,
/// `convert-effattn-to-linalg`, `effattn-schedule`) and pipelines
/// (`effattn-to-llvm`) with the global pass registry, together with every
/// upstream pass, so that `mlirParsePassPipeline` accepts them
/// (`mlir::effattn::registerAllPasses`). Safe to call more than once.
MLIR_CAPI_EXPORTED void mlirEffAttnRegisterPasses(void);

#ifdef __cplusplus
}
#endif

#endif // EFFATTN_C_REGISTRATION_H
