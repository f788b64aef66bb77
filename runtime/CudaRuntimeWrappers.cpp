//===- CudaRuntimeWrappers.cpp - the mgpu* ABI over the CUDA driver -------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The host side of code lowered by `gpu-to-llvm` (MLIR 22) calls these
// `mgpu*` functions. This library implements them over the CUDA driver API,
// which it loads with dlopen at run time: it builds and links without CUDA,
// and a process that never calls it never needs a driver. The first call on
// a machine without a usable driver or GPU prints one line naming what is
// missing and exits with status 1 (no crash, no partial results); so does any
// failing driver call.
//
// Environment:
//   EFFATTN_CUDA_DRIVER  the driver library to load (default libcuda.so.1)
//   EFFATTN_CUDA_DEVICE  the device ordinal (default 0; mgpuSetDefaultDevice
//                        before the first call overrides it)
//
//===----------------------------------------------------------------------===//

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <type_traits>

#if defined(EFFATTN_HAVE_CUDA_H)
#include <cuda.h>
#else
// The few driver API types this library uses (cuda.h, CUDA 12/13 ABI).
extern "C" {
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef int CUjit_option;
typedef int CUdevice_attribute;
typedef int CUfunction_attribute;
typedef int CUtensorMapDataType;
typedef int CUtensorMapInterleave;
typedef int CUtensorMapSwizzle;
typedef int CUtensorMapL2promotion;
typedef int CUtensorMapFloatOOBfill;
typedef uint32_t cuuint32_t;
typedef uint64_t cuuint64_t;
typedef struct alignas(64) CUtensorMap_st {
  cuuint64_t opaque[16];
} CUtensorMap;
typedef int CUlaunchAttributeID;
typedef union CUlaunchAttributeValue_union {
  char pad[64];
  struct {
    unsigned int x, y, z;
  } clusterDim;
} CUlaunchAttributeValue;
typedef struct CUlaunchAttribute_st {
  CUlaunchAttributeID id;
  char pad[8 - sizeof(CUlaunchAttributeID)];
  CUlaunchAttributeValue value;
} CUlaunchAttribute;
typedef struct CUlaunchConfig_st {
  unsigned int gridDimX, gridDimY, gridDimZ;
  unsigned int blockDimX, blockDimY, blockDimZ;
  unsigned int sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute *attrs;
  unsigned int numAttrs;
} CUlaunchConfig;
}
#define CUDA_SUCCESS 0
#define CU_JIT_ERROR_LOG_BUFFER 5
#define CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES 6
#define CU_JIT_OPTIMIZATION_LEVEL 7
#define CU_STREAM_NON_BLOCKING 0x1
#define CU_EVENT_DISABLE_TIMING 0x2
#define CU_MEM_ATTACH_GLOBAL 0x1
#define CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN 97
#define CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES 8
#define CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION 4
#endif

#define EFFATTN_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/// The driver entry points, resolved by name (the versioned names that
/// cuda.h's macros select).
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, CUdevice_attribute, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxPushCurrent)(CUcontext);
  CUresult (*cuCtxPopCurrent)(CUcontext *);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned,
                                 CUjit_option *, void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, CUfunction_attribute, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuLaunchKernelEx)(const CUlaunchConfig *, CUfunction, void **,
                               void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, CUstream);
  CUresult (*cuMemFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr, unsigned short, size_t, CUstream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr, unsigned int, size_t, CUstream);
  CUresult (*cuMemHostRegister)(void *, size_t, unsigned);
  CUresult (*cuMemHostUnregister)(void *);
  CUresult (*cuTensorMapEncodeTiled)(CUtensorMap *, CUtensorMapDataType,
                                     cuuint32_t, void *, const cuuint64_t *,
                                     const cuuint64_t *, const cuuint32_t *,
                                     const cuuint32_t *, CUtensorMapInterleave,
                                     CUtensorMapSwizzle, CUtensorMapL2promotion,
                                     CUtensorMapFloatOOBfill);

  CUdevice device = 0;
  CUcontext context = nullptr;
};

