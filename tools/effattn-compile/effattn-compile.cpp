//===- effattn-compile.cpp - compile effattn models to artifacts ----------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// effattn-compile model.mlir --target=cuda|cpu [--chip=sm_90a]
//     --emit=mlir|llvm|ptx|cubin|obj|so -o OUT [--report]
//
// One command from effattn IR to an artifact: the lowered MLIR, LLVM IR, the
// kernels' PTX or cubins (one file per kernel in the directory OUT), an
// object file, or a shared library exporting `_mlir_ciface_<function>` for
// every function (CUDA: linked against the effattn CUDA runtime, which loads
// the kernels when the library is loaded). `--report` prints each kernel's
// launch configuration, the effattn op it comes from and, with ptxas, its
// registers, stack, spills and shared memory; then each op's FLOPs and bytes
// from its cost formula (dynamic sizes taken as --report-size).
//
//===----------------------------------------------------------------------===//

#include "effattn/Dialect/EffAttn/IR/EffAttnCost.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "effattn/InitAll.h"
#include "effattn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::effattn;

namespace cl = llvm::cl;

static cl::OptionCategory category("effattn-compile options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputPath("o",
                                       cl::desc("Output file (a directory "
                                                "for --emit=ptx|cubin)"),
                                       cl::Required, cl::cat(category));
static cl::opt<std::string> target("target", cl::desc("cuda or cpu"),
                                   cl::init("cuda"), cl::cat(category));
static cl::opt<std::string>
    emit("emit", cl::desc("mlir, llvm, ptx, cubin (cuda), obj or so"),
         cl::init("so"), cl::cat(category));
static cl::opt<std::string> chip("chip", cl::desc("GPU architecture"),
                                 cl::init("sm_80"), cl::cat(category));
static cl::opt<std::string>
    features("features", cl::desc("NVPTX features (empty: from the chip)"),
             cl::init(""), cl::cat(category));
static cl::opt<std::string>
    format("format",
           cl::desc("Kernels embedded in mlir/llvm/obj/so: isa (PTX, "
                    "compiled by the driver when loaded), bin (cubin, needs "
                    "ptxas) or fatbin (needs ptxas and fatbinary)"),
           cl::init("isa"), cl::cat(category));
static cl::opt<int64_t> queryTile("query-tile",
                                  cl::desc("Query rows per tile (0: tuned)"),
                                  cl::init(0), cl::cat(category));
static cl::opt<int64_t> keyTile("key-tile",
                                cl::desc("Key rows per tile (0: tuned)"),
                                cl::init(0), cl::cat(category));
static cl::opt<int64_t>
    chunkSize("chunk-size",
              cl::desc("Chunk of linear_attention without a hint (0: tuned)"),
              cl::init(0), cl::cat(category));
static cl::opt<std::string> tuningTable("tuning-table",
                                        cl::desc("Tuning table (JSON)"),
                                        cl::init(""), cl::cat(category));
static cl::opt<int64_t> blockSize("block-size",
                                  cl::desc("Threads per block (cuda)"),
                                  cl::init(256), cl::cat(category));
static cl::opt<bool> tensorCores(
    "tensor-cores",
    cl::desc("Map f16 and bf16 contractions to mma.sync tensor-core kernels "
             "(cuda; "
             "experimental: never run on a GPU yet)"),
    cl::cat(category));
static cl::opt<int64_t> tensorCoreWarps(
    "tensor-core-warps",
    cl::desc("Warps per tensor-core block: 1, 2, 4 or 8 (0: tuned)"),
    cl::init(0), cl::cat(category));
static cl::opt<int64_t> tensorCoreStages(
    "tensor-core-stages",
    cl::desc("Pipeline stages of the tensor-core kernels: 1 to 4 (0: tuned)"),
    cl::init(0), cl::cat(category));
static cl::opt<std::string>
    cudaPath("cuda-path", cl::desc("CUDA toolkit (ptxas) for format=bin"),
             cl::init(""), cl::cat(category));
