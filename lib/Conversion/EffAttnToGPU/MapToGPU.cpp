//===- MapToGPU.cpp - one kernel per linalg op of host code ---------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The schedules leave host code with loops over tiles and chunks whose
// bodies are linalg ops on buffers. Each linalg op becomes a kernel: its
// parallel iterations are spread over a 1-D grid of 1-D blocks, one
// iteration per thread, and its reductions run inside the thread. This is
// the correctness-first mapping: no shared memory, no synchronisation, any
// dynamic size.
//
//===----------------------------------------------------------------------===//

#include "effattn/Conversion/EffAttnToGPU/EffAttnToGPU.h"
#include "effattn/Conversion/EffAttnToGPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::effattn {
#define GEN_PASS_DEF_EFFATTNMAPTOGPUPASS
#include "effattn/Conversion/EffAttnToGPU/Passes.h.inc"
} // namespace mlir::effattn

using namespace mlir;
using namespace mlir::effattn;

/// Whether `op` is already inside a kernel (or a loop that becomes one).
static bool isMapped(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() ||
         op->getParentOfType<gpu::GPUModuleOp>() ||
         op->getParentOfType<scf::ParallelOp>();
}

FailureOr<scf::ParallelOp>
mlir::effattn::lowerToParallelLoops(RewriterBase &rewriter,
                                    linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics())
    return rewriter.notifyMatchFailure(op, "not on buffers");
  rewriter.setInsertionPoint(op);
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generalized))
      return rewriter.notifyMatchFailure(op, "cannot be generalized");
    generic = *generalized;
  }
  // Parallel dims first (in their order), then the others.
  SmallVector<unsigned> order;
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  for (auto [i, it] : llvm::enumerate(iterators))
    if (it == utils::IteratorType::parallel)
      order.push_back(i);
  size_t numParallel = order.size();
  for (auto [i, it] : llvm::enumerate(iterators))
    if (it != utils::IteratorType::parallel)
      order.push_back(i);
  if (!llvm::equal(order, llvm::seq<unsigned>(0, order.size()))) {
    FailureOr<linalg::GenericOp> interchanged =
        linalg::interchangeGenericOp(rewriter, generic, order);
    if (failed(interchanged))
      return rewriter.notifyMatchFailure(op, "cannot be interchanged");
    generic = *interchanged;
  }
  Location loc = generic.getLoc();
  scf::ParallelOp wrapper;
  if (numParallel == 0) {
    // A single iteration carries the whole op.
    rewriter.setInsertionPoint(generic);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    wrapper = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                      ValueRange{one}, ValueRange{one});
    rewriter.moveOpBefore(generic, wrapper.getBody()->getTerminator());
  }
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::LinalgLoops> loops =
      linalg::linalgOpToParallelLoops(rewriter, generic);
  if (failed(loops))
    return rewriter.notifyMatchFailure(op, "cannot be lowered to loops");
  rewriter.eraseOp(generic);
  if (wrapper)
    return wrapper;
  if (loops->empty() || !isa<scf::ParallelOp>(loops->front()))
    return rewriter.notifyMatchFailure(op, "no outer parallel loop");
  return cast<scf::ParallelOp>(loops->front());
}

LogicalResult mlir::effattn::sequentializeParallelLoop(RewriterBase &rewriter,
                                                       scf::ParallelOp loop) {
  if (loop.getNumResults() != 0)
    return rewriter.notifyMatchFailure(loop, "has reductions");
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  IRMapping mapping;
  SmallVector<scf::ForOp> fors;
  for (auto [iv, lb, ub, step] :
       llvm::zip(loop.getInductionVars(), loop.getLowerBound(),
                 loop.getUpperBound(), loop.getStep())) {
    auto forOp = scf::ForOp::create(rewriter, loc, lb, ub, step);
    mapping.map(iv, forOp.getInductionVar());
    rewriter.setInsertionPoint(forOp.getBody()->getTerminator());
    fors.push_back(forOp);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, mapping);
  rewriter.eraseOp(loop);
  return success();
}

