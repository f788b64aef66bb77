//===- Passes.td - effattn GPU mapping passes --------------*- tablegen -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_CONVERSION_EFFATTNTOGPU_PASSES_TD
#define EFFATTN_CONVERSION_EFFATTNTOGPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def EffAttnGPUBuffersPass : Pass<"effattn-gpu-buffers", "::mlir::ModuleOp"> {
  let summary = "Place the buffers of bufferized host functions in GPU memory";
  let description = [{
    Level 5 of the lowering, on the buffers of bufferized functions (after
    `ownership-based-buffer-deallocation`), in host code only (nothing inside
    `gpu.launch` or `gpu.module`):

    * `memref.alloc` becomes `gpu.alloc`, and a constant
      `memref.get_global` a `gpu.alloc` filled by `gpu.memcpy`, so that
      kernels never touch host memory;
    * `bufferization.dealloc` becomes `gpu.dealloc` under the ownership
      conditions (a buffer listed twice, or retained, is freed at most once,
      never when retained; the updated ownership of retained buffers is
      computed the same way);
    * `memref.copy` and `bufferization.clone` become `linalg.copy` (into a
      fresh buffer for a clone), so copies run as kernels too.

    With `host-memory`, buffers stay in host memory and deallocation lowers
    the same way to `memref.dealloc`: the mapped program then runs on the CPU
    (`effattn-run --pipeline=gpu-schedule`), a check of the GPU schedule
    (and of this pass's ownership logic) without a GPU.

    Host code that still holds stack buffers (`memref.alloca`) is reported,
    not silently passed to a kernel.

    Before:

    ```mlir
    %a = memref.alloc(%n) : memref<?x64xf32>
    memref.copy %x, %a : memref<?x64xf32> to memref<?x64xf32>
    bufferization.dealloc (%a : memref<?x64xf32>) if (%true)
    ```

    After:

    ```mlir
    %a = gpu.alloc (%n) : memref<?x64xf32>
    linalg.copy ins(%x : memref<?x64xf32>) outs(%a : memref<?x64xf32>)
    scf.if %true { gpu.dealloc %a : memref<?x64xf32> }
    ```
  }];
  let options = [
    Option<"hostMemory", "host-memory", "bool", /*default=*/"false",
           "Keep buffers in host memory (memref.alloc stays, deallocation "
           "becomes memref.dealloc)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def EffAttnMapToGPUPass : Pass<"effattn-map-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Map the linalg ops of host functions to GPU kernels";
  let description = [{
    Every linalg op on buffers in host code becomes one kernel:

    1. the op is generalized and its iterators interchanged so that its
       parallel dims come first (an op without parallel dims gets a one-trip
       parallel loop);
    2. it is lowered to an `scf.parallel` over its parallel dims holding
       `scf.for` loops over the rest (`linalgOpToParallelLoops`);
    3. the `scf.parallel` is flattened onto a 1-D grid: `block-size` threads
       per block, `max(ceil(N / block-size), 1)` blocks for its `N`
       iterations (CUDA rejects an empty grid); thread
       `bid * block-size + tid` runs iteration `id` (the last dim fastest, so
       consecutive threads touch consecutive elements) when `id < N`, and any
       nested `scf.parallel` runs sequentially in that thread.

    Reductions stay inside one thread, so kernels need neither shared memory
    nor synchronisation, and every size may be dynamic: one compiled artifact
    serves every runtime `T`. Host code keeps the schedule's tile and chunk
    loops, which launch one kernel per linalg op and tile.

    With `tensor-cores`, a contraction `C[b.., m, n] += A[b.., m, k] *
    B[b.., k, n]` (any layouts; f16 or bf16 `A` and `B`, f32 `C`; other m or n dims
    join the batch) becomes a tensor-core kernel instead
    (`mapContractionToTensorCores`): one block of `w` warps per
    `16w` x 64 tile of `C` and batch index; per 32-deep slice of `k` the
    block stages `A` as [m][k] and `B` as [n][k] in workgroup memory (zero
    outside the operands) through `s` buffers, slice `i + s - 1` in flight
    while slice `i` is multiplied; where both operands are contiguous along
    `k` with 16-byte aligned rows (a run-time check on the host), staging is
    16-byte `cp.async` (masked `vector.transfer_read`s turned into async
    groups by `nvgpu::createAsyncGroups`), else element by element. Each warp
    accumulates its 16x64 slab with 16x8x16 `vector.contract`s of
    `vector.transfer_read`s of the staged tiles, converted in place to
    `nvgpu.ldmatrix` and `nvgpu.mma.sync` (f32 accumulators in registers;
    for bf16, upstream types only f16 fragments, so the mma code reads the
    staged bf16 tiles through f16 views of the same bytes and each
    `nvgpu.mma.sync` becomes an `nvvm.mma.sync` on bf16: the fragment
    layouts are the same);
    the accumulators go through workgroup memory (dynamic, 16-byte aligned,
    reusing the slices') and are added to `C` with 16-byte loads and stores
    where `C`'s rows are 16-byte aligned (host check) and the 4 columns are
    inside `C`, else element by element with bounds checks. `w` and
    `s` come from `tensor-core-warps` / `tensor-core-stages`, else from the
    op's `effattn.tensor_core` attribute (the tuning table's choice, set by
    `effattn-schedule`; `mma = "none"` keeps the op off tensor cores), else
    4 and 2; a choice needing more than 48 KiB of workgroup memory is an
    error. With `emit-launch=false` the same vector code runs on the
    CPU (phases between barriers as loops over threads or warps, operands
    extended to f32 for the contractions). Experimental: checked on the CPU
    and by ptxas, never run on a GPU.

    Without `emit-launch`, step 3 builds the same decomposition as an
    `scf.parallel` over (block, thread) instead of a `gpu.launch`, for the CPU.
    Any load or store left in host code afterwards is an error.

    Before:

    ```mlir
    linalg.generic {iterator_types = ["parallel", "parallel", "reduction"]} ...
    ```

    After:

    ```mlir
    %blocks = arith.maxui %ceildiv_n_256, %c1 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %blocks, ...)
               threads(%tx, %ty, %tz) in (%sx = %c256, ...) {
      %id = ... %bx * 256 + %tx
      scf.if %id < %n { ... scf.for %k ... { load, mulf, addf, store } }
      gpu.terminator
    }
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
    Option<"emitLaunch", "emit-launch", "bool", /*default=*/"true",
           "Emit gpu.launch (else an scf.parallel over blocks and threads, "
           "for running the mapped program on the CPU)">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"false",
           "Map f16 or bf16 contractions into f32 to tensor-core kernels (64x64 "
           "tiles staged in workgroup memory, 16x8x16 vector.contracts for "
           "ldmatrix and mma.sync); experimental: never run on a GPU">,
    Option<"tensorCoreWarps", "tensor-core-warps", "int64_t",
           /*default=*/"0",
           "Warps per tensor-core block (1, 2, 4, 8: a 16 * warps x 64 "
           "tile); 0: the op's tuning-table choice, else 4">,
    Option<"tensorCoreStages", "tensor-core-stages", "int64_t",
           /*default=*/"0",
           "Buffers the k slices of a tensor-core kernel go through (1 to "
           "4); 0: the op's tuning-table choice, else 2">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect"];
}

def EffAttnApproximateMathPass : Pass<"effattn-approximate-math"> {
  let summary = "Replace transcendental math ops by polynomial approximations";
  let description = [{
    `math.exp`, `math.expm1`, `math.log`, `math.erf`, `math.tanh` and the
    other ops MLIR has f32 approximations for become arithmetic (upstream's
    `populateMathPolynomialApproximationPatterns` and
    `populateMathF32ExpansionPatterns`); what those leave (f32 `math.floor`,
    `math.absf`, `math.fma`) becomes integer arithmetic, bit operations and
    `llvm.intr.fma`. GPU kernels then need no libdevice: the PTX is the same
    whether or not a CUDA toolkit is installed, and the CPU run of the GPU
    schedule computes the same approximations.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // EFFATTN_CONVERSION_EFFATTNTOGPU_PASSES_TD
