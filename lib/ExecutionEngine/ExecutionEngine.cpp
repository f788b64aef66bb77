//===- ExecutionEngine.cpp - JIT executables behind a C API ---------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The C API of include/effattn-c/ExecutionEngine.h: parse, lower with
// effattn-to-llvm, JIT-compile with mlir::ExecutionEngine and call the entry
// through its `_mlir_ciface_` wrapper, as tools/effattn-run does. Every
// failure becomes a message (all diagnostics MLIR emitted), never an abort.
//
//===----------------------------------------------------------------------===//

#include "effattn-c/ExecutionEngine.h"
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
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::effattn;

#ifndef EFFATTN_C_RUNNER_UTILS
#error "EFFATTN_C_RUNNER_UTILS must name libmlir_c_runner_utils.so"
#endif

namespace {
/// One argument or result of the entry.
struct TensorInfo {
  EffAttnElementType elementType;
  std::vector<int64_t> shape; // EFFATTN_DYNAMIC_SIZE where dynamic
  std::string typeString;
};
} // namespace

struct EffAttnExecutable {
  std::unique_ptr<MLIRContext> context;
  /// The module as parsed (before lowering), for effattnExecutableCheckShapes.
  OwningOpRef<ModuleOp> source;
  std::unique_ptr<ExecutionEngine> engine;
  void (*packed)(void **) = nullptr;
  std::string entry;
  std::vector<TensorInfo> arguments, results;
  int64_t resultWords = 0;
};

/// A copy of `message` that the caller frees with effattnFreeString.
static char *toCString(llvm::StringRef message) {
  char *str = static_cast<char *>(std::malloc(message.size() + 1));
  if (!str)
    return nullptr;
  std::memcpy(str, message.data(), message.size());
  str[message.size()] = '\0';
  return str;
}

static void setError(char **error, llvm::StringRef message) {
  if (error)
    *error = toCString(message);
}

/// The sentinel that the LLVM lowering of memref.get_global stores as the
/// allocated pointer of a global's descriptor.
static constexpr uintptr_t kGlobalAllocatedPtr = 0xdeadbeef;

static void initializeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    registerAllPasses();
  });
}

static std::optional<EffAttnElementType> getElementType(Type type) {
  if (type.isF32())
    return EffAttnElementTypeF32;
  if (type.isF16())
    return EffAttnElementTypeF16;
  if (type.isBF16())
    return EffAttnElementTypeBF16;
  if (type.isSignlessInteger(32))
    return EffAttnElementTypeI32;
  return std::nullopt;
}

static std::string toString(Type type) {
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return text;
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

/// Collects every diagnostic emitted while it lives as
/// `loc: severity: message` lines (notes included).
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) {
          append(diag);
          return success();
        }) {}

  /// `prefix`, then the collected diagnostics, one per line.
  std::string message(llvm::StringRef prefix) const {
    if (text.empty())
      return prefix.str();
    return (prefix + ":\n" + text).str();
  }

private:
  void append(Diagnostic &diag) {
    llvm::StringRef severity = "error";
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Note:
      severity = "note";
      break;
    case DiagnosticSeverity::Warning:
      severity = "warning";
      break;
    case DiagnosticSeverity::Remark:
      severity = "remark";
      break;
    case DiagnosticSeverity::Error:
      break;
    }
    if (!text.empty())
      text += "\n";
    text += formatLoc(diag.getLocation()) + ": " + severity.str() + ": " +
            diag.str();
    for (Diagnostic &note : diag.getNotes())
      append(note);
  }

  std::string text;
  ScopedDiagnosticHandler handler;
};

/// The entry's signature, or an error message.
static std::optional<std::string> readSignature(func::FuncOp func,
                                                EffAttnExecutable &exe) {
  auto convert =
      [&](Type type, llvm::StringRef what, unsigned index,
          std::vector<TensorInfo> &into) -> std::optional<std::string> {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::optional<EffAttnElementType> elementType =
        tensor ? getElementType(tensor.getElementType()) : std::nullopt;
    if (!elementType)
      return ("@" + exe.entry + " " + what + " #" + llvm::Twine(index) +
              " has type " + toString(type) +
              "; expected a ranked tensor of f32, f16, bf16 or i32")
          .str();
    TensorInfo info{*elementType, {}, toString(type)};
    for (int64_t size : tensor.getShape())
      info.shape.push_back(ShapedType::isDynamic(size) ? EFFATTN_DYNAMIC_SIZE
                                                       : size);
    into.push_back(std::move(info));
    return std::nullopt;
  };
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
    if (auto message = convert(type, "argument", i, exe.arguments))
      return message;
  for (auto [i, type] : llvm::enumerate(func.getResultTypes()))
    if (auto message = convert(type, "result", i, exe.results))
      return message;
  for (const TensorInfo &result : exe.results)
    exe.resultWords += 3 + 2 * static_cast<int64_t>(result.shape.size());
  return std::nullopt;
}

