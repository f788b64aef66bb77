//===- effattn-run.cpp - JIT-compile and run effattn functions ------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// effattn-run FILE.mlir --entry=NAME [--input a.npy ...|--random-inputs]
//     [--target=cpu|cuda [--chip=sm_90a]] [--output-dir DIR]
//     [--check [--rtol=X]] [--repeat=N] [--json]
//
// With --target=cuda the module is lowered with effattn-to-nvvm instead and
// run on the GPU through the CUDA runtime wrapper (runtime/): arguments are
// copied to device buffers, results back to the host.
//
// Lowers the module with effattn-to-llvm (or, with --pipeline=gpu-schedule,
// the GPU schedule of effattn-to-nvvm run on the CPU), JIT-compiles it and
// calls the entry function through its `_mlir_ciface_` wrapper. `--check`
// runs the same inputs through the reference lowering and compares.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "effattn/InitAll.h"
#include "effattn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

using namespace mlir;
using namespace mlir::effattn;

namespace cl = llvm::cl;

static cl::OptionCategory runCategory("effattn-run options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required, cl::cat(runCategory));
static cl::opt<std::string> entry("entry", cl::desc("Function to run"),
                                  cl::Required, cl::cat(runCategory));
static cl::list<std::string>
    inputs("input",
           cl::desc("An argument as a .npy file, in argument order (<f4 for "
                    "f32; <f2 or <f4 for f16; <u2 bf16 bit patterns or <f4 "
                    "for bf16; <i4 for i32)"),
           cl::cat(runCategory));
static cl::opt<bool>
    randomInputs("random-inputs",
                 cl::desc("Standard-normal random arguments (seeded)"),
                 cl::cat(runCategory));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of --random-inputs"),
                              cl::init(0), cl::cat(runCategory));
static cl::opt<int64_t>
    dynamicSize("dynamic-size",
                cl::desc("Size of dynamic dims under --random-inputs"),
                cl::init(16), cl::cat(runCategory));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write resultN.npy here (bf16 results as <f4)"),
              cl::cat(runCategory));
static cl::opt<bool> check("check",
                           cl::desc("Compare with the reference lowering"),
                           cl::cat(runCategory));
static cl::opt<double>
    rtol("rtol",
         cl::desc("Relative RMS tolerance of --check (default: 1e-5 for "
                  "f32, 2e-2 for f16/bf16)"),
         cl::init(-1), cl::cat(runCategory));
static cl::opt<unsigned> repeat("repeat",
                                cl::desc("Time N runs after a warm-up"),
                                cl::init(0), cl::cat(runCategory));
static cl::opt<bool> json("json", cl::desc("Print a JSON summary"),
                          cl::cat(runCategory));
static cl::opt<bool> reference("reference",
                               cl::desc("Run the reference lowering"),
                               cl::cat(runCategory));
static cl::opt<std::string> pipeline(
    "pipeline",
    cl::desc("How to lower the function: effattn-to-llvm (default) or "
             "gpu-schedule (effattn-gpu-schedule-to-llvm: the GPU schedule "
             "and kernels of effattn-to-nvvm, run on the CPU)"),
    cl::init("effattn-to-llvm"), cl::cat(runCategory));
static cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("Options of --pipeline=gpu-schedule and --target=cuda, as "
             "for effattn-to-nvvm (e.g. \"chip=sm_90a query-tile=16\")"),
    cl::init(""), cl::cat(runCategory));

static cl::opt<std::string>
    target("target",
           cl::desc("Where to run: cpu (default) or cuda (effattn-to-nvvm, "
                    "on GPU 0 through the CUDA runtime of this build)"),
           cl::init("cpu"), cl::cat(runCategory));
static cl::opt<std::string>
    chip("chip",
         cl::desc("GPU architecture of --target=cuda (default sm_90a; "
                  "overrides chip= in --pipeline-options)"),
         cl::init("sm_90a"), cl::cat(runCategory));