#if defined(EFFATTN_HAVE_CUDA_H)
// With cuda.h at hand, check that the pointer types above are the driver's.
#define EFFATTN_CHECK_TYPE(field, fn)                                          \
  static_assert(std::is_same<decltype(Driver::field), decltype(&fn)>::value,   \
                #fn " has another type in cuda.h");
EFFATTN_CHECK_TYPE(cuInit, ::cuInit)
EFFATTN_CHECK_TYPE(cuDeviceGet, ::cuDeviceGet)
EFFATTN_CHECK_TYPE(cuDeviceGetAttribute, ::cuDeviceGetAttribute)
EFFATTN_CHECK_TYPE(cuDevicePrimaryCtxRetain, ::cuDevicePrimaryCtxRetain)
EFFATTN_CHECK_TYPE(cuCtxPushCurrent, ::cuCtxPushCurrent)
EFFATTN_CHECK_TYPE(cuCtxPopCurrent, ::cuCtxPopCurrent)
EFFATTN_CHECK_TYPE(cuModuleLoadDataEx, ::cuModuleLoadDataEx)
EFFATTN_CHECK_TYPE(cuModuleGetFunction, ::cuModuleGetFunction)
EFFATTN_CHECK_TYPE(cuLaunchKernel, ::cuLaunchKernel)
EFFATTN_CHECK_TYPE(cuLaunchKernelEx, ::cuLaunchKernelEx)
EFFATTN_CHECK_TYPE(cuStreamCreate, ::cuStreamCreate)
EFFATTN_CHECK_TYPE(cuStreamDestroy, ::cuStreamDestroy)
EFFATTN_CHECK_TYPE(cuStreamWaitEvent, ::cuStreamWaitEvent)
EFFATTN_CHECK_TYPE(cuEventDestroy, ::cuEventDestroy)
EFFATTN_CHECK_TYPE(cuMemAlloc, ::cuMemAlloc)
EFFATTN_CHECK_TYPE(cuMemAllocManaged, ::cuMemAllocManaged)
EFFATTN_CHECK_TYPE(cuMemFree, ::cuMemFree)
EFFATTN_CHECK_TYPE(cuMemAllocAsync, ::cuMemAllocAsync)
EFFATTN_CHECK_TYPE(cuMemFreeAsync, ::cuMemFreeAsync)
EFFATTN_CHECK_TYPE(cuMemcpyAsync, ::cuMemcpyAsync)
EFFATTN_CHECK_TYPE(cuMemcpyHtoD, ::cuMemcpyHtoD)
EFFATTN_CHECK_TYPE(cuMemsetD16Async, ::cuMemsetD16Async)
EFFATTN_CHECK_TYPE(cuMemsetD32Async, ::cuMemsetD32Async)
EFFATTN_CHECK_TYPE(cuMemHostRegister, ::cuMemHostRegister)
EFFATTN_CHECK_TYPE(cuTensorMapEncodeTiled, ::cuTensorMapEncodeTiled)
#undef EFFATTN_CHECK_TYPE
#endif

/// One line on stderr, exit status 1.
[[noreturn]] void fatal(const char *what, const char *detail) {
  std::fprintf(stderr, "effattn-cuda-runtime: %s%s%s\n", what,
               detail ? ": " : "", detail ? detail : "");
  std::fflush(stderr);
  std::exit(1);
}

Driver *driverOrNull = nullptr;
std::atomic<int> requestedDevice{-1};

/// Names of the errors a missing or unusable driver reports (the stub
/// library cannot name its own errors).
const char *knownErrorName(int result) {
  switch (result) {
  case 1:
    return "CUDA_ERROR_INVALID_VALUE";
  case 2:
    return "CUDA_ERROR_OUT_OF_MEMORY";
  case 3:
    return "CUDA_ERROR_NOT_INITIALIZED";
  case 34:
    return "CUDA_ERROR_STUB_LIBRARY (the toolkit's stub libcuda, not a "
           "driver)";
  case 35:
    return "CUDA_ERROR_INSUFFICIENT_DRIVER";
  case 46:
    return "CUDA_ERROR_DEVICES_UNAVAILABLE";
  case 100:
    return "CUDA_ERROR_NO_DEVICE";
  case 209:
    return "CUDA_ERROR_NO_BINARY_FOR_GPU";
  case 218:
    return "CUDA_ERROR_INVALID_PTX";
  case 222:
    return "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
  default:
    return nullptr;
  }
}

void check(Driver &d, CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return;
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName && d.cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (d.cuGetErrorString && d.cuGetErrorString(result, &text) != CUDA_SUCCESS)
    text = nullptr;
  if (!name) {
    name = knownErrorName(static_cast<int>(result));
    text = nullptr;
  }
  char detail[512];
  std::snprintf(detail, sizeof(detail), "%s (%d)%s%s",
                name ? name : "CUDA error", static_cast<int>(result),
                text ? ": " : "", text ? text : "");
  char what[128];
  std::snprintf(what, sizeof(what), "%s failed", call);
  fatal(what, detail);
}

template <typename Fn>
void resolve(void *library, Fn &fn, const char *name, bool required) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (!fn && required) {
    char what[160];
    std::snprintf(what, sizeof(what),
                  "the CUDA driver library has no %s (driver too old?)", name);
    fatal(what, nullptr);
  }
}