/// ceil((ub - lb) / step), folded where constant.
static Value tripCount(OpBuilder &b, Location loc, Value lb, Value ub,
                       Value step) {
  Value span = b.createOrFold<arith::SubIOp>(loc, ub, lb);
  // A loop whose upper bound is below its lower bound runs zero times.
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  span = b.createOrFold<arith::MaxSIOp>(loc, span, zero);
  return b.createOrFold<arith::CeilDivUIOp>(loc, span, step);
}

FailureOr<Operation *>
mlir::effattn::mapParallelLoopToGPU(RewriterBase &rewriter,
                                    scf::ParallelOp loop,
                                    const GPUMappingOptions &options) {
  if (loop.getNumResults() != 0)
    return rewriter.notifyMatchFailure(loop, "has reductions");
  if (options.blockSize < 1 || options.blockSize > 1024)
    return rewriter.notifyMatchFailure(loop, "block size out of [1, 1024]");
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> counts;
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value total = one;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    counts.push_back(tripCount(rewriter, loc, lb, ub, step));
    total = rewriter.createOrFold<arith::MulIOp>(loc, total, counts.back());
  }
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value blockSize =
      arith::ConstantIndexOp::create(rewriter, loc, options.blockSize);
  // At least one block: CUDA rejects an empty grid, and a loop without
  // iterations then runs a block whose threads all skip the body. No host
  // control flow, so one stream serves a whole straight-line host block.
  Value numBlocks = rewriter.createOrFold<arith::MaxUIOp>(
      loc, rewriter.createOrFold<arith::CeilDivUIOp>(loc, total, blockSize),
      one);

  // The body of one thread: iteration bid * blockSize + tid, when in range.
  auto buildThread = [&](OpBuilder &b, Location l, Value bid, Value tid) {
    OpBuilder::InsertionGuard guard(b);
    Value id = arith::AddIOp::create(
        b, l, arith::MulIOp::create(b, l, bid, blockSize), tid);
    Value inRange =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, id, total);
    auto ifOp = scf::IfOp::create(b, l, inRange, /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    IRMapping mapping;
    Value rest = id;
    size_t rank = counts.size();
    for (size_t r = rank; r-- > 0;) {
      Value index = rest;
      if (r > 0) {
        index = arith::RemUIOp::create(b, l, rest, counts[r]);
        rest = arith::DivUIOp::create(b, l, rest, counts[r]);
      }
      Value iv = arith::AddIOp::create(
          b, l, loop.getLowerBound()[r],
          arith::MulIOp::create(b, l, index, loop.getStep()[r]));
      mapping.map(loop.getInductionVars()[r], iv);
    }
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, mapping);
    return ifOp;
  };

  Operation *mapped;
  if (options.emitLaunch) {
    auto launch = gpu::LaunchOp::create(rewriter, loc, numBlocks, one, one,
                                        blockSize, one, one);
    rewriter.setInsertionPointToEnd(&launch.getBody().front());
    buildThread(rewriter, loc, launch.getBlockIds().x, launch.getThreadIds().x);
    gpu::TerminatorOp::create(rewriter, loc);
    mapped = launch;
  } else {
    auto blocks = scf::ParallelOp::create(rewriter, loc, ValueRange{zero, zero},
                                          ValueRange{numBlocks, blockSize},
                                          ValueRange{one, one});
    rewriter.setInsertionPoint(blocks.getBody()->getTerminator());
    buildThread(rewriter, loc, blocks.getInductionVars()[0],
                blocks.getInductionVars()[1]);
    mapped = blocks;
  }
  rewriter.eraseOp(loop);

  // Parallel loops nested in the body run sequentially in the thread.
  SmallVector<scf::ParallelOp> nested;
  mapped->walk([&](scf::ParallelOp inner) {
    if (inner != mapped)
      nested.push_back(inner);
  });
  // Innermost first, so that each is rewritten before its parent is cloned.
  for (scf::ParallelOp inner : nested)
    if (failed(sequentializeParallelLoop(rewriter, inner)))
      return failure();
  return mapped;
}

