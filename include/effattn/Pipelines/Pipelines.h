//===- Pipelines.h - effattn pass pipelines ---------------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_PIPELINES_PIPELINES_H
#define EFFATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
class ModuleOp;
namespace func {
class FuncOp;
} // namespace func
class OpPassManager;
} // namespace mlir

namespace mlir::effattn {

/// Options of `effattn-to-llvm`, the CPU pipeline.
struct EffAttnToLLVMPipelineOptions
    : public PassPipelineOptions<EffAttnToLLVMPipelineOptions> {
  PassOptions::Option<bool> reference{
      *this, "reference",
      llvm::cl::desc("Lower through the plain reference semantics "
                     "(convert-effattn-to-linalg) instead of the efficient "
                     "schedules"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> queryTile{
      *this, "query-tile",
      llvm::cl::desc("Query rows per tile (0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> keyTile{
      *this, "key-tile",
      llvm::cl::desc("Key rows per tile (0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> chunkSize{
      *this, "chunk-size",
      llvm::cl::desc("Chunk of linear_attention without a chunk_size hint "
                     "(0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> tuningTable{
      *this, "tuning-table",
      llvm::cl::desc("Tuning table (JSON); empty: the shipped defaults"),
      llvm::cl::init("")};
};

/// effattn ops on tensors -> LLVM dialect for the host CPU: decompose,
/// lower to linalg, bufferize (function boundaries included, identity
/// layouts), loops, LLVM. Functions that carry `llvm.emit_c_interface` get a
/// `_mlir_ciface_` entry point.
void buildEffAttnToLLVMPipeline(OpPassManager &pm,
                                const EffAttnToLLVMPipelineOptions &options);

/// Options of `effattn-to-nvvm`, the CUDA pipeline, and of
/// `effattn-gpu-schedule-to-llvm`, its front half run on the CPU.
struct EffAttnToNVVMPipelineOptions
    : public PassPipelineOptions<EffAttnToNVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("GPU architecture: sm_80, sm_86, sm_89, sm_90, sm_90a, "
                     "sm_100a, sm_120a, ... (also selects the tuning-table "
                     "entries)"),
      llvm::cl::init("sm_80")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX features, e.g. +ptx80 (empty: the oldest PTX "
                     "version the chip and LLVM 22 both support; +ptx80 for "
                     "sm_80 to sm_90a)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu.binary holds: isa (PTX text, no CUDA "
                     "needed), bin (cubin, needs ptxas) or fatbin (needs "
                     "ptxas and fatbinary)"),
      llvm::cl::init("isa")};
  PassOptions::Option<int64_t> queryTile{
      *this, "query-tile",
      llvm::cl::desc("Query rows per tile (0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> keyTile{
      *this, "key-tile",
      llvm::cl::desc("Key rows per tile (0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> chunkSize{
      *this, "chunk-size",
      llvm::cl::desc("Chunk of linear_attention without a chunk_size hint "
                     "(0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<std::string> tuningTable{
      *this, "tuning-table",
      llvm::cl::desc("Tuning table (JSON); empty: the shipped defaults"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> blockSize{
      *this, "block-size", llvm::cl::desc("Threads per block (1 to 1024)"),
      llvm::cl::init(256)};
  PassOptions::Option<bool> tensorCores{
      *this, "tensor-cores",
      llvm::cl::desc(
          "Map f16 and bf16 contractions to mma.sync tensor-core kernels "
          "(experimental: checked on the CPU at the vector level "
          "and by ptxas, never run on a GPU)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> tensorCoreWarps{
      *this, "tensor-core-warps",
      llvm::cl::desc("Warps per tensor-core block: 1, 2, 4 or 8, a block "
                     "tile of 16 * warps x 64 (0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> tensorCoreStages{
      *this, "tensor-core-stages",
      llvm::cl::desc("Pipeline stages of the tensor-core kernels' k slices, "
                     "1 to 4 (0: from the tuning table)"),
      llvm::cl::init(0)};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimisation level of the NVPTX code generation"),
      llvm::cl::init(2)};
  PassOptions::Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit whose ptxas/fatbinary format=bin|fatbin "
                     "uses (empty: CUDA_ROOT, CUDA_HOME, CUDA_PATH or "
                     "/usr/local/cuda, then PATH)"),
      llvm::cl::init("")};
};

/// The NVPTX features `effattn-to-nvvm` uses for `chip` when none are given
/// (e.g. "+ptx80" for sm_80 and sm_90a), or "" for a chip it does not know.
std::string getDefaultNVPTXFeatures(llvm::StringRef chip);

/// Checks the options: a known chip (or explicit features), a known format,
/// sizes in range. Returns a one-line message, or "" when they are valid.
std::string
verifyEffAttnToNVVMPipelineOptions(const EffAttnToNVVMPipelineOptions &options);

/// effattn ops on tensors -> host code in the LLVM dialect launching kernels
/// compiled into a `gpu.binary` (PTX or cubin): decompose, the schedules with
/// the chip's tuning entries, linalg, bufferization with buffers in GPU
/// memory, one kernel per linalg op (`effattn-map-to-gpu`), outlining, NVVM,
/// `gpu-module-to-binary`, and `gpu-to-llvm` for the host side, which calls
/// the `mgpu*` runtime (runtime/). Functions that carry
/// `llvm.emit_c_interface` get a `_mlir_ciface_` entry point taking device
/// pointers. Returns failure (and adds nothing) when the options do not
/// verify; `errorHandler` then receives the message.
LogicalResult buildEffAttnToNVVMPipeline(
    OpPassManager &pm, const EffAttnToNVVMPipelineOptions &options,
    llvm::function_ref<LogicalResult(const llvm::Twine &)> errorHandler =
        nullptr);

/// The same program as `effattn-to-nvvm` up to the GPU mapping (same tiles,
/// same kernel decomposition, same math approximations), with buffers in
/// host memory and each kernel's grid as an scf.parallel over blocks and
/// threads, then lowered like `effattn-to-llvm` for the CPU: runs the GPU
/// schedule without a GPU.
LogicalResult buildEffAttnGPUScheduleToLLVMPipeline(
    OpPassManager &pm, const EffAttnToNVVMPipelineOptions &options,
    llvm::function_ref<LogicalResult(const llvm::Twine &)> errorHandler =
        nullptr);

/// Registers `effattn-to-llvm`, `effattn-to-nvvm` and
/// `effattn-gpu-schedule-to-llvm`.
void registerEffAttnPipelines();

/// Erases the functions of `module` that `entry` does not reach through
/// symbol uses, so that a function that does not lower cannot stop the one
/// being run (effattn-run, the execution engine C API).
void keepReachableFunctions(ModuleOp module, func::FuncOp entry);

} // namespace mlir::effattn

#endif // EFFATTN_PIPELINES_PIPELINES_H