/// One error line and exit code 1.
[[noreturn]] static void die(const llvm::Twine &message) {
  llvm::errs() << "effattn-run: " << message << "\n";
  std::exit(1);
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

namespace {
enum class Elt { f32, f16, bf16, i32 };

struct Tensor {
  Elt elt;
  std::vector<int64_t> shape;
  std::vector<char> data; // native storage of `elt`
};
} // namespace

static size_t eltSize(Elt elt) {
  return elt == Elt::f16 || elt == Elt::bf16 ? 2 : 4;
}

static const char *eltName(Elt elt) {
  switch (elt) {
  case Elt::f32:
    return "f32";
  case Elt::f16:
    return "f16";
  case Elt::bf16:
    return "bf16";
  case Elt::i32:
    return "i32";
  }
  llvm_unreachable("covered switch");
}

static std::optional<Elt> getElt(Type type) {
  if (type.isF32())
    return Elt::f32;
  if (type.isF16())
    return Elt::f16;
  if (type.isBF16())
    return Elt::bf16;
  if (type.isSignlessInteger(32))
    return Elt::i32;
  return std::nullopt;
}

static uint16_t toHalfBits(float value, const llvm::fltSemantics &sem) {
  llvm::APFloat f(value);
  bool lost;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

static float fromHalfBits(uint16_t bits, const llvm::fltSemantics &sem) {
  llvm::APFloat f(sem, llvm::APInt(16, bits));
  bool lost;
  f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return f.convertToFloat();
}

static const llvm::fltSemantics &halfSemantics(Elt elt) {
  return elt == Elt::f16 ? llvm::APFloat::IEEEhalf() : llvm::APFloat::BFloat();
}

static int64_t numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t size : shape)
    n *= size;
  return n;
}

/// Element `i` as a double.
static double get(const Tensor &t, int64_t i) {
  const char *p = t.data.data() + i * eltSize(t.elt);
  switch (t.elt) {
  case Elt::f32: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case Elt::i32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case Elt::f16:
  case Elt::bf16: {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return fromHalfBits(bits, halfSemantics(t.elt));
  }
  }
  llvm_unreachable("covered switch");
}

static void set(Tensor &t, int64_t i, float value) {
  char *p = t.data.data() + i * eltSize(t.elt);
  switch (t.elt) {
  case Elt::f32:
    std::memcpy(p, &value, 4);
    return;
  case Elt::i32: {
    int32_t v = static_cast<int32_t>(value);
    std::memcpy(p, &v, 4);
    return;
  }
  case Elt::f16:
  case Elt::bf16: {
    uint16_t bits = toHalfBits(value, halfSemantics(t.elt));
    std::memcpy(p, &bits, 2);
    return;
  }
  }
}

static std::string typeString(const Tensor &t) {
  std::string s = "tensor<";
  for (int64_t size : t.shape)
    s += std::to_string(size) + "x";
  return s + eltName(t.elt) + ">";
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, size] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(size);
  return s + "]";
}

/// Sizes `data` for a tensor of `shape` and `elt`; a shape whose bytes do not
/// fit in 64 bits, or that cannot be allocated, is an error of `what`.
static void allocate(std::vector<char> &data, llvm::ArrayRef<int64_t> shape,
                     Elt elt, const llvm::Twine &what) {
  int64_t bytes = static_cast<int64_t>(eltSize(elt));
  for (int64_t size : shape)
    if (llvm::MulOverflow(bytes, size, bytes))
      die(what + ": shape " + shapeString(shape) +
          " does not fit in memory (more than 2^63 bytes)");
  // Probe first: operator new would abort the process instead.
  void *probe = std::malloc(static_cast<size_t>(bytes));
  if (!probe && bytes > 0)
    die(what + ": cannot allocate " + llvm::Twine(bytes) + " bytes for shape " +
        shapeString(shape));
  std::free(probe);
  data.resize(bytes);
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

/// Loads argument `index` of type `type` from `path`, checking shape and
/// dtype against the signature.
static Tensor loadInput(unsigned index, llvm::StringRef path,
                        RankedTensorType type, Elt elt) {
  std::string what = llvm::formatv("input #{0} ({1})", index, path).str();
  llvm::Expected<NpyArray> array = readNpy(path);
  if (!array)
    die(what + ": " + llvm::toString(array.takeError()));
  Tensor t{elt, array->shape, {}};
  bool shapeOk = static_cast<int64_t>(array->shape.size()) == type.getRank();
  for (auto [want, got] : llvm::zip(type.getShape(), array->shape))
    shapeOk &= ShapedType::isDynamic(want) || want == got;
  std::string typeStr;
  llvm::raw_string_ostream(typeStr) << type;
  if (!shapeOk)
    die(what + ": shape " + shapeString(array->shape) + " does not match " +
        typeStr);
  const std::string &dtype = array->dtype;
  allocate(t.data, t.shape, elt, what);
  int64_t n = numElements(t.shape);
  auto expected = [&](llvm::StringRef accepted) {
    die(what + ": dtype " + dtype + ", expected " + accepted + " for " +
        eltName(elt));
  };
  switch (elt) {
  case Elt::f32:
    if (dtype != "<f4")
      expected("<f4");
    t.data = array->data;
    break;
  case Elt::i32:
    if (dtype != "<i4")
      expected("<i4");
    t.data = array->data;
    break;
  case Elt::f16:
  case Elt::bf16: {
    // Raw 16-bit patterns (<f2 for f16, <u2 for bf16), or f32 rounded.
    llvm::StringRef raw = elt == Elt::f16 ? "<f2" : "<u2";
    if (dtype == raw) {
      t.data = array->data;
    } else if (dtype == "<f4") {
      for (int64_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, array->data.data() + 4 * i, 4);
        set(t, i, v);
      }
    } else {
      expected(elt == Elt::f16 ? "<f2 or <f4" : "<u2 (bf16 bits) or <f4");
    }
    break;
  }
  }
  return t;
}