/// Checks the values of the pipeline's integer and boolean options, which
/// `parseFromString` would report on stderr rather than in its error stream.
/// Returns true (and sets `message`) on a bad value.
static bool checkOptionValues(llvm::StringRef options, std::string &message) {
  llvm::SmallVector<llvm::StringRef> words;
  options.split(words, ' ', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef word : words) {
    auto [key, value] = word.split('=');
    if (key == "query-tile" || key == "key-tile" || key == "chunk-size") {
      int64_t number;
      if (value.getAsInteger(10, number) || number < 0) {
        message =
            ("option '" + key + "' takes an integer >= 0, got '" + value + "'")
                .str();
        return true;
      }
    } else if (key == "reference") {
      if (!value.empty() && value != "true" && value != "false" &&
          value != "1" && value != "0") {
        message =
            ("option 'reference' takes true or false, got '" + value + "'")
                .str();
        return true;
      }
    }
  }
  return false;
}

int effattnExecutionEngineApiVersion(void) {
  return EFFATTN_EXECUTION_ENGINE_API_VERSION;
}

EffAttnExecutable *effattnExecutableCreate(const char *ir, size_t irLength,
                                           const char *entry,
                                           const char *pipelineOptions,
                                           char **error) {
  if (error)
    *error = nullptr;
  if (!ir || !entry) {
    setError(error, "effattnExecutableCreate: ir and entry must not be NULL");
    return nullptr;
  }
  initializeOnce();

  auto exe = std::make_unique<EffAttnExecutable>();
  exe->entry = entry;
  DialectRegistry registry;
  registerAllDialects(registry);
  exe->context =
      std::make_unique<MLIRContext>(registry, MLIRContext::Threading::DISABLED);
  MLIRContext *ctx = exe->context.get();
  // Diagnostics name their location; a dump of the operation (a whole module
  // with its weights, for a pass failure) would drown the message.
  ctx->printOpOnDiagnostic(false);

  // Options first: a typo should not wait for the whole lowering.
  EffAttnToLLVMPipelineOptions options;
  if (pipelineOptions && *pipelineOptions) {
    std::string optionErrors;
    if (!checkOptionValues(pipelineOptions, optionErrors)) {
      llvm::raw_string_ostream os(optionErrors);
      if (succeeded(options.parseFromString(pipelineOptions, os)))
        optionErrors.clear();
    }
    if (!optionErrors.empty()) {
      setError(error, "invalid effattn-to-llvm options '" +
                          std::string(pipelineOptions) +
                          "': " + llvm::StringRef(optionErrors).trim().str());
      return nullptr;
    }
  }

  // Parse: errors print as `<effattn-ir>:line:col: error: ...` with the line.
  {
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(ir, irLength),
                                             "<effattn-ir>"),
        llvm::SMLoc());
    std::string parseErrors;
    llvm::raw_string_ostream os(parseErrors);
    SourceMgrDiagnosticHandler handler(sourceMgr, ctx, os);
    exe->source = parseSourceFile<ModuleOp>(sourceMgr, ctx);
    if (!exe->source) {
      setError(error, "cannot parse the module:\n" +
                          llvm::StringRef(parseErrors).rtrim().str());
      return nullptr;
    }
  }

  auto func = exe->source->lookupSymbol<func::FuncOp>(exe->entry);
  if (!func) {
    std::string names;
    exe->source->walk([&](func::FuncOp f) {
      names += (names.empty() ? "@" : ", @") + f.getSymName().str();
    });
    setError(error,
             "no function @" + exe->entry + " (functions: " + names + ")");
    return nullptr;
  }
  if (func.isDeclaration()) {
    setError(error, "@" + exe->entry + " is a declaration without a body");
    return nullptr;
  }
  if (auto message = readSignature(func, *exe)) {
    setError(error, *message);
    return nullptr;
  }

  // Lower a copy; the source stays for effattnExecutableCheckShapes.
  OwningOpRef<ModuleOp> module = exe->source->clone();
  auto loweredFunc = module->lookupSymbol<func::FuncOp>(exe->entry);
  keepReachableFunctions(*module, loweredFunc);
  loweredFunc->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                       UnitAttr::get(ctx));
  {
    DiagnosticCollector diagnostics(ctx);
    PassManager pm(ctx);
    buildEffAttnToLLVMPipeline(pm, options);
    if (failed(pm.run(*module))) {
      setError(error,
               diagnostics.message("@" + exe->entry + " does not lower" +
                                   (options.reference ? " (reference)" : "")));
      return nullptr;
    }
  }

  // The transformer must outlive `create`, which runs it.
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0,
                                /*targetMachine=*/nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  // Strided memref.copy lowers to a call of memrefCopy from MLIR's C runner
  // utilities.
  llvm::SmallVector<llvm::StringRef> runtime = {EFFATTN_C_RUNNER_UTILS};
  if (!llvm::sys::fs::exists(runtime.front())) {
    setError(error, "cannot find MLIR's C runner utilities at " +
                        runtime.front().str());
    return nullptr;
  }
  engineOptions.sharedLibPaths = runtime;
  // A call of a function nothing defines (e.g. a libm function the host's
  // libm lacks) would only be reported on stderr by the JIT: name it here.
  std::string loadError;
  if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(runtime.front().data(),
                                                        &loadError)) {
    setError(error, "cannot load " + runtime.front().str() + ": " + loadError);
    return nullptr;
  }
  std::string unresolved;
  module->walk([&](LLVM::LLVMFuncOp fn) {
    if (fn.isExternal() && !llvm::sys::DynamicLibrary::SearchForAddressOfSymbol(
                               fn.getSymName().str()))
      unresolved += (unresolved.empty() ? "" : ", ") + fn.getSymName().str();
  });
  if (!unresolved.empty()) {
    setError(error, "@" + exe->entry +
                        " does not JIT-compile: the lowered code calls " +
                        unresolved + ", not defined in this process or in " +
                        runtime.front().str());
    return nullptr;
  }
  {
    DiagnosticCollector diagnostics(ctx);
    auto engine = ExecutionEngine::create(*module, engineOptions);
    if (!engine) {
      setError(error, diagnostics.message("@" + exe->entry +
                                          " does not JIT-compile: " +
                                          llvm::toString(engine.takeError())));
      return nullptr;
    }
    exe->engine = std::move(*engine);
  }
  exe->engine->initialize();
  auto packed = exe->engine->lookupPacked("_mlir_ciface_" + exe->entry);
  if (!packed) {
    setError(error,
             "@" + exe->entry + ": " + llvm::toString(packed.takeError()));
    return nullptr;
  }
  exe->packed = *packed;
  return exe.release();
}

