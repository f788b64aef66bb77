/*===- effattn-c/Dialects.h - C API for the effattn dialect --------*- C
-*-===*\
|*                                                                            *|
|* Part of the effattn project, under the Apache License v2.0 with LLVM       *|
|* Exceptions.                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef EFFATTN_C_DIALECTS_H
#define EFFATTN_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// `mlirGetDialectHandle__effattn__()`: the effattn dialect, for
/// `mlirDialectHandleRegisterDialect` / `mlirDialectHandleLoadDialect`.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(EffAttn, effattn);

#ifdef __cplusplus
}
#endif

#endif // EFFATTN_C_DIALECTS_H