/// Reports the first memory access left in host code.
static LogicalResult checkHostCode(Region &region) {
  WalkResult result = region.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<gpu::LaunchOp, gpu::GPUModuleOp>(op))
      return WalkResult::skip();
    if (isa<memref::LoadOp, memref::StoreOp, memref::CopyOp, linalg::LinalgOp>(
            op)) {
      op->emitOpError() << "left in host code: kernels were expected to "
                           "perform every memory access";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

LogicalResult mlir::effattn::mapLinalgToGPU(RewriterBase &rewriter,
                                            Region &region,
                                            const GPUMappingOptions &options) {
  SmallVector<linalg::LinalgOp> ops;
  region.walk([&](linalg::LinalgOp op) {
    if (!isMapped(op))
      ops.push_back(op);
  });
  // Kernels are named <function>_k<N>_<op>, N counting in program order.
  llvm::StringMap<unsigned> counts;
  for (linalg::LinalgOp op : ops) {
    // The op is replaced on the way: keep what names it.
    Location loc = op.getLoc();
    OperationName name = op->getName();
    std::string kernel = "kernel";
    if (auto func = op->getParentOfType<FunctionOpInterface>())
      kernel = func.getName().str();
    bool mma = options.tensorCores && isTensorCoreContraction(op) &&
               getTensorCoreConfig(op, options);
    kernel += "_k" + std::to_string(counts[kernel]++) + "_" +
              (mma ? std::string("mma") : name.stripDialect().str());
    FailureOr<Operation *> mapped;
    if (mma) {
      mapped = mapContractionToTensorCores(rewriter, op, options);
      if (failed(mapped))
        return emitError(loc)
               << "'" << name << "' cannot be mapped to a tensor-core kernel";
    } else {
      FailureOr<scf::ParallelOp> loop = lowerToParallelLoops(rewriter, op);
      if (failed(loop))
        return emitError(loc)
               << "'" << name << "' cannot be lowered to parallel loops";
      mapped = mapParallelLoopToGPU(rewriter, *loop, options);
      if (failed(mapped))
        return emitError(loc)
               << "'" << name << "' cannot be mapped to a GPU kernel";
    }
    if (auto launch = dyn_cast<gpu::LaunchOp>(*mapped)) {
      auto symbol = FlatSymbolRefAttr::get(rewriter.getContext(), kernel);
      launch.setModuleAttr(symbol);
      launch.setFunctionAttr(symbol);
    }
  }
  if (options.emitLaunch)
    return checkHostCode(region);
  return success();
}

namespace {
struct EffAttnMapToGPUPass
    : effattn::impl::EffAttnMapToGPUPassBase<EffAttnMapToGPUPass> {
  using Base::Base;
  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation()->emitError()
          << "effattn-map-to-gpu: block-size must be in [1, 1024], got "
          << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    GPUMappingOptions options;
    options.blockSize = blockSize;
    options.emitLaunch = emitLaunch;
    options.tensorCores = tensorCores;
    options.tensorCoreWarps = tensorCoreWarps;
    options.tensorCoreStages = tensorCoreStages;
    // The options on their own; each op's tuning choice is checked where
    // its kernel is built.
    std::string error = TensorCoreConfig()
                            .withOverrides(tensorCoreWarps, tensorCoreStages)
                            .check();
    if (tensorCores && !error.empty()) {
      getOperation()->emitError() << "effattn-map-to-gpu: " << error;
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    for (Region &region : getOperation()->getRegions())
      if (failed(mapLinalgToGPU(rewriter, region, options)))
        return signalPassFailure();
  }
};
} // namespace