Driver *loadDriver() {
  const char *path = std::getenv("EFFATTN_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    char what[512];
    std::snprintf(what, sizeof(what),
                  "no CUDA driver: cannot load %s (is an NVIDIA driver "
                  "installed and a GPU present?)",
                  path);
    fatal(what, dlerror());
  }
  auto *d = new Driver();
  resolve(library, d->cuGetErrorName, "cuGetErrorName", false);
  resolve(library, d->cuGetErrorString, "cuGetErrorString", false);
  resolve(library, d->cuInit, "cuInit", true);
  resolve(library, d->cuDeviceGetCount, "cuDeviceGetCount", true);
  resolve(library, d->cuDeviceGet, "cuDeviceGet", true);
  resolve(library, d->cuDeviceGetAttribute, "cuDeviceGetAttribute", true);
  resolve(library, d->cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain",
          true);
  resolve(library, d->cuCtxPushCurrent, "cuCtxPushCurrent_v2", true);
  resolve(library, d->cuCtxPopCurrent, "cuCtxPopCurrent_v2", true);
  resolve(library, d->cuModuleLoadData, "cuModuleLoadData", true);
  resolve(library, d->cuModuleLoadDataEx, "cuModuleLoadDataEx", true);
  resolve(library, d->cuModuleUnload, "cuModuleUnload", true);
  resolve(library, d->cuModuleGetFunction, "cuModuleGetFunction", true);
  resolve(library, d->cuFuncSetAttribute, "cuFuncSetAttribute", true);
  resolve(library, d->cuLaunchKernel, "cuLaunchKernel", true);
  resolve(library, d->cuLaunchKernelEx, "cuLaunchKernelEx", false);
  resolve(library, d->cuStreamCreate, "cuStreamCreate", true);
  resolve(library, d->cuStreamDestroy, "cuStreamDestroy_v2", true);
  resolve(library, d->cuStreamSynchronize, "cuStreamSynchronize", true);
  resolve(library, d->cuStreamWaitEvent, "cuStreamWaitEvent", true);
  resolve(library, d->cuEventCreate, "cuEventCreate", true);
  resolve(library, d->cuEventDestroy, "cuEventDestroy_v2", true);
  resolve(library, d->cuEventRecord, "cuEventRecord", true);
  resolve(library, d->cuEventSynchronize, "cuEventSynchronize", true);
  resolve(library, d->cuMemAlloc, "cuMemAlloc_v2", true);
  resolve(library, d->cuMemAllocManaged, "cuMemAllocManaged", true);
  resolve(library, d->cuMemFree, "cuMemFree_v2", true);
  resolve(library, d->cuMemAllocAsync, "cuMemAllocAsync", false);
  resolve(library, d->cuMemFreeAsync, "cuMemFreeAsync", false);
  resolve(library, d->cuMemcpyHtoD, "cuMemcpyHtoD_v2", true);
  resolve(library, d->cuMemcpyAsync, "cuMemcpyAsync", true);
  resolve(library, d->cuMemsetD16Async, "cuMemsetD16Async", true);
  resolve(library, d->cuMemsetD32Async, "cuMemsetD32Async", true);
  resolve(library, d->cuMemHostRegister, "cuMemHostRegister_v2", true);
  resolve(library, d->cuMemHostUnregister, "cuMemHostUnregister", true);
  resolve(library, d->cuTensorMapEncodeTiled, "cuTensorMapEncodeTiled", false);

  check(*d, d->cuInit(0), "cuInit");
  int count = 0;
  check(*d, d->cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (count < 1)
    fatal("no CUDA device: the driver reports 0 GPUs", nullptr);
  int ordinal = requestedDevice.load();
  if (ordinal < 0) {
    const char *env = std::getenv("EFFATTN_CUDA_DEVICE");
    ordinal = env && *env ? std::atoi(env) : 0;
  }
  if (ordinal < 0 || ordinal >= count) {
    char what[160];
    std::snprintf(what, sizeof(what),
                  "CUDA device %d requested, but the driver reports %d GPU(s)",
                  ordinal, count);
    fatal(what, nullptr);
  }
  check(*d, d->cuDeviceGet(&d->device, ordinal), "cuDeviceGet");
  check(*d, d->cuDevicePrimaryCtxRetain(&d->context, d->device),
        "cuDevicePrimaryCtxRetain");
  return d;
}

/// The driver, loaded and initialised on first use.
Driver &driver() {
  static std::once_flag once;
  std::call_once(once, [] { driverOrNull = loadDriver(); });
  return *driverOrNull;
}

/// Makes the device's primary context current for the scope of a call and
/// restores the caller's afterwards.
class ScopedContext {
public:
  ScopedContext() : d(driver()) {
    check(d, d.cuCtxPushCurrent(d.context), "cuCtxPushCurrent");
  }
  ~ScopedContext() {
    CUcontext previous = nullptr;
    check(d, d.cuCtxPopCurrent(&previous), "cuCtxPopCurrent");
  }
  Driver &d;
};

/// A ranked memref descriptor: {allocated, aligned, offset, sizes[rank],
/// strides[rank]}.
struct Descriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[1];
};

} // namespace