static Tensor randomInput(unsigned index, RankedTensorType type, Elt elt,
                          std::mt19937_64 &rng) {
  Tensor t{elt, {}, {}};
  for (int64_t size : type.getShape())
    t.shape.push_back(ShapedType::isDynamic(size) ? dynamicSize : size);
  allocate(t.data, t.shape, elt, "random input #" + llvm::Twine(index));
  int64_t n = numElements(t.shape);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int32_t> ints(0, 9);
  for (int64_t i = 0; i < n; ++i)
    set(t, i, elt == Elt::i32 ? static_cast<float>(ints(rng)) : normal(rng));
  return t;
}

/// `loc` as `file:line:col` where it has one.
static std::string formatLoc(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    os << fileLoc.getFilename().getValue() << ":" << fileLoc.getLine() << ":"
       << fileLoc.getColumn();
  else
    os << loc;
  return text;
}

/// Re-verifies the effattn ops that read the arguments with the arguments'
/// actual shapes, so that dynamic sizes that disagree (q with T = 17, a gate
/// with T = 18) are reported instead of read out of bounds by the compiled
/// code.
static void checkArgumentShapes(ModuleOp module,
                                const std::vector<Tensor> &args) {
  OwningOpRef<ModuleOp> clone = module.clone();
  auto func = clone->lookupSymbol<func::FuncOp>(entry);
  Block &body = func.getBody().front();
  for (auto [arg, t] : llvm::zip(body.getArguments(), args))
    arg.setType(cast<RankedTensorType>(arg.getType()).clone(t.shape));

  // With a dynamic S, Linformer's projections have a static Smax >= S
  // columns of which the first S are used: their refined view is [R, S].
  auto useFirstColumns = [&](Value k, Value proj) {
    auto kType = cast<RankedTensorType>(k.getType());
    auto projType = cast<RankedTensorType>(proj.getType());
    int64_t s = kType.getDimSize(2), sMax = projType.getDimSize(1);
    if (!ShapedType::isDynamic(s) && !ShapedType::isDynamic(sMax) && s < sMax)
      proj.setType(projType.clone({projType.getDimSize(0), s}));
  };
  func.walk([&](Operation *op) {
    if (auto lowrank = dyn_cast<LowrankAttentionOp>(op)) {
      if (isa<BlockArgument>(lowrank.getK())) {
        useFirstColumns(lowrank.getK(), lowrank.getEProj());
        useFirstColumns(lowrank.getV(), lowrank.getFProj());
      }
    } else if (auto lowrank = dyn_cast<LowrankKernelAttentionOp>(op)) {
      if (isa<BlockArgument>(lowrank.getK())) {
        useFirstColumns(lowrank.getK(), lowrank.getEProj());
        useFirstColumns(lowrank.getV(), lowrank.getFProj());
      }
    }
  });

  std::string firstError;
  ScopedDiagnosticHandler handler(module->getContext(), [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
      firstError = diag.str();
    return success();
  });
  for (BlockArgument arg : body.getArguments()) {
    for (Operation *user : arg.getUsers()) {
      if (!isa<EffAttnDialect>(user->getDialect()) ||
          succeeded(verify(user, /*verifyRecursively=*/false)))
        continue;
      die(inputFile + ": @" + entry + ": the argument shapes do not fit " +
          formatLoc(user->getLoc()) + ": " + firstError);
    }
  }
}

//===----------------------------------------------------------------------===//
// Lowering and calling
//===----------------------------------------------------------------------===//

namespace {
struct Signature {
  std::vector<std::pair<RankedTensorType, Elt>> args, results;
};

/// A JIT-compiled entry point and how to call it.
struct Compiled {
  std::unique_ptr<ExecutionEngine> engine;
};
} // namespace