static cl::opt<std::string>
    ptxasPath("ptxas",
              cl::desc("ptxas for --report (default: PATH, --cuda-path, "
                       "/usr/local/cuda/bin)"),
              cl::init(""), cl::cat(category));
static cl::opt<bool> report("report",
                            cl::desc("Print each kernel's launch configuration "
                                     "and ptxas resource usage, and each "
                                     "op's FLOPs and bytes"),
                            cl::cat(category));
static cl::opt<int64_t>
    reportSize("report-size",
               cl::desc("Size of every dynamic dimension in --report's FLOP "
                        "and byte counts"),
               cl::init(4096), cl::cat(category));

/// One error line and exit code 1.
[[noreturn]] static void die(const llvm::Twine &message) {
  llvm::errs() << "effattn-compile: " << message << "\n";
  std::exit(1);
}

//===----------------------------------------------------------------------===//
// Lowering
//===----------------------------------------------------------------------===//

static void lower(ModuleOp module, bool cuda, llvm::StringRef binaryFormat) {
  MLIRContext *ctx = module.getContext();
  // Every defined public function gets a C entry point.
  module.walk([&](func::FuncOp func) {
    if (!func.isDeclaration() && func.isPublic())
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(ctx));
  });
  std::string firstError;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty()) {
      std::string loc;
      llvm::raw_string_ostream os(loc);
      if (auto file = dyn_cast<FileLineColLoc>(diag.getLocation()))
        os << file.getFilename().getValue() << ":" << file.getLine() << ":"
           << file.getColumn();
      else
        os << diag.getLocation();
      firstError = loc + ": " + diag.str();
    }
    return success();
  });
  PassManager pm(ctx);
  if (cuda) {
    EffAttnToNVVMPipelineOptions options;
    options.chip = chip;
    options.features = features;
    options.format = binaryFormat.str();
    options.queryTile = queryTile;
    options.keyTile = keyTile;
    options.chunkSize = chunkSize;
    options.tuningTable = tuningTable;
    options.blockSize = blockSize;
    options.tensorCores = tensorCores;
    options.tensorCoreWarps = tensorCoreWarps;
    options.tensorCoreStages = tensorCoreStages;
    options.cudaPath = cudaPath;
    std::string error = verifyEffAttnToNVVMPipelineOptions(options);
    if (!error.empty())
      die(error);
    (void)buildEffAttnToNVVMPipeline(pm, options);
  } else {
    EffAttnToLLVMPipelineOptions options;
    options.queryTile = queryTile;
    options.keyTile = keyTile;
    options.chunkSize = chunkSize;
    options.tuningTable = tuningTable;
    buildEffAttnToLLVMPipeline(pm, options);
  }
  if (failed(pm.run(module)))
    die(inputFile + " does not lower" +
        (firstError.empty() ? llvm::Twine("") : ": " + firstError));
}

//===----------------------------------------------------------------------===//
// Kernels and the report
//===----------------------------------------------------------------------===//

namespace {
/// The device code of one gpu.binary.
struct Kernel {
  std::string name;
  std::string payload;
  bool isPTX;
  // Launch configurations found in host code, as text.
  SmallVector<std::string> launches;
  // The effattn op the kernel was generated from (an index into the op
  // records), when its launch location names exactly one.
  std::optional<size_t> op;
};

/// One effattn op of the input and its cost.
struct OpRecord {
  std::string name;
  std::string where;
  OpCost cost;
  size_t kernels = 0;
};

/// Ops by source location; a location shared by several ops maps to none.
struct OpIndex {
  SmallVector<OpRecord> ops;
  std::map<std::string, std::optional<size_t>> byLocation;
};
} // namespace

/// "file:line:col" of the first file location in `loc`, or "".
static std::string locationKey(Location loc) {
  if (auto file = loc->findInstanceOf<FileLineColLoc>())
    return llvm::formatv("{0}:{1}:{2}", file.getFilename().getValue(),
                         file.getLine(), file.getColumn());
  return "";
}