//===----------------------------------------------------------------------===//
// Modules and launches
//===----------------------------------------------------------------------===//

EFFATTN_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*gpuBlobSize*/) {
  ScopedContext scope;
  CUmodule module = nullptr;
  check(scope.d, scope.d.cuModuleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

EFFATTN_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  ScopedContext scope;
  CUmodule module = nullptr;
  char log[8192] = {0};
  CUjit_option options[] = {(CUjit_option)CU_JIT_OPTIMIZATION_LEVEL,
                            (CUjit_option)CU_JIT_ERROR_LOG_BUFFER,
                            (CUjit_option)CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log) - 1)};
  CUresult result =
      scope.d.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS && log[0]) {
    for (char &c : log)
      if (c == '\n')
        c = ' ';
    std::fprintf(stderr, "effattn-cuda-runtime: PTX JIT log: %s\n", log);
  }
  check(scope.d, result, "cuModuleLoadDataEx (PTX JIT)");
  return module;
}

EFFATTN_EXPORT void mgpuModuleUnload(CUmodule module) {
  // Runs from a global destructor at exit: never start a driver for it, and
  // ignore a driver that is already shutting down.
  Driver *d = driverOrNull;
  if (!d || !module)
    return;
  if (d->cuCtxPushCurrent(d->context) != CUDA_SUCCESS)
    return;
  (void)d->cuModuleUnload(module);
  CUcontext previous = nullptr;
  (void)d->cuCtxPopCurrent(&previous);
}

EFFATTN_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                                const char *name) {
  ScopedContext scope;
  CUfunction function = nullptr;
  check(scope.d, scope.d.cuModuleGetFunction(&function, module, name),
        "cuModuleGetFunction");
  return function;
}

/// Lets `function` use `smem` bytes of dynamic shared memory (above 48 KiB
/// needs an opt-in).
static void allowSharedMemory(Driver &d, CUfunction function, int32_t smem) {
  if (smem <= 48 * 1024)
    return;
  int limit = 0;
  check(d,
        d.cuDeviceGetAttribute(
            &limit, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
            d.device),
        "cuDeviceGetAttribute");
  if (smem > limit) {
    char what[160];
    std::snprintf(what, sizeof(what),
                  "a kernel asks for %d bytes of shared memory; the device "
                  "allows %d",
                  smem, limit);
    fatal(what, nullptr);
  }
  check(d,
        d.cuFuncSetAttribute(
            function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem),
        "cuFuncSetAttribute");
}