static Signature getSignature(func::FuncOp func) {
  Signature sig;
  auto convert = [&](Type type, llvm::StringRef what,
                     unsigned i) -> std::pair<RankedTensorType, Elt> {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::optional<Elt> elt =
        tensor ? getElt(tensor.getElementType()) : std::nullopt;
    if (!elt) {
      std::string typeStr;
      llvm::raw_string_ostream(typeStr) << type;
      die(inputFile + ": @" + entry + " " + what + " #" + llvm::Twine(i) +
          " has type " + typeStr +
          "; effattn-run takes ranked tensors of f32, f16, bf16 or i32");
    }
    return {tensor, *elt};
  };
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
    sig.args.push_back(convert(type, "argument", i));
  for (auto [i, type] : llvm::enumerate(func.getResultTypes()))
    sig.results.push_back(convert(type, "result", i));
  if (sig.results.empty())
    die(inputFile + ": @" + entry + " returns nothing to report");
  return sig;
}

/// libeffattn_cuda_runtime.so next to the tool (../lib, in the build or an
/// install tree), else the one of the build that made the tool.
static const std::string &cudaRuntimePath() {
  static const std::string path = [] {
    std::string exe = llvm::sys::fs::getMainExecutable(
        nullptr, reinterpret_cast<void *>(&cudaRuntimePath));
    llvm::SmallString<256> library(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
    llvm::sys::path::append(library, "lib", "libeffattn_cuda_runtime.so");
    if (!exe.empty() && llvm::sys::fs::exists(library))
      return std::string(library);
    return std::string(EFFATTN_CUDA_RUNTIME);
  }();
  return path;
}

static Compiled compile(ModuleOp original, bool useReference) {
  MLIRContext *ctx = original.getContext();
  std::string firstError;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty()) {
      firstError = formatLoc(diag.getLocation()) + ": " + diag.str();
    }
    return success();
  });
  PassManager pm(ctx);
  bool cuda = target == "cuda" && !useReference;
  if ((pipeline == "gpu-schedule" || cuda) && !useReference) {
    std::string parseError;
    llvm::raw_string_ostream parseErrors(parseError);
    EffAttnToNVVMPipelineOptions options;
    if (failed(options.parseFromString(pipelineOptions, parseErrors)))
      die("--pipeline-options='" + pipelineOptions +
          "' do not parse: " + llvm::StringRef(parseError).trim());
    // --chip when given, or for CUDA when the options name no chip.
    if (chip.getNumOccurrences() || (cuda && !options.chip.hasValue()))
      options.chip = chip.getValue();
    auto dieOnError = [](const llvm::Twine &message) {
      die(message);
      return failure();
    };
    if (failed(cuda ? buildEffAttnToNVVMPipeline(pm, options, dieOnError)
                    : buildEffAttnGPUScheduleToLLVMPipeline(pm, options,
                                                            dieOnError)))
      die("--pipeline-options='" + pipelineOptions + "' are not valid");
  } else {
    EffAttnToLLVMPipelineOptions options;
    options.reference = useReference;
    buildEffAttnToLLVMPipeline(pm, options);
  }

  // The pipeline is built first: its errors exit before any IR is copied.
  // Every exit below frees the copy first (die() does not unwind).
  OwningOpRef<ModuleOp> module = original.clone();
  auto func = module->lookupSymbol<func::FuncOp>(entry);
  keepReachableFunctions(*module, func);
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(ctx));
  if (failed(pm.run(*module))) {
    module = nullptr;
    die(inputFile + ": @" + entry + " does not lower" +
        (useReference ? " (reference)" : "") + ": " + firstError);
  }

  // The transformer must outlive `create`, which runs it.
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                /*targetMachine=*/nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  llvm::SmallVector<llvm::StringRef> runtime = {EFFATTN_C_RUNNER_UTILS};
  // The mgpu* functions the host code calls.
  if (cuda)
    runtime.push_back(cudaRuntimePath());
  engineOptions.sharedLibPaths = runtime;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine) {
    module = nullptr;
    die(inputFile + ": @" + entry +
        " does not JIT-compile: " + llvm::toString(engine.takeError()));
  }
  // Global constructors load the kernels (mgpuModuleLoad).
  (*engine)->initialize();
  return {std::move(*engine)};
}

