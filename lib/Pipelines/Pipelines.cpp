//===- Pipelines.cpp - effattn pass pipelines -----------------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Pipelines/Pipelines.h"
#include "effattn/Conversion/EffAttnToGPU/EffAttnToGPU.h"
#include "effattn/Conversion/EffAttnToGPU/Passes.h"
#include "effattn/Conversion/Passes.h"
#include "effattn/Dialect/EffAttn/Transforms/Passes.h"

#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

static void addLoopsToLLVMPasses(OpPassManager &pm);

void mlir::effattn::buildEffAttnToLLVMPipeline(
    OpPassManager &pm, const EffAttnToLLVMPipelineOptions &options) {
  // Level 2: composite ops -> core ops. Level 3: core ops -> their efficient
  // schedules (unless the reference is asked for). Level 4: whatever is left
  // -> linalg with its reference semantics.
  pm.addPass(createEffAttnDecomposePass());
  if (!options.reference) {
    EffAttnSchedulePassOptions schedule;
    schedule.queryTile = options.queryTile;
    schedule.keyTile = options.keyTile;
    schedule.chunkSize = options.chunkSize;
    schedule.tuningTable = options.tuningTable;
    pm.addPass(createEffAttnSchedulePass(schedule));
  }
  pm.addPass(createConvertEffAttnToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Tensors -> buffers, with plain memrefs at function boundaries so that
  // callers (effattn-run, the C entry points) pass simple descriptors.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // The schedules' loops carry running state (online softmax maxima, chunk
  // states) that is recomputed each iteration.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // Clones that deallocation keeps for returned buffers become alloc + copy.
  pm.addPass(createConvertBufferizationToMemRefPass());
  addLoopsToLLVMPasses(pm);
}

/// Buffers -> loops -> LLVM for the host CPU.
static void addLoopsToLLVMPasses(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // bf16 conversions as integer arithmetic: no runtime library needed
  // (__truncsfbf2 is missing from older libgcc).
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  // math.erf (the laplace activation) has no LLVM intrinsic: call libm.
  pm.addPass(createConvertMathToLibmPass());
  // The CPU form of the tensor-core kernels is vector code (its transfers
  // became loops above).
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

//===----------------------------------------------------------------------===//
// GPU
//===----------------------------------------------------------------------===//

std::string mlir::effattn::getDefaultNVPTXFeatures(llvm::StringRef chip) {
  // The oldest PTX ISA version that has the chip (and that LLVM 22 emits):
  // old PTX runs on more drivers. sm_75 .. sm_90a share PTX 8.0.
  return llvm::StringSwitch<std::string>(chip)
      .Cases({"sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a"},
             "+ptx80")
      .Cases({"sm_100", "sm_100a", "sm_101", "sm_101a"}, "+ptx86")
      .Cases({"sm_120", "sm_120a"}, "+ptx87")
      .Cases({"sm_100f", "sm_101f", "sm_103", "sm_103a", "sm_103f", "sm_120f",
              "sm_121", "sm_121a", "sm_121f"},
             "+ptx88")
      .Cases({"sm_88", "sm_110", "sm_110a", "sm_110f"}, "+ptx90")
      .Default("");
}

/// Whether `chip` reads sm_<number>, optionally followed by `a` or `f`.
static bool isNVIDIAChip(llvm::StringRef chip) {
  if (!chip.consume_front("sm_"))
    return false;
  if (chip.ends_with("a") || chip.ends_with("f"))
    chip = chip.drop_back();
  return !chip.empty() && llvm::all_of(chip, llvm::isDigit);
}

std::string mlir::effattn::verifyEffAttnToNVVMPipelineOptions(
    const EffAttnToNVVMPipelineOptions &options) {
  std::string message;
  llvm::raw_string_ostream os(message);
  llvm::StringRef chip = options.chip.getValue();
  llvm::StringRef features = options.features.getValue();
  if (!isNVIDIAChip(chip))
    os << "effattn-to-nvvm: chip '" << chip
       << "' is not an NVIDIA GPU architecture (sm_80, sm_90a, ...)";
  else if (features.empty() && getDefaultNVPTXFeatures(chip).empty())
    os << "effattn-to-nvvm: no default PTX version for chip '" << chip
       << "' (known: sm_75 to sm_121f); give features=+ptxNN";
  else if (!features.empty() && !features.contains("+ptx"))
    os << "effattn-to-nvvm: features '" << features
       << "' name no PTX version (e.g. +ptx80)";
  else if (!llvm::is_contained({"isa", "bin", "fatbin"},
                               options.format.getValue()))
    os << "effattn-to-nvvm: format '" << options.format.getValue()
       << "' is not one of isa, bin, fatbin";
  else if (options.blockSize < 1 || options.blockSize > 1024)
    os << "effattn-to-nvvm: block-size " << options.blockSize
       << " is not in [1, 1024]";
  else if (options.queryTile < 0 || options.keyTile < 0 ||
           options.chunkSize < 0)
    os << "effattn-to-nvvm: query-tile, key-tile and chunk-size must not be "
          "negative";
  else if (std::string tensorCores =
               TensorCoreConfig()
                   .withOverrides(options.tensorCoreWarps,
                                  options.tensorCoreStages)
                   .check();
           !tensorCores.empty())
    os << "effattn-to-nvvm: " << tensorCores;
  else if (options.optLevel > 3)
    os << "effattn-to-nvvm: opt-level " << options.optLevel
       << " is not in [0, 3]";
  return message;
}

/// Levels 2-5 of the GPU pipelines: the schedules with the chip's tiles,
/// linalg, buffers (in GPU memory unless `hostMemory`), and one kernel per
/// linalg op (a gpu.launch, or its grid as an scf.parallel when
/// `hostMemory`).
static void addGPUMappingPasses(OpPassManager &pm,
                                const effattn::EffAttnToNVVMPipelineOptions &o,
                                bool hostMemory) {
  using namespace mlir::effattn;
  pm.addPass(createEffAttnDecomposePass());
  EffAttnSchedulePassOptions schedule;
  schedule.queryTile = o.queryTile;
  schedule.keyTile = o.keyTile;
  schedule.chunkSize = o.chunkSize;
  schedule.tuningTable = o.tuningTable;
  schedule.target = o.chip;
  pm.addPass(createEffAttnSchedulePass(schedule));
  pm.addPass(createConvertEffAttnToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Forward loop results to the buffers they alias first, so that ownership
  // needs no clone of a returned buffer.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(createCanonicalizerPass());
  EffAttnGPUBuffersPassOptions buffers;
  buffers.hostMemory = hostMemory;
  pm.addPass(createEffAttnGPUBuffersPass(buffers));
  pm.addPass(createConvertBufferizationToMemRefPass());

  EffAttnMapToGPUPassOptions map;
  map.blockSize = o.blockSize;
  map.emitLaunch = !hostMemory;
  map.tensorCores = o.tensorCores;
  map.tensorCoreWarps = o.tensorCoreWarps;
  map.tensorCoreStages = o.tensorCoreStages;
  pm.addPass(createEffAttnMapToGPUPass(map));
  pm.addPass(createEffAttnApproximateMathPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

LogicalResult mlir::effattn::buildEffAttnToNVVMPipeline(
    OpPassManager &pm, const EffAttnToNVVMPipelineOptions &options,
    llvm::function_ref<LogicalResult(const llvm::Twine &)> errorHandler) {
  std::string error = verifyEffAttnToNVVMPipelineOptions(options);
  if (!error.empty())
    return errorHandler ? errorHandler(error) : failure();
  addGPUMappingPasses(pm, options, /*hostMemory=*/false);

  // Kernels out of line; the host side on one stream per straight-line
  // block, synchronised at its end.
  if (options.tensorCores) {
    // Constants back into the kernels (canonicalize hoisted them), so that
    // the mma accumulators' zeros are not kernel parameters.
    pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  }
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  // Level 6, as gpu-lower-to-nvvm-pipeline, with the chip's features and
  // the toolkit given here.
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features.empty()
                        ? getDefaultNVPTXFeatures(options.chip)
                        : options.features.getValue();
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  device.addPass(createConvertNVGPUToNVVMPass());
  device.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());

  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.cudaPath;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  return success();
}

LogicalResult mlir::effattn::buildEffAttnGPUScheduleToLLVMPipeline(
    OpPassManager &pm, const EffAttnToNVVMPipelineOptions &options,
    llvm::function_ref<LogicalResult(const llvm::Twine &)> errorHandler) {
  std::string error = verifyEffAttnToNVVMPipelineOptions(options);
  if (!error.empty())
    return errorHandler ? errorHandler(error) : failure();
  addGPUMappingPasses(pm, options, /*hostMemory=*/true);
  addLoopsToLLVMPasses(pm);
  return success();
}

/// Registers a pipeline whose builder can reject its options.
static void registerNVVMPipeline(
    llvm::StringRef name, llvm::StringRef description,
    LogicalResult (*build)(
        OpPassManager &, const effattn::EffAttnToNVVMPipelineOptions &,
        llvm::function_ref<LogicalResult(const llvm::Twine &)>)) {
  using Options = effattn::EffAttnToNVVMPipelineOptions;
  registerPassPipeline(
      name, description,
      [build](
          OpPassManager &pm, llvm::StringRef text,
          llvm::function_ref<LogicalResult(const llvm::Twine &)> errorHandler) {
        Options options;
        if (failed(options.parseFromString(text)))
          return failure();
        return build(pm, options, errorHandler);
      },
      [](llvm::function_ref<void(const detail::PassOptions &)> handler) {
        handler(Options());
      });
}

void mlir::effattn::registerEffAttnPipelines() {
  PassPipelineRegistration<EffAttnToLLVMPipelineOptions>(
      "effattn-to-llvm",
      "Lower effattn ops on tensors to the LLVM dialect for the host CPU",
      buildEffAttnToLLVMPipeline);
  registerNVVMPipeline("effattn-to-nvvm",
                       "Lower effattn ops on tensors to CUDA kernels "
                       "(gpu.binary) and host code in the LLVM dialect",
                       buildEffAttnToNVVMPipeline);
  registerNVVMPipeline(
      "effattn-gpu-schedule-to-llvm",
      "Run the GPU schedule and kernel decomposition of effattn-to-nvvm on "
      "the CPU (buffers in host memory, grids as loops)",
      buildEffAttnGPUScheduleToLLVMPipeline);
}

void mlir::effattn::keepReachableFunctions(ModuleOp module,
                                           func::FuncOp entryFunc) {
  llvm::SmallPtrSet<Operation *, 8> reached = {entryFunc};
  SmallVector<Operation *> worklist = {entryFunc};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(op);
    if (!uses)
      continue;
    for (const SymbolTable::SymbolUse &use : *uses) {
      Operation *callee =
          SymbolTable::lookupSymbolIn(module, use.getSymbolRef());
      if (callee && reached.insert(callee).second)
        worklist.push_back(callee);
    }
  }
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (!reached.contains(func))
      func.erase();
}