EFFATTN_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                     intptr_t gridY, intptr_t gridZ,
                                     intptr_t blockX, intptr_t blockY,
                                     intptr_t blockZ, int32_t smem,
                                     CUstream stream, void **params,
                                     void **extra, size_t /*paramsCount*/) {
  ScopedContext scope;
  // A launch with an empty grid (a zero-sized dimension) does nothing.
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
    return;
  allowSharedMemory(scope.d, function, smem);
  check(scope.d,
        scope.d.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                               blockZ, smem, stream, params, extra),
        "cuLaunchKernel");
}

EFFATTN_EXPORT void
mgpuLaunchClusterKernel(CUfunction function, intptr_t clusterX,
                        intptr_t clusterY, intptr_t clusterZ, intptr_t gridX,
                        intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                        intptr_t blockY, intptr_t blockZ, int32_t smem,
                        CUstream stream, void **params, void **extra) {
  ScopedContext scope;
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
    return;
  if (!scope.d.cuLaunchKernelEx)
    fatal("cluster launch needs cuLaunchKernelEx (CUDA 12 driver or newer)",
          nullptr);
  allowSharedMemory(scope.d, function, smem);
  CUlaunchAttribute attribute;
  std::memset(&attribute, 0, sizeof(attribute));
  attribute.id = (CUlaunchAttributeID)CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = static_cast<unsigned>(clusterX);
  attribute.value.clusterDim.y = static_cast<unsigned>(clusterY);
  attribute.value.clusterDim.z = static_cast<unsigned>(clusterZ);
  CUlaunchConfig config;
  std::memset(&config, 0, sizeof(config));
  config.gridDimX = static_cast<unsigned>(gridX);
  config.gridDimY = static_cast<unsigned>(gridY);
  config.gridDimZ = static_cast<unsigned>(gridZ);
  config.blockDimX = static_cast<unsigned>(blockX);
  config.blockDimY = static_cast<unsigned>(blockY);
  config.blockDimZ = static_cast<unsigned>(blockZ);
  config.sharedMemBytes = static_cast<unsigned>(smem);
  config.hStream = stream;
  config.attrs = &attribute;
  config.numAttrs = 1;
  check(scope.d, scope.d.cuLaunchKernelEx(&config, function, params, extra),
        "cuLaunchKernelEx");
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

EFFATTN_EXPORT CUstream mgpuStreamCreate() {
  ScopedContext scope;
  CUstream stream = nullptr;
  check(scope.d, scope.d.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
        "cuStreamCreate");
  return stream;
}

EFFATTN_EXPORT void mgpuStreamDestroy(CUstream stream) {
  ScopedContext scope;
  check(scope.d, scope.d.cuStreamDestroy(stream), "cuStreamDestroy");
}

EFFATTN_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  ScopedContext scope;
  check(scope.d, scope.d.cuStreamSynchronize(stream), "cuStreamSynchronize");
}

EFFATTN_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  ScopedContext scope;
  check(scope.d, scope.d.cuStreamWaitEvent(stream, event, 0),
        "cuStreamWaitEvent");
}

EFFATTN_EXPORT CUevent mgpuEventCreate() {
  ScopedContext scope;
  CUevent event = nullptr;
  check(scope.d, scope.d.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING),
        "cuEventCreate");
  return event;
}

EFFATTN_EXPORT void mgpuEventDestroy(CUevent event) {
  ScopedContext scope;
  check(scope.d, scope.d.cuEventDestroy(event), "cuEventDestroy");
}

EFFATTN_EXPORT void mgpuEventSynchronize(CUevent event) {
  ScopedContext scope;
  check(scope.d, scope.d.cuEventSynchronize(event), "cuEventSynchronize");
}

EFFATTN_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  ScopedContext scope;
  check(scope.d, scope.d.cuEventRecord(event, stream), "cuEventRecord");
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

