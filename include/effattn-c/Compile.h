/*===- effattn-c/Compile.h - C API: IR text in, lowered text out --*- C -*-===*\
|*                                                                            *|
|* Part of the effattn project, under the Apache License v2.0 with LLVM       *|
|* Exceptions.                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
//
// A self-contained compile entry: effattn IR text goes in, the module lowered
// by the `effattn-to-llvm` pipeline comes out as LLVM-dialect MLIR or as LLVM
// IR text. Every diagnostic (parse, verify, pipeline options, passes,
// translation) is collected into the error text; nothing is printed and
// nothing aborts on bad input. Each call uses its own MLIRContext, so calls
// from different threads are independent.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_C_COMPILE_H
#define EFFATTN_C_COMPILE_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// What `mlirEffAttnCompile` produces.
typedef enum MlirEffAttnCompileOutput {
  /// The lowered module as MLIR text in the LLVM dialect.
  MlirEffAttnCompileOutputLLVMDialect = 0,
  /// The lowered module translated to LLVM IR text.
  MlirEffAttnCompileOutputLLVMIR = 1,
} MlirEffAttnCompileOutput;

/// Parses `source` (MLIR text; a bare op list is wrapped in a module),
/// verifies it, lowers it with `effattn-to-llvm{<pipelineOptions>}` (the
/// options string as on the command line, e.g. "reference=true" or
/// "query-tile=32 key-tile=64"; empty for the defaults) and renders `output`.
///
/// On success, streams the result to `callback` (possibly in several pieces)
/// and returns success. On failure, streams the collected diagnostics instead
/// and returns failure: each as `<source>:LINE:COL: error: message` followed
/// by the source line it points at, then its notes.
MLIR_CAPI_EXPORTED MlirLogicalResult
mlirEffAttnCompile(MlirStringRef source, MlirStringRef pipelineOptions,
                   MlirEffAttnCompileOutput output, MlirStringCallback callback,
                   void *userData);

/// Same as `mlirEffAttnCompile`, with the result (on success) or the error
/// text (on failure) returned as a newly allocated, NUL-terminated string in
/// `*result`; release it with `mlirEffAttnStringDestroy`.
MLIR_CAPI_EXPORTED MlirLogicalResult mlirEffAttnCompileToString(
    MlirStringRef source, MlirStringRef pipelineOptions,
    MlirEffAttnCompileOutput output, MlirStringRef *result);

/// Releases a string returned by `mlirEffAttnCompileToString`. Null data is
/// ignored.
MLIR_CAPI_EXPORTED void mlirEffAttnStringDestroy(MlirStringRef string);

#ifdef __cplusplus
}
#endif

#endif // EFFATTN_C_COMPILE_H