/// A memref descriptor: {allocated, aligned, offset, sizes[r], strides[r]},
/// all 8-byte fields.
/// The descriptor of contiguous data of `shape` at `data`.
static std::vector<int64_t> makeDescriptor(void *data,
                                           llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> desc = {reinterpret_cast<int64_t>(data),
                               reinterpret_cast<int64_t>(data), 0};
  desc.insert(desc.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  desc.insert(desc.end(), strides.begin(), strides.end());
  return desc;
}

static std::vector<int64_t> makeDescriptor(Tensor &t) {
  return makeDescriptor(t.data.data(), t.shape);
}

/// Calls the entry through `_mlir_ciface_NAME(results*, args*...)` with the
/// arguments' descriptors; returns the results' descriptors.
static std::vector<int64_t> invoke(const Compiled &compiled,
                                   const Signature &sig,
                                   std::vector<std::vector<int64_t>> &descs) {
  size_t resultWords = 0;
  for (auto &[type, elt] : sig.results)
    resultWords += 3 + 2 * type.getRank();
  std::vector<int64_t> resultStruct(resultWords, 0);
  // invokePacked wants, per argument, a pointer to the argument's value;
  // each value is itself a pointer (to a descriptor or to the results).
  std::vector<void *> values = {resultStruct.data()};
  for (auto &desc : descs)
    values.push_back(desc.data());
  std::vector<void *> packed;
  for (void *&value : values)
    packed.push_back(&value);
  if (llvm::Error error = compiled.engine->invokePacked(
          "_mlir_ciface_" + entry.getValue(), packed))
    die(inputFile + ": @" + entry + ": " + llvm::toString(std::move(error)));
  return resultStruct;
}

/// The results described by `resultStruct`, each copied to the host by
/// `copy(host, source, bytes)`.
static std::vector<Tensor>
readResults(const Signature &sig, const std::vector<int64_t> &resultStruct,
            llvm::function_ref<void(char *, char *, size_t)> copy) {
  std::vector<Tensor> results;
  size_t at = 0;
  for (auto &[type, elt] : sig.results) {
    int64_t rank = type.getRank();
    auto *aligned = reinterpret_cast<char *>(resultStruct[at + 1]);
    int64_t offset = resultStruct[at + 2];
    Tensor t{elt, {}, {}};
    for (int64_t i = 0; i < rank; ++i)
      t.shape.push_back(resultStruct[at + 3 + i]);
    // Results have identity layouts: contiguous from aligned + offset.
    size_t bytes = numElements(t.shape) * eltSize(elt);
    t.data.resize(bytes);
    if (bytes)
      copy(t.data.data(), aligned + offset * eltSize(elt), bytes);
    results.push_back(std::move(t));
    at += 3 + 2 * rank;
  }
  return results;
}

/// Frees the buffers the compiled code allocated for its results (malloc on
/// the CPU, gpu.alloc on CUDA), once each: not an argument's buffer it
/// returned, nor a constant (memref.get_global leaves 0xdeadbeef as the
/// allocated pointer).
static void freeResults(const Signature &sig,
                        const std::vector<int64_t> &resultStruct,
                        const std::vector<std::vector<int64_t>> &argDescs,
                        llvm::function_ref<void(void *)> release = std::free) {
  llvm::DenseSet<int64_t> keep = {0, 0xdeadbeef};
  for (const std::vector<int64_t> &desc : argDescs)
    keep.insert(desc[0]);
  size_t at = 0;
  for (auto &[type, elt] : sig.results) {
    if (keep.insert(resultStruct[at]).second)
      release(reinterpret_cast<void *>(resultStruct[at]));
    at += 3 + 2 * type.getRank();
  }
}

/// Calls the entry on the CPU; the results are copied out and their buffers
/// freed.
static std::vector<Tensor> call(const Compiled &compiled, const Signature &sig,
                                const std::vector<Tensor> &inputs) {
  // Bufferization treats arguments as writable (a carried state may be
  // updated in place), so every call gets fresh copies.
  std::vector<Tensor> args = inputs;
  std::vector<std::vector<int64_t>> descs;
  for (Tensor &arg : args)
    descs.push_back(makeDescriptor(arg));
  std::vector<int64_t> resultStruct = invoke(compiled, sig, descs);
  std::vector<Tensor> results =
      readResults(sig, resultStruct, [](char *host, char *src, size_t n) {
        std::memcpy(host, src, n);
      });
  freeResults(sig, resultStruct, descs);
  return results;
}

//===----------------------------------------------------------------------===//
// CUDA
//===----------------------------------------------------------------------===//

namespace {
/// The functions of the CUDA runtime wrapper (runtime/) effattn-run calls
/// itself; the same library, loaded once, serves the JIT-compiled code.
struct CudaRuntime {
  int (*available)(char *, size_t);
  void *(*memAlloc)(uint64_t, void *, bool);
  void (*memFree)(void *, void *);
  void (*memcpy)(void *, void *, size_t, void *);
  void *(*streamCreate)();
  void (*streamSynchronize)(void *);
  void (*streamDestroy)(void *);
};
} // namespace

/// Loads the runtime and checks that a driver and a GPU are there; any
/// problem is one line and exit status 1, before anything is compiled.
static CudaRuntime loadCudaRuntime() {
  std::string error;
  const std::string &path = cudaRuntimePath();
  auto library =
      llvm::sys::DynamicLibrary::getPermanentLibrary(path.c_str(), &error);
  if (!library.isValid())
    die("--target=cuda: cannot load the CUDA runtime " + path + ": " + error);
  CudaRuntime rt;
  auto resolve = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        library.getAddressOfSymbol(name));
    if (!fn)
      die("--target=cuda: the CUDA runtime " + path + " has no " +
          llvm::Twine(name));
  };
  resolve(rt.available, "effattnCudaAvailable");
  resolve(rt.memAlloc, "mgpuMemAlloc");
  resolve(rt.memFree, "mgpuMemFree");
  resolve(rt.memcpy, "mgpuMemcpy");
  resolve(rt.streamCreate, "mgpuStreamCreate");
  resolve(rt.streamSynchronize, "mgpuStreamSynchronize");
  resolve(rt.streamDestroy, "mgpuStreamDestroy");
  char message[512] = "";
  if (!rt.available(message, sizeof(message)))
    die("--target=cuda: " + llvm::Twine(message));
  return rt;
}