/// Records every effattn op of the input with its cost, before lowering
/// (lowered ops keep the location of the op they come from).
static OpIndex indexOps(ModuleOp module) {
  OpIndex index;
  module.walk([&](Operation *op) {
    if (!isa<EffAttnDialect>(op->getDialect()))
      return;
    std::optional<OpCost> cost = estimateCost(op, reportSize);
    if (!cost)
      return;
    std::string key = locationKey(op->getLoc());
    index.ops.push_back({op->getName().getStringRef().str(),
                         key.empty() ? "(no location)" : key, *cost});
    if (key.empty())
      return;
    auto [it, inserted] =
        index.byLocation.try_emplace(key, index.ops.size() - 1);
    if (!inserted)
      it->second = std::nullopt;
  });
  return index;
}

static SmallVector<Kernel> collectKernels(ModuleOp module,
                                          OpIndex *ops = nullptr) {
  SmallVector<Kernel> kernels;
  std::map<std::string, size_t> index;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects()) {
      auto object = dyn_cast<gpu::ObjectAttr>(attr);
      if (!object)
        continue;
      Kernel kernel;
      kernel.name = binary.getSymName().str();
      kernel.payload = object.getObject().str();
      kernel.isPTX = object.getFormat() == gpu::CompilationTarget::Assembly;
      index[kernel.name] = kernels.size();
      kernels.push_back(std::move(kernel));
      break;
    }
  });
  // A launch operand as text: its value when it is a constant, else "dyn"
  // (computed at run time from the dynamic sizes).
  auto dim = [](Value value) -> std::string {
    if (auto constant = value.getDefiningOp<LLVM::ConstantOp>())
      if (auto integer = dyn_cast<IntegerAttr>(constant.getValue()))
        return std::to_string(integer.getInt());
    return "dyn";
  };
  module.walk([&](gpu::LaunchFuncOp launch) {
    auto it = index.find(launch.getKernelModuleName().str());
    if (it == index.end())
      return;
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
    if (ops && kernels[it->second].launches.empty()) {
      auto op = ops->byLocation.find(locationKey(launch.getLoc()));
      if (op != ops->byLocation.end() && op->second) {
        kernels[it->second].op = *op->second;
        ++ops->ops[*op->second].kernels;
      }
    }
    kernels[it->second].launches.push_back(llvm::formatv(
        "grid=({0},{1},{2}) block=({3},{4},{5})", dim(grid.x), dim(grid.y),
        dim(grid.z), dim(block.x), dim(block.y), dim(block.z)));
  });
  return kernels;
}

static std::optional<std::string> findPtxas() {
  // main checked that it is an executable.
  if (!ptxasPath.empty())
    return ptxasPath.getValue();
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  for (llvm::StringRef root : {llvm::StringRef(cudaPath.getValue()),
                               llvm::StringRef("/usr/local/cuda")}) {
    if (root.empty())
      continue;
    llvm::SmallString<256> path(root);
    llvm::sys::path::append(path, "bin", "ptxas");
    if (llvm::sys::fs::can_execute(path))
      return std::string(path);
  }
  return std::nullopt;
}

namespace {
struct Usage {
  std::string registers = "-", stack = "-", spillStores = "-", spillLoads = "-",
              smem = "0";
  bool ok = false;
  std::string error;
};
} // namespace