void effattnExecutableDestroy(EffAttnExecutable *exe) { delete exe; }

void effattnFreeString(char *str) { std::free(str); }

int64_t effattnExecutableGetNumArguments(const EffAttnExecutable *exe) {
  return static_cast<int64_t>(exe->arguments.size());
}

int64_t effattnExecutableGetNumResults(const EffAttnExecutable *exe) {
  return static_cast<int64_t>(exe->results.size());
}

static int getInfo(const std::vector<TensorInfo> &infos, int64_t index,
                   EffAttnElementType *elementType, int64_t *rank,
                   const int64_t **shape) {
  if (index < 0 || index >= static_cast<int64_t>(infos.size()))
    return 0;
  const TensorInfo &info = infos[index];
  if (elementType)
    *elementType = info.elementType;
  if (rank)
    *rank = static_cast<int64_t>(info.shape.size());
  if (shape)
    *shape = info.shape.data();
  return 1;
}

int effattnExecutableGetArgument(const EffAttnExecutable *exe, int64_t index,
                                 EffAttnElementType *elementType, int64_t *rank,
                                 const int64_t **shape) {
  return getInfo(exe->arguments, index, elementType, rank, shape);
}

int effattnExecutableGetResult(const EffAttnExecutable *exe, int64_t index,
                               EffAttnElementType *elementType, int64_t *rank,
                               const int64_t **shape) {
  return getInfo(exe->results, index, elementType, rank, shape);
}