/// The calling thread's CPU time in ms.
static double threadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/// Calls the entry, compiled by effattn-to-nvvm, on the GPU: the arguments
/// are copied to fresh device buffers, the entry takes and returns
/// descriptors of device memory (it synchronises its streams before it
/// returns), and the results are copied back. `invokeMs` and `invokeCpuMs`
/// receive the wall and thread CPU time of the call itself, without the
/// copies. The device buffers of the arguments and results are freed.
static std::vector<Tensor>
callCuda(const CudaRuntime &rt, const Compiled &compiled, const Signature &sig,
         const std::vector<Tensor> &inputs, double *invokeMs = nullptr,
         double *invokeCpuMs = nullptr) {
  void *stream = rt.streamCreate();
  std::vector<void *> buffers;
  std::vector<std::vector<int64_t>> descs;
  for (const Tensor &t : inputs) {
    // Synchronous allocation (no stream): the entry uses its own streams.
    void *buffer = rt.memAlloc(t.data.size(), nullptr, false);
    if (!t.data.empty())
      rt.memcpy(buffer, const_cast<char *>(t.data.data()), t.data.size(),
                stream);
    buffers.push_back(buffer);
    descs.push_back(makeDescriptor(buffer, t.shape));
  }
  rt.streamSynchronize(stream);
  double cpuStart = threadCpuMs();
  auto start = std::chrono::steady_clock::now();
  std::vector<int64_t> resultStruct = invoke(compiled, sig, descs);
  auto stop = std::chrono::steady_clock::now();
  if (invokeCpuMs)
    *invokeCpuMs = threadCpuMs() - cpuStart;
  if (invokeMs)
    *invokeMs = std::chrono::duration<double, std::milli>(stop - start).count();
  std::vector<Tensor> results =
      readResults(sig, resultStruct, [&](char *host, char *src, size_t n) {
        rt.memcpy(host, src, n, stream);
      });
  rt.streamSynchronize(stream);
  freeResults(sig, resultStruct, descs,
              [&](void *buffer) { rt.memFree(buffer, nullptr); });
  for (void *buffer : buffers)
    rt.memFree(buffer, nullptr);
  rt.streamDestroy(stream);
  return results;
}

//===----------------------------------------------------------------------===//
// Reporting
//===----------------------------------------------------------------------===//

static double rms(const Tensor &t) {
  double sum = 0;
  int64_t n = numElements(t.shape);
  for (int64_t i = 0; i < n; ++i)
    sum += get(t, i) * get(t, i);
  return n ? std::sqrt(sum / n) : 0.0;
}