/// Runs `ptxas -v` on one kernel's PTX and parses its resource report.
static Usage runPtxas(llvm::StringRef ptxas, const Kernel &kernel) {
  Usage usage;
  llvm::SmallString<128> ptxFile, logFile, cubinFile;
  if (llvm::sys::fs::createTemporaryFile("effattn-kernel", "ptx", ptxFile) ||
      llvm::sys::fs::createTemporaryFile("effattn-ptxas", "log", logFile) ||
      llvm::sys::fs::createTemporaryFile("effattn-kernel", "cubin", cubinFile))
    die("cannot create temporary files for ptxas");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(ptxFile, ec);
    os << kernel.payload;
  }
  std::string arch = "-arch=" + chip.getValue();
  SmallVector<llvm::StringRef> args = {ptxas,   arch, "-v",
                                       ptxFile, "-o", cubinFile};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logFile.str(),
                                                logFile.str()};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &message);
  auto log = llvm::MemoryBuffer::getFile(logFile);
  std::string text = log ? (*log)->getBuffer().str() : "";
  llvm::sys::fs::remove(ptxFile);
  llvm::sys::fs::remove(logFile);
  llvm::sys::fs::remove(cubinFile);
  if (rc != 0) {
    usage.error = llvm::StringRef(text.empty() ? message : text).trim().str();
    return usage;
  }
  SmallVector<llvm::StringRef> groups;
  if (llvm::Regex("Used ([0-9]+) registers").match(text, &groups))
    usage.registers = groups[1].str();
  if (llvm::Regex("([0-9]+) bytes stack frame, ([0-9]+) bytes spill stores, "
                  "([0-9]+) bytes spill loads")
          .match(text, &groups)) {
    usage.stack = groups[1].str();
    usage.spillStores = groups[2].str();
    usage.spillLoads = groups[3].str();
  }
  if (llvm::Regex("([0-9]+) bytes smem").match(text, &groups))
    usage.smem = groups[1].str();
  usage.ok = true;
  return usage;
}

/// Each op's FLOPs and compulsory bytes from its cost formula.
static void printOpCosts(const OpIndex &index) {
  llvm::outs() << llvm::formatv(
      "\nops (cost formulas of SPEC.md, every dynamic size = {0}):\n",
      reportSize.getValue());
  llvm::outs() << llvm::formatv("{0,-4} {1,-32} {2,-40} {3,9} {4,9} {5,7} "
                                "{6,7}\n",
                                "op", "name", "location", "FLOP", "bytes",
                                "FLOP/B", "kernels");
  double flops = 0, bytes = 0;
  for (auto [i, op] : llvm::enumerate(index.ops)) {
    llvm::outs() << llvm::formatv(
        "{0,-4} {1,-32} {2,-40} {3,9:E3} {4,9:E3} {5,7:F1} {6,7}\n",
        "#" + std::to_string(i), op.name, op.where, op.cost.flops,
        op.cost.bytes, op.cost.bytes > 0 ? op.cost.flops / op.cost.bytes : 0.0,
        op.kernels);
    flops += op.cost.flops;
    bytes += op.cost.bytes;
  }
  llvm::outs() << llvm::formatv("{0} ops: {1:E3} FLOP, {2:E3} bytes\n",
                                index.ops.size(), flops, bytes);
}

