/*===- effattn-c/ExecutionEngine.h - JIT executables, C API -------*- C -*-===*\
|*                                                                            *|
|* Part of the effattn project, under the Apache License v2.0 with LLVM       *|
|* Exceptions.                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * Compile a function of an effattn module for the host CPU and call it, from
 * any language with a C FFI (the Python package uses ctypes). The library is
 * libEffAttnExecutionEngine.so; it links libMLIR.so and loads MLIR's C runner
 * utilities into the JIT.
 *
 *   char *error = NULL;
 *   EffAttnExecutable *exe = effattnExecutableCreate(
 *       ir, strlen(ir), "f", "reference=true", &error);
 *   if (!exe) {
 *     fprintf(stderr, "%s\n", error);
 *     effattnFreeString(error);
 *   }
 *
 * Arguments and results are ranked tensors of f32, f16, bf16 or i32; they are
 * passed as memref descriptors in the `_mlir_ciface_` ABI:
 *
 *   struct { void *allocated, *aligned; int64_t offset, sizes[R], strides[R]; }
 *
 * (all fields 8 bytes, so a descriptor of rank R is 3 + 2R int64 words).
 * Argument buffers must be contiguous in row-major order, and the compiled
 * code may write into them (a carried state can be updated in place): pass
 * copies of anything that must survive the call. Every function returns
 * normally; failures are reported as a message, never by aborting.
 */

#ifndef EFFATTN_C_EXECUTIONENGINE_H
#define EFFATTN_C_EXECUTIONENGINE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define EFFATTN_EE_EXPORTED __declspec(dllexport)
#else
#define EFFATTN_EE_EXPORTED __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// Version of this interface; bumped when a signature changes.
#define EFFATTN_EXECUTION_ENGINE_API_VERSION 1

/// Size of a dynamic dimension in `effattnExecutableGet{Argument,Result}`.
#define EFFATTN_DYNAMIC_SIZE INT64_MIN

/// Element types of arguments and results.
typedef enum EffAttnElementType {
  EffAttnElementTypeF32 = 0,
  EffAttnElementTypeF16 = 1,
  EffAttnElementTypeBF16 = 2,
  EffAttnElementTypeI32 = 3,
} EffAttnElementType;

/// A JIT-compiled entry function, opaque.
typedef struct EffAttnExecutable EffAttnExecutable;

/// `EFFATTN_EXECUTION_ENGINE_API_VERSION` of the library.
EFFATTN_EE_EXPORTED int effattnExecutionEngineApiVersion(void);

/// Parses `ir` (`irLength` bytes of MLIR text; need not be NUL-terminated),
/// lowers function `entry` (and the functions it calls) with `effattn-to-llvm`
/// configured by `pipelineOptions` (that pipeline's options, space-separated,
/// e.g. "reference=true" or "query-tile=32 key-tile=64"; NULL or "" for the
/// defaults) and JIT-compiles it. On failure returns NULL and sets `*error`
/// to a message holding every diagnostic MLIR emitted (free it with
/// `effattnFreeString`); `error` may be NULL.
EFFATTN_EE_EXPORTED EffAttnExecutable *
effattnExecutableCreate(const char *ir, size_t irLength, const char *entry,
                        const char *pipelineOptions, char **error);

/// Releases an executable (NULL is ignored).
EFFATTN_EE_EXPORTED void effattnExecutableDestroy(EffAttnExecutable *exe);

/// Frees a string returned by this library (NULL is ignored).
EFFATTN_EE_EXPORTED void effattnFreeString(char *str);

/// Number of arguments / results of the entry function.
EFFATTN_EE_EXPORTED int64_t
effattnExecutableGetNumArguments(const EffAttnExecutable *exe);
EFFATTN_EE_EXPORTED int64_t
effattnExecutableGetNumResults(const EffAttnExecutable *exe);

/// Type of argument / result `index`: element type, rank and the sizes
/// (`EFFATTN_DYNAMIC_SIZE` where dynamic). `*shape` points into `exe` and
/// lives as long as it. Returns 0 when `index` is out of range, 1 otherwise.
EFFATTN_EE_EXPORTED int
effattnExecutableGetArgument(const EffAttnExecutable *exe, int64_t index,
                             EffAttnElementType *elementType, int64_t *rank,
                             const int64_t **shape);
EFFATTN_EE_EXPORTED int
effattnExecutableGetResult(const EffAttnExecutable *exe, int64_t index,
                           EffAttnElementType *elementType, int64_t *rank,
                           const int64_t **shape);

/// The MLIR spelling of argument / result `index`'s type, e.g.
/// "tensor<1x?x256xf32>" (owned by `exe`; NULL when out of range).
EFFATTN_EE_EXPORTED const char *
effattnExecutableGetArgumentTypeString(const EffAttnExecutable *exe,
                                       int64_t index);
EFFATTN_EE_EXPORTED const char *
effattnExecutableGetResultTypeString(const EffAttnExecutable *exe,
                                     int64_t index);

/// Checks concrete argument shapes against the entry's signature (rank and
/// static sizes) and against the shape rules of the effattn ops that read the
/// arguments, so that dynamic sizes that disagree between arguments (a `q`
/// with T = 17 and a gate with T = 18) are reported instead of being read out
/// of bounds by the compiled code. `shapes[i]` holds the sizes of argument i
/// (as many as its rank). Returns 1 when they fit; otherwise 0 with `*error`
/// set (free it with `effattnFreeString`).
EFFATTN_EE_EXPORTED int
effattnExecutableCheckShapes(const EffAttnExecutable *exe,
                             const int64_t *const *shapes, char **error);

/// Number of int64 words of the result buffer that `effattnExecutableInvoke`
/// fills: the descriptors of all results, one after the other.
EFFATTN_EE_EXPORTED int64_t
effattnExecutableGetResultWords(const EffAttnExecutable *exe);

/// Calls the entry function: `arguments[i]` points to the memref descriptor
/// of argument i; `results` to `effattnExecutableGetResultWords` int64 words
/// that receive the results' descriptors (identity layouts: element e of a
/// result is at aligned + offset + e). Call `effattnExecutableFreeResults`
/// once the results are copied. Returns 1 on success; otherwise 0 with
/// `*error` set. Shapes are not checked here (see
/// `effattnExecutableCheckShapes`).
EFFATTN_EE_EXPORTED int effattnExecutableInvoke(const EffAttnExecutable *exe,
                                                void *const *arguments,
                                                int64_t *results, char **error);

/// Frees the buffers of the results that `effattnExecutableInvoke` wrote to
/// `results` for the call with `arguments`, except those that alias an
/// argument or a global constant (each buffer is freed once).
EFFATTN_EE_EXPORTED void
effattnExecutableFreeResults(const EffAttnExecutable *exe,
                             void *const *arguments, int64_t *results);

#ifdef __cplusplus
}
#endif

#endif // EFFATTN_C_EXECUTIONENGINE_H