static llvm::Error writeOutput(const Tensor &t, llvm::StringRef path) {
  llvm::Error error = llvm::Error::success();
  if (t.elt == Elt::bf16) {
    // No numpy dtype holds bf16: write the exact f32 values.
    std::vector<char> data(numElements(t.shape) * 4);
    for (int64_t i = 0, e = numElements(t.shape); i < e; ++i) {
      float v = static_cast<float>(get(t, i));
      std::memcpy(data.data() + 4 * i, &v, 4);
    }
    error = writeNpy(path, "<f4", t.shape, data);
  } else {
    const char *dtype = t.elt == Elt::f32   ? "<f4"
                        : t.elt == Elt::f16 ? "<f2"
                                            : "<i4";
    error = writeNpy(path, dtype, t.shape, t.data);
  }
  return error;
}

/// Writes every result as resultN.npy in --output-dir, all or none: each
/// file is complete or absent (writeNpy), and when one fails the ones
/// written before it are removed.
static void writeOutputs(const std::vector<Tensor> &results) {
  std::vector<std::string> written;
  for (auto [i, t] : llvm::enumerate(results)) {
    std::string path =
        (llvm::Twine(outputDir) + "/result" + llvm::Twine(i) + ".npy").str();
    if (llvm::Error error = writeOutput(t, path)) {
      for (const std::string &done : written)
        llvm::sys::fs::remove(done);
      die(llvm::toString(std::move(error)));
    }
    written.push_back(path);
  }
}

namespace {
struct CheckResult {
  double maxAbs, relRms, tol;
  bool ok;
};
} // namespace