static void printReport(SmallVector<Kernel> &kernels, const OpIndex &ops) {
  std::optional<std::string> ptxas = findPtxas();
  llvm::outs() << llvm::formatv(
      "{0,-40} {1,-36} {2,5} {3,6} {4,12} {5,6} {6,4}\n", "kernel", "launch",
      "regs", "stack", "spill st/ld", "smem", "op");
  int64_t maxRegisters = 0, spills = 0, stack = 0;
  size_t failed = 0;
  for (Kernel &kernel : kernels) {
    Usage usage;
    if (ptxas && kernel.isPTX)
      usage = runPtxas(*ptxas, kernel);
    std::string launch =
        kernel.launches.empty() ? "(not launched)" : kernel.launches.front();
    if (kernel.launches.size() > 1)
      launch += llvm::formatv(" x{0}", kernel.launches.size());
    std::string op = kernel.op ? "#" + std::to_string(*kernel.op) : "-";
    llvm::outs() << llvm::formatv(
        "{0,-40} {1,-36} {2,5} {3,6} {4,12} {5,6} {6,4}\n", kernel.name, launch,
        usage.registers, usage.stack,
        usage.spillStores + "/" + usage.spillLoads, usage.smem, op);
    if (!usage.error.empty()) {
      ++failed;
      llvm::outs() << "  ptxas failed: " << usage.error << "\n";
    }
    if (usage.ok) {
      int64_t value = 0;
      if (llvm::to_integer(usage.registers, value))
        maxRegisters = std::max(maxRegisters, value);
      if (llvm::to_integer(usage.stack, value))
        stack += value;
      if (llvm::to_integer(usage.spillStores, value))
        spills += value;
      if (llvm::to_integer(usage.spillLoads, value))
        spills += value;
    }
  }
  llvm::outs() << llvm::formatv("{0} kernels for {1}", kernels.size(),
                                chip.getValue());
  if (!ptxas)
    llvm::outs() << "; no ptxas found: no resource usage\n";
  else if (llvm::none_of(kernels, [](const Kernel &k) { return k.isPTX; }))
    llvm::outs() << "; cubins only: resource usage needs --format=isa\n";
  else
    llvm::outs() << llvm::formatv(
        "; ptxas: {0} failed, max registers {1}, stack bytes {2}, spill bytes "
        "{3}\n",
        failed, maxRegisters, stack, spills);
  printOpCosts(ops);
  if (failed)
    die(llvm::Twine(failed) + " kernel(s) rejected by ptxas");
}

//===----------------------------------------------------------------------===//
// Artifacts
//===----------------------------------------------------------------------===//

static void writeFile(llvm::StringRef path,
                      llvm::function_ref<void(llvm::raw_ostream &)> write) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file)
    die("cannot write " + path + ": " + error);
  write(file->os());
  file->keep();
}

static std::unique_ptr<llvm::Module> toLLVMIR(ModuleOp module,
                                              llvm::LLVMContext &context) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, inputFile);
  if (!llvmModule)
    die(inputFile + ": translation to LLVM IR failed");
  return llvmModule;
}

/// Compiles `llvmModule` for the host into a position-independent object.
static void writeObject(llvm::Module &llvmModule, llvm::StringRef path) {
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *hostTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!hostTarget)
    die("no host target: " + error);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(hostTarget->createTargetMachine(
      triple, "generic", "", options, llvm::Reloc::PIC_));
  llvmModule.setDataLayout(machine->createDataLayout());
  llvmModule.setTargetTriple(triple);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    die("cannot write " + path + ": " + ec.message());
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    die("the host target cannot emit object files");
  pm.run(llvmModule);
}

/// The directory holding libeffattn_cuda_runtime.so: next to the tool
/// (../lib, build or install tree), else the build tree's.
static std::string runtimeDirectory(const char *argv0) {
  std::string exe = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&runtimeDirectory));
  llvm::SmallString<256> dir(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(dir, "lib");
  llvm::SmallString<256> library(dir);
  llvm::sys::path::append(library, "libeffattn_cuda_runtime.so");
  if (llvm::sys::fs::exists(library))
    return std::string(dir);
  return EFFATTN_RUNTIME_DIR;
}