EFFATTN_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream,
                                  bool isHostShared) {
  ScopedContext scope;
  CUdeviceptr ptr = 0;
  // Zero-sized buffers (empty tensors) still get a distinct address.
  size_t bytes = sizeBytes ? sizeBytes : 1;
  if (isHostShared)
    check(scope.d, scope.d.cuMemAllocManaged(&ptr, bytes, CU_MEM_ATTACH_GLOBAL),
          "cuMemAllocManaged");
  else if (stream && scope.d.cuMemAllocAsync)
    check(scope.d, scope.d.cuMemAllocAsync(&ptr, bytes, stream),
          "cuMemAllocAsync");
  else
    check(scope.d, scope.d.cuMemAlloc(&ptr, bytes), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

EFFATTN_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  if (!ptr)
    return;
  ScopedContext scope;
  auto devicePtr = reinterpret_cast<CUdeviceptr>(ptr);
  if (stream && scope.d.cuMemFreeAsync)
    check(scope.d, scope.d.cuMemFreeAsync(devicePtr, stream), "cuMemFreeAsync");
  else
    check(scope.d, scope.d.cuMemFree(devicePtr), "cuMemFree");
}

EFFATTN_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                               CUstream stream) {
  ScopedContext scope;
  check(scope.d,
        scope.d.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                              reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                              stream),
        "cuMemcpyAsync");
}

EFFATTN_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                                 CUstream stream) {
  ScopedContext scope;
  check(scope.d,
        scope.d.cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                 count, stream),
        "cuMemsetD32Async");
}

EFFATTN_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                 CUstream stream) {
  ScopedContext scope;
  check(scope.d,
        scope.d.cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                 count, stream),
        "cuMemsetD16Async");
}

EFFATTN_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  ScopedContext scope;
  check(scope.d, scope.d.cuMemHostRegister(ptr, sizeBytes, 0),
        "cuMemHostRegister");
}

EFFATTN_EXPORT void mgpuMemHostUnregister(void *ptr) {
  ScopedContext scope;
  check(scope.d, scope.d.cuMemHostUnregister(ptr), "cuMemHostUnregister");
}

/// The bytes a dense memref of this descriptor spans, and its first byte.
static char *denseSpan(int64_t rank, void *raw, int64_t elementSizeBytes,
                       uint64_t &bytes) {
  auto *desc = static_cast<Descriptor *>(raw);
  const int64_t *sizes = desc->sizesAndStrides;
  const int64_t *strides = sizes + rank;
  int64_t expected = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (sizes[i] != 1 && strides[i] != expected)
      fatal("mgpuMemHostRegisterMemRef: only dense (identity-layout) "
            "memrefs can be registered",
            nullptr);
    expected *= sizes[i];
  }
  bytes = static_cast<uint64_t>(expected * elementSizeBytes);
  return desc->aligned + desc->offset * elementSizeBytes;
}

EFFATTN_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                                              int64_t elementSizeBytes) {
  uint64_t bytes = 0;
  char *start = denseSpan(rank, descriptor, elementSizeBytes, bytes);
  if (bytes)
    mgpuMemHostRegister(start, bytes);
}

EFFATTN_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                                int64_t elementSizeBytes) {
  uint64_t bytes = 0;
  char *start = denseSpan(rank, descriptor, elementSizeBytes, bytes);
  if (bytes)
    mgpuMemHostUnregister(start);
}

EFFATTN_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  if (driverOrNull && driverOrNull->device != device)
    fatal("mgpuSetDefaultDevice: the device is chosen before the first CUDA "
          "call and cannot change afterwards",
          nullptr);
  requestedDevice.store(device);
}

//===----------------------------------------------------------------------===//
// Probing (for tools, not part of the mgpu* ABI)
//===----------------------------------------------------------------------===//

/// Formats one line of what a probe found missing into `error`; returns 0.
__attribute__((format(printf, 3, 4))) static int
probeFailed(char *error, size_t size, const char *format, ...) {
  if (error && size) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(error, size, format, args);
    va_end(args);
  }
  return 0;
}