static const char *getTypeString(const std::vector<TensorInfo> &infos,
                                 int64_t index) {
  if (index < 0 || index >= static_cast<int64_t>(infos.size()))
    return nullptr;
  return infos[index].typeString.c_str();
}

const char *effattnExecutableGetArgumentTypeString(const EffAttnExecutable *exe,
                                                   int64_t index) {
  return getTypeString(exe->arguments, index);
}

const char *effattnExecutableGetResultTypeString(const EffAttnExecutable *exe,
                                                 int64_t index) {
  return getTypeString(exe->results, index);
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, size] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(size);
  return s + "]";
}

int effattnExecutableCheckShapes(const EffAttnExecutable *exe,
                                 const int64_t *const *shapes, char **error) {
  if (error)
    *error = nullptr;
  // The signature: rank is implied, static sizes must match.
  std::vector<std::vector<int64_t>> concrete;
  for (auto [i, info] : llvm::enumerate(exe->arguments)) {
    std::vector<int64_t> shape(shapes[i], shapes[i] + info.shape.size());
    for (auto [want, got] : llvm::zip(info.shape, shape)) {
      if (got < 0 || (want != EFFATTN_DYNAMIC_SIZE && want != got)) {
        setError(error, "argument #" + std::to_string(i) + ": shape " +
                            shapeString(shape) + " does not match " +
                            info.typeString);
        return 0;
      }
    }
    concrete.push_back(std::move(shape));
  }

  // The effattn ops that read the arguments, re-verified with the arguments'
  // actual shapes.
  OwningOpRef<ModuleOp> clone = exe->source.get().clone();
  auto func = clone->lookupSymbol<func::FuncOp>(exe->entry);
  Block &body = func.getBody().front();
  for (auto [arg, shape] : llvm::zip(body.getArguments(), concrete))
    arg.setType(cast<RankedTensorType>(arg.getType()).clone(shape));

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
  ScopedDiagnosticHandler handler(exe->context.get(), [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
      firstError = diag.str();
    return success();
  });
  for (BlockArgument arg : body.getArguments()) {
    for (Operation *user : arg.getUsers()) {
      if (!isa<EffAttnDialect>(user->getDialect()) ||
          succeeded(verify(user, /*verifyRecursively=*/false)))
        continue;
      setError(error, "@" + exe->entry + ": the argument shapes do not fit " +
                          formatLoc(user->getLoc()) + ": " + firstError);
      return 0;
    }
  }
  return 1;
}

int64_t effattnExecutableGetResultWords(const EffAttnExecutable *exe) {
  return exe->resultWords;
}

int effattnExecutableInvoke(const EffAttnExecutable *exe,
                            void *const *arguments, int64_t *results,
                            char **error) {
  if (error)
    *error = nullptr;
  // `_mlir_ciface_NAME(results*, args*...)`, packed: a pointer to each
  // parameter's value, and every value is itself a pointer (to the results or
  // to a descriptor). No results: no results parameter.
  std::vector<void *> values;
  if (!exe->results.empty()) {
    if (!results) {
      setError(error, "effattnExecutableInvoke: results must not be NULL");
      return 0;
    }
    std::memset(results, 0, exe->resultWords * sizeof(int64_t));
    values.push_back(results);
  }
  for (size_t i = 0, e = exe->arguments.size(); i < e; ++i) {
    if (!arguments || !arguments[i]) {
      setError(error, "effattnExecutableInvoke: argument #" +
                          std::to_string(i) + " has no descriptor");
      return 0;
    }
    values.push_back(arguments[i]);
  }
  std::vector<void *> packed;
  for (void *&value : values)
    packed.push_back(&value);
  exe->packed(packed.data());
  return 1;
}

void effattnExecutableFreeResults(const EffAttnExecutable *exe,
                                  void *const *arguments, int64_t *results) {
  if (!results)
    return;
  llvm::DenseSet<uintptr_t> keep = {0, kGlobalAllocatedPtr};
  for (size_t i = 0, e = exe->arguments.size(); i < e; ++i)
    if (arguments && arguments[i])
      keep.insert(*static_cast<const uintptr_t *>(arguments[i]));
  size_t at = 0;
  for (const TensorInfo &result : exe->results) {
    auto allocated = static_cast<uintptr_t>(results[at]);
    if (keep.insert(allocated).second)
      std::free(reinterpret_cast<void *>(allocated));
    results[at] = 0;
    at += 3 + 2 * result.shape.size();
  }
}