/// Links `object` into the shared library `path` with the host compiler.
static void linkSharedLibrary(llvm::StringRef object, llvm::StringRef path,
                              bool cuda, const char *argv0) {
  std::string compiler;
  llvm::SmallString<256> clang(EFFATTN_LLVM_TOOLS_DIR);
  llvm::sys::path::append(clang, "clang");
  if (llvm::sys::fs::can_execute(clang))
    compiler = std::string(clang);
  else if (llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName("cc"))
    compiler = *cc;
  else
    die("no C compiler (clang or cc) to link " + path);
  std::vector<std::string> args = {compiler, "-shared",  object.str(),
                                   "-o",     path.str(), "-Wl,--no-undefined"};
  if (cuda) {
    std::string dir = runtimeDirectory(argv0);
    args.push_back("-L" + dir);
    args.push_back("-leffattn_cuda_runtime");
    args.push_back("-Wl,-rpath," + dir);
  } else {
    // Strided copies call memrefCopy from MLIR's C runner utilities.
    args.push_back(EFFATTN_C_RUNNER_UTILS);
    args.push_back("-Wl,-rpath," +
                   llvm::sys::path::parent_path(EFFATTN_C_RUNNER_UTILS).str());
  }
  args.push_back("-lm");
  SmallVector<llvm::StringRef> refs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(compiler, refs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    die("linking " + path + " failed" +
        (message.empty() ? llvm::Twine("") : ": " + message));
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerAllPasses();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "effattn-compile: compile effattn IR for CUDA "
                              "or the CPU\n");
  bool cuda = target == "cuda";
  if (!cuda && target != "cpu")
    die("--target must be cuda or cpu, got '" + target + "'");
  if (!llvm::is_contained({"mlir", "llvm", "ptx", "cubin", "obj", "so"},
                          emit.getValue()))
    die("--emit must be one of mlir, llvm, ptx, cubin, obj, so, got '" + emit +
        "'");
  if (!cuda && (emit == "ptx" || emit == "cubin"))
    die("--emit=" + emit + " needs --target=cuda");
  if (!cuda && report)
    die("--report needs --target=cuda");
  if (format != "isa" && format != "bin" && format != "fatbin")
    die("--format must be isa, bin or fatbin, got '" + format + "'");
  if (emit == "ptx" && format != "isa")
    die("--emit=ptx needs --format=isa");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  auto buffer = llvm::MemoryBuffer::getFile(inputFile);
  if (!buffer)
    die("cannot read " + inputFile + ": " + buffer.getError().message());
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module;
  {
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  if (!module)
    die("cannot parse " + inputFile);

  if (report && !ptxasPath.empty() && !llvm::sys::fs::can_execute(ptxasPath))
    die("--ptxas=" + ptxasPath + " is not an executable");
  if (reportSize < 1)
    die("--report-size must be at least 1, got " +
        llvm::Twine(reportSize.getValue()));
  OpIndex ops;
  if (report)
    ops = indexOps(*module);
  std::string binaryFormat = emit == "cubin" ? "bin" : format.getValue();
  lower(*module, cuda, binaryFormat);
  SmallVector<Kernel> kernels;
  if (cuda)
    kernels = collectKernels(*module, &ops);

  if (emit == "mlir") {
    writeFile(outputPath, [&](llvm::raw_ostream &os) { module->print(os); });
  } else if (emit == "ptx" || emit == "cubin") {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputPath))
      die("cannot create " + outputPath + ": " + ec.message());
    for (const Kernel &kernel : kernels) {
      llvm::SmallString<256> path(outputPath);
      llvm::sys::path::append(path, kernel.name + "." + emit.getValue());
      writeFile(path, [&](llvm::raw_ostream &os) { os << kernel.payload; });
    }
  } else {
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule = toLLVMIR(*module, llvmContext);
    if (emit == "llvm") {
      writeFile(outputPath,
                [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });
    } else if (emit == "obj") {
      writeObject(*llvmModule, outputPath);
    } else {
      llvm::SmallString<128> object;
      if (llvm::sys::fs::createTemporaryFile("effattn-model", "o", object))
        die("cannot create a temporary object file");
      writeObject(*llvmModule, object);
      linkSharedLibrary(object, outputPath, cuda, argv[0]);
      llvm::sys::fs::remove(object);
    }
  }
  if (report) {
    if (binaryFormat != "isa") {
      // Resource usage comes from ptxas on the PTX: compile it again as PTX.
      OwningOpRef<ModuleOp> again =
          parseSourceFile<ModuleOp>(sourceMgr, &context);
      lower(*again, cuda, "isa");
      for (OpRecord &op : ops.ops)
        op.kernels = 0;
      kernels = collectKernels(*again, &ops);
    }
    printReport(kernels, ops);
  }
  return 0;
}
