//===- EffAttnToGPU.h - host buffers and linalg to GPU kernels -*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// Level 5 of the lowering as C++ rewrites (the passes in Passes.td are thin
// drivers over them): the buffers of host code move to GPU memory, and every
// linalg op of host code becomes one kernel over its parallel iterations.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_CONVERSION_EFFATTNTOGPU_EFFATTNTOGPU_H
#define EFFATTN_CONVERSION_EFFATTNTOGPU_EFFATTNTOGPU_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include <optional>
#include <string>

namespace mlir::effattn {

/// Moves the buffers of `region` (host code) to GPU memory: memref.alloc ->
/// gpu.alloc, constant memref.get_global -> gpu.alloc + gpu.memcpy,
/// bufferization.dealloc -> gpu.dealloc under the ownership conditions. With
/// `hostMemory` buffers stay where they are (and deallocation lowers the same
/// way to memref.dealloc). Either way memref.copy and bufferization.clone
/// become linalg.copy. Ops inside gpu.launch are left
/// alone. Fails (with a diagnostic) on host stack buffers in device mode.
LogicalResult placeBuffersForGPU(RewriterBase &rewriter, Region &region,
                                 bool hostMemory);

/// Lowers a linalg op on buffers to loops whose outermost loop is one
/// scf.parallel over all its parallel dims (reordered first), with scf.for
/// loops inside for the rest; an op without parallel dims is wrapped in a
/// one-trip scf.parallel. Returns the scf.parallel.
FailureOr<scf::ParallelOp> lowerToParallelLoops(RewriterBase &rewriter,
                                                linalg::LinalgOp op);

/// The shape of a tensor-core kernel (mapContractionToTensorCores): blocks
/// of `tileM` x 64 output elements and tileM / 16 warps, k in 32-deep slices
/// staged through `stages` workgroup buffers.
struct TensorCoreConfig {
  static constexpr int64_t kTileN = 64, kTileK = 32;
  /// Workgroup memory a kernel may use without opting in (48 KiB on every
  /// chip), less 16 bytes for the static placeholder the NVPTX backend
  /// makes of the dynamic memory's symbol.
  static constexpr int64_t kMaxSharedMemoryBytes = 48 * 1024 - 16;
  int64_t tileM = 64;
  int64_t stages = 2;

  /// This configuration with `warps` and `stages` where they are not 0.
  TensorCoreConfig withOverrides(int64_t warps, int64_t stages) const {
    return {warps ? 16 * warps : tileM, stages ? stages : this->stages};
  }

  int64_t warps() const { return tileM / 16; }
  int64_t threads() const { return warps() * 32; }
  /// Workgroup memory of the kernel: the staged slices (the C tile reuses
  /// them).
  int64_t sharedMemoryBytes() const;
  /// Why the configuration cannot be built, or empty.
  std::string check() const;
};

/// How an scf.parallel is mapped onto the GPU.
struct GPUMappingOptions {
  /// Threads per block (a 1-D block).
  int64_t blockSize = 256;
  /// Build a gpu.launch; otherwise the same decomposition as an scf.parallel
  /// over (block, thread), which runs on the CPU.
  bool emitLaunch = true;
  /// Map f16 and bf16 contractions to tensor-core kernels
  /// (mapContractionToTensorCores).
  bool tensorCores = false;
  /// Warps and stages of every tensor-core kernel; 0: from the op's
  /// tuning-table choice (kTensorCoreAttrName), else TensorCoreConfig's
  /// defaults.
  int64_t tensorCoreWarps = 0;
  int64_t tensorCoreStages = 0;
};

/// The tensor-core configuration of `op`: the options where set, else the
/// op's kTensorCoreAttrName, else the defaults. Null when the tuning table
/// chose no tensor cores (mma = "none") for it.
std::optional<TensorCoreConfig>
getTensorCoreConfig(Operation *op, const GPUMappingOptions &options);

/// Maps an scf.parallel without reductions onto a 1-D grid of 1-D blocks:
/// thread `bid * blockSize + tid` runs iteration `id` of the flattened
/// iteration space (last dim fastest) when `id` is in range; scf.parallel ops
/// nested in the body run sequentially. A loop without iterations still
/// launches one block (CUDA rejects an empty grid) whose threads do nothing.
/// Returns the gpu.launch (or scf.parallel).
FailureOr<Operation *> mapParallelLoopToGPU(RewriterBase &rewriter,
                                            scf::ParallelOp loop,
                                            const GPUMappingOptions &options);

/// Rewrites an scf.parallel without reductions into nested scf.for loops.
LogicalResult sequentializeParallelLoop(RewriterBase &rewriter,
                                        scf::ParallelOp loop);

/// Whether `op` is a contraction mapContractionToTensorCores serves: on
/// buffers, one m, n and k dim (any batch dims, any layout), f16 operands and
/// an f32 accumulator.
bool isTensorCoreContraction(linalg::LinalgOp op);

/// Maps such a contraction to a kernel of tileM x 64 output tiles
/// (getTensorCoreConfig), one block per tile and batch index: tileM x 32
/// and 64 x 32 slices of A and B staged in workgroup memory (zero outside the
/// operands) through `stages` buffers, with 16-byte cp.async copies where
/// the operands allow, 16x8x16 vector.contracts of vector.transfer_reads of
/// the staged tiles (which convert-vector-to-gpu with use-nvgpu turns into
/// ldmatrix and mma.sync), the accumulators added to C (16-byte accesses
/// where C allows, bounds checks at the edges).
/// Without `emitLaunch`, the same vector code runs on the CPU: the grid as an
/// scf.parallel, each phase between barriers as a loop over threads or warps.
/// Returns the gpu.launch (or scf.parallel).
FailureOr<Operation *>
mapContractionToTensorCores(RewriterBase &rewriter, linalg::LinalgOp op,
                            const GPUMappingOptions &options);

/// Maps every linalg op of `region` (host code) to a kernel as above (f16
/// contractions to tensor-core kernels with `tensorCores`), then checks that
/// no memory access is left in host code (in launch mode).
LogicalResult mapLinalgToGPU(RewriterBase &rewriter, Region &region,
                             const GPUMappingOptions &options);

} // namespace mlir::effattn

#endif // EFFATTN_CONVERSION_EFFATTNTOGPU_EFFATTNTOGPU_H