/// Returns 1 when a CUDA driver loads, initialises and reports a GPU;
/// otherwise 0, with one line saying what is missing in `error` (of `size`
/// bytes). Unlike the mgpu* functions it never exits, so that a tool can
/// report the problem before it compiles anything.
EFFATTN_EXPORT int effattnCudaAvailable(char *error, size_t size) {
  if (driverOrNull)
    return 1;
  const char *path = std::getenv("EFFATTN_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return probeFailed(error, size, "no CUDA driver (%s not found)", path);
  Driver d{};
  resolve(library, d.cuGetErrorName, "cuGetErrorName", false);
  resolve(library, d.cuGetErrorString, "cuGetErrorString", false);
  resolve(library, d.cuInit, "cuInit", false);
  resolve(library, d.cuDeviceGetCount, "cuDeviceGetCount", false);
  if (!d.cuInit || !d.cuDeviceGetCount)
    return probeFailed(error, size,
                       "the CUDA driver library %s has no cuInit or "
                       "cuDeviceGetCount",
                       path);
  auto name = [&](CUresult result) {
    const char *text = nullptr;
    if (!d.cuGetErrorName || d.cuGetErrorName(result, &text) != CUDA_SUCCESS)
      text = knownErrorName(static_cast<int>(result));
    return text ? text : "CUDA error";
  };
  if (CUresult result = d.cuInit(0); result != CUDA_SUCCESS)
    return probeFailed(error, size, "cuInit failed: %s (%d)", name(result),
                       static_cast<int>(result));
  int count = 0;
  if (CUresult result = d.cuDeviceGetCount(&count); result != CUDA_SUCCESS)
    return probeFailed(error, size, "cuDeviceGetCount failed: %s (%d)",
                       name(result), static_cast<int>(result));
  if (count < 1)
    return probeFailed(error, size,
                       "no CUDA device (the driver reports %d GPUs)", count);
  // The library stays loaded: the mgpu* functions will load it again.
  return 1;
}

//===----------------------------------------------------------------------===//
// Hopper tensor maps (TMA)
//===----------------------------------------------------------------------===//

/// Bytes per element of each CUtensorMapDataType, in enum order.
static int64_t tensorMapElementBytes(int64_t dataType) {
  static const int64_t bytes[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2, 4, 4, 4};
  if (dataType < 0 ||
      dataType >= static_cast<int64_t>(sizeof(bytes) / sizeof(bytes[0])))
    fatal("mgpuTensorMapEncodeTiledMemref: unknown tensor map data type",
          nullptr);
  return bytes[dataType];
}

EFFATTN_EXPORT void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *rankedDescriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims) {
  if (rank < 1 || rank > 5)
    fatal("mgpuTensorMapEncodeTiledMemref: tensor maps have rank 1 to 5",
          nullptr);
  ScopedContext scope;
  if (!scope.d.cuTensorMapEncodeTiled)
    fatal("tensor maps need cuTensorMapEncodeTiled (CUDA 12 driver or newer)",
          nullptr);
  auto *desc = static_cast<Descriptor *>(rankedDescriptor);
  const int64_t *sizes = desc->sizesAndStrides;
  const int64_t *strides = sizes + rank;
  int64_t elementBytes = tensorMapElementBytes(dataType);
  // The driver lists dimensions innermost first; strides (in bytes) of all
  // but the innermost.
  cuuint64_t globalDim[5] = {1, 1, 1, 1, 1}, globalStrides[5] = {0};
  cuuint32_t box[5] = {1, 1, 1, 1, 1}, elementStrides[5] = {1, 1, 1, 1, 1};
  for (int64_t i = 0; i < rank; ++i) {
    globalDim[i] = static_cast<cuuint64_t>(sizes[rank - 1 - i]);
    box[i] = static_cast<cuuint32_t>(boxDims[rank - 1 - i]);
  }
  for (int64_t i = 0; i + 1 < rank; ++i)
    globalStrides[i] =
        static_cast<cuuint64_t>(strides[rank - 2 - i] * elementBytes);
  void *address = desc->aligned + desc->offset * elementBytes;
  CUtensorMap map;
  check(scope.d,
        scope.d.cuTensorMapEncodeTiled(
            &map, (CUtensorMapDataType)dataType, static_cast<cuuint32_t>(rank),
            address, globalDim, globalStrides, box, elementStrides,
            (CUtensorMapInterleave)interleave, (CUtensorMapSwizzle)swizzle,
            (CUtensorMapL2promotion)l2Promotion,
            (CUtensorMapFloatOOBfill)oobFill),
        "cuTensorMapEncodeTiled");
  // Kernels read the map from device memory.
  CUdeviceptr deviceMap = 0;
  check(scope.d, scope.d.cuMemAlloc(&deviceMap, sizeof(CUtensorMap)),
        "cuMemAlloc");
  check(scope.d, scope.d.cuMemcpyHtoD(deviceMap, &map, sizeof(CUtensorMap)),
        "cuMemcpyHtoD");
  return reinterpret_cast<void *>(deviceMap);
}