static CheckResult compare(const Tensor &got, const Tensor &ref) {
  double tol = rtol >= 0 ? rtol.getValue() : got.elt == Elt::f32 ? 1e-5 : 2e-2;
  double maxAbs = 0, diff2 = 0, ref2 = 0;
  int64_t n = numElements(ref.shape);
  bool exact = got.elt == Elt::i32;
  bool finite = true;
  for (int64_t i = 0; i < n; ++i) {
    double a = get(got, i), b = get(ref, i);
    finite &= std::isfinite(a) == std::isfinite(b);
    maxAbs = std::max(maxAbs, std::fabs(a - b));
    diff2 += (a - b) * (a - b);
    ref2 += b * b;
  }
  double relRms = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
  bool ok = finite && (exact ? maxAbs == 0 : relRms <= tol);
  return {maxAbs, relRms, exact ? 0.0 : tol, ok};
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerAllPasses();
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "effattn-run: JIT-compile and run a function "
                              "on the CPU or a CUDA GPU\n");
  if (dynamicSize < 1)
    die("--dynamic-size must be at least 1");
  if (pipeline != "effattn-to-llvm" && pipeline != "gpu-schedule")
    die("--pipeline must be effattn-to-llvm or gpu-schedule, got '" + pipeline +
        "'");
  if (target != "cpu" && target != "cuda")
    die("--target must be cpu or cuda, got '" + target + "'");
  std::optional<CudaRuntime> cudaRuntime;
  if (target == "cuda") {
    if (pipeline.getNumOccurrences())
      die("--pipeline is for --target=cpu; --target=cuda lowers with "
          "effattn-to-nvvm");
    if (reference)
      die("--reference runs the CPU reference lowering; drop --target=cuda");
    // A missing driver or GPU is reported before anything is compiled.
    cudaRuntime = loadCudaRuntime();
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  std::string errorMessage;
  llvm::SourceMgr sourceMgr;
  auto buffer = llvm::MemoryBuffer::getFile(inputFile);
  if (!buffer)
    die("cannot read " + inputFile + ": " + buffer.getError().message());
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module;
  {
    // Parse errors print as file:line:col: error: ...
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  if (!module)
    die("cannot parse " + inputFile);

  auto func = module->lookupSymbol<func::FuncOp>(entry);
  if (!func) {
    std::string names;
    module->walk([&](func::FuncOp f) {
      names += (names.empty() ? "@" : ", @") + f.getSymName().str();
    });
    die(inputFile + ": no function @" + entry + " (functions: " + names + ")");
  }
  if (func.isDeclaration())
    die(inputFile + ": @" + entry + " is a declaration without a body");
  Signature sig = getSignature(func);

  // Arguments.
  std::vector<Tensor> args;
  if (randomInputs && !inputs.empty())
    die("give either --input files or --random-inputs, not both");
  if (randomInputs) {
    std::mt19937_64 rng(seed);
    for (auto [i, arg] : llvm::enumerate(sig.args))
      args.push_back(randomInput(i, arg.first, arg.second, rng));
  } else {
    if (inputs.size() != sig.args.size())
      die(llvm::formatv("expected {0} inputs for @{1}, got {2}",
                        sig.args.size(), entry, inputs.size())
              .str());
    for (auto [i, path] : llvm::enumerate(inputs))
      args.push_back(loadInput(i, path, sig.args[i].first, sig.args[i].second));
  }
  checkArgumentShapes(*module, args);
  if (!outputDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
      die("cannot create " + outputDir + ": " + ec.message());

  Compiled main = compile(*module, reference);
  std::vector<Tensor> results = cudaRuntime
                                    ? callCuda(*cudaRuntime, main, sig, args)
                                    : call(main, sig, args);
  // Wall time, and the calling thread's CPU time (the compiled code is
  // single-threaded): the latter is what other processes on a busy machine
  // disturb least. On CUDA, the call alone (launches to the final
  // synchronisation), without the copies to and from the device.
  std::optional<double> medianMs, medianCpuMs;
  if (repeat > 0) {
    std::vector<double> times, cpuTimes;
    for (unsigned i = 0; i < repeat; ++i) {
      if (cudaRuntime) {
        double ms, cpuMs;
        results = callCuda(*cudaRuntime, main, sig, args, &ms, &cpuMs);
        times.push_back(ms);
        cpuTimes.push_back(cpuMs);
        continue;
      }
      double cpuStart = threadCpuMs();
      auto start = std::chrono::steady_clock::now();
      results = call(main, sig, args);
      auto stop = std::chrono::steady_clock::now();
      cpuTimes.push_back(threadCpuMs() - cpuStart);
      times.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
    }
    llvm::sort(times);
    llvm::sort(cpuTimes);
    medianMs = times[times.size() / 2];
    medianCpuMs = cpuTimes[cpuTimes.size() / 2];
  }

  std::vector<CheckResult> checks;
  if (check) {
    Compiled ref = compile(*module, /*useReference=*/true);
    std::vector<Tensor> expected = call(ref, sig, args);
    for (auto [got, want] : llvm::zip(results, expected))
      checks.push_back(compare(got, want));
  }

  if (!outputDir.empty())
    writeOutputs(results);

  bool ok = llvm::all_of(checks, [](const CheckResult &c) { return c.ok; });
  if (json) {
    llvm::json::Array resultList;
    for (auto [i, t] : llvm::enumerate(results)) {
      llvm::json::Object r{{"name", "result" + std::to_string(i)},
                           {"shape", llvm::json::Array(t.shape)},
                           {"dtype", eltName(t.elt)},
                           {"rms", rms(t)}};
      if (i < checks.size())
        r["check"] = llvm::json::Object{{"max_abs", checks[i].maxAbs},
                                        {"rel_rms", checks[i].relRms},
                                        {"tol", checks[i].tol},
                                        {"ok", checks[i].ok}};
      resultList.push_back(std::move(r));
    }
    llvm::json::Object summary{{"entry", entry.getValue()},
                               {"results", std::move(resultList)}};
    if (medianMs) {
      summary["median_ms"] = *medianMs;
      summary["median_cpu_ms"] = *medianCpuMs;
    }
    if (check)
      summary["check_ok"] = ok;
    llvm::outs() << llvm::formatv("{0:2}",
                                  llvm::json::Value(std::move(summary)))
                 << "\n";
  } else {
    for (auto [i, t] : llvm::enumerate(results)) {
      llvm::outs() << "result" << i << ": " << typeString(t)
                   << llvm::format(" rms=%g", rms(t)) << " first=[";
      for (int64_t j = 0, e = std::min<int64_t>(4, numElements(t.shape)); j < e;
           ++j)
        llvm::outs() << (j ? ", " : "") << llvm::format("%g", get(t, j));
      llvm::outs() << "]\n";
    }
    for (auto [i, c] : llvm::enumerate(checks))
      llvm::outs() << llvm::formatv(
          "check result{0}: max_abs={1:e} rel_rms={2:e} tol={3:e} {4}\n", i,
          c.maxAbs, c.relRms, c.tol, c.ok ? "ok" : "FAIL");
    if (medianMs)
      llvm::outs() << llvm::formatv(
          "median_ms={0:f3} cpu_ms={1:f3} ({2} runs)\n", *medianMs,
          *medianCpuMs, repeat.getValue());
  }
  if (!ok) {
    llvm::errs() << "effattn-run: " << inputFile << ": @" << entry
                 << " differs from the reference lowering beyond the "
                    "tolerance\n";
    return 1;
  }
  return 0;
}
