//===- GPUBuffers.cpp - host buffers in GPU memory ------------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// After bufferization and ownership-based deallocation, host code allocates,
// copies and frees buffers with memref and bufferization ops. Kernels can
// only read GPU memory, so allocations become gpu.alloc, deallocations
// gpu.dealloc, and copies linalg.copy (which the mapping turns into kernels).
//
//===----------------------------------------------------------------------===//

#include "effattn/Conversion/EffAttnToGPU/EffAttnToGPU.h"
#include "effattn/Conversion/EffAttnToGPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::effattn {
#define GEN_PASS_DEF_EFFATTNGPUBUFFERSPASS
#include "effattn/Conversion/EffAttnToGPU/Passes.h.inc"
} // namespace mlir::effattn

using namespace mlir;
using namespace mlir::effattn;

/// Whether `op` runs on the device (inside a launch or a GPU module).
static bool isDeviceCode(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() ||
         op->getParentOfType<gpu::GPUModuleOp>();
}

/// The dynamic sizes of `value` (a ranked memref) as index values.
static SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc,
                                       Value value) {
  auto type = cast<MemRefType>(value.getType());
  SmallVector<Value> sizes;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(memref::DimOp::create(b, loc, value, i));
  return sizes;
}

/// A fresh buffer of `type` (identity layout) with `sizes` as its dynamic
/// sizes, in GPU memory unless `hostMemory`.
static Value allocate(OpBuilder &b, Location loc, MemRefType type,
                      ValueRange sizes, bool hostMemory) {
  if (hostMemory)
    return memref::AllocOp::create(b, loc, type, sizes);
  return gpu::AllocOp::create(b, loc, type, /*asyncToken=*/Type(),
                              /*asyncDependencies=*/ValueRange(), sizes,
                              /*symbolOperands=*/ValueRange(),
                              /*hostShared=*/false)
      .getMemref();
}

/// bufferization.dealloc (%m...) if (%c...) retain (%r...) as explicit
/// pointer comparisons: %m_i is freed (gpu.dealloc, or memref.dealloc in host
/// memory) iff c_i, it aliases no
/// retained value and no earlier %m_k with c_k; the result for %r_j is the
/// OR over i of (c_i and %m_i aliases %r_j). Two memrefs alias when their
/// aligned base pointers are equal (the op's operands are base buffers).
static void lowerDealloc(RewriterBase &rewriter,
                         bufferization::DeallocOp dealloc, bool hostMemory) {
  Location loc = dealloc.getLoc();
  rewriter.setInsertionPoint(dealloc);
  auto pointer = [&](Value memref) -> Value {
    return memref::ExtractAlignedPointerAsIndexOp::create(rewriter, loc,
                                                          memref);
  };
  auto eq = [&](Value a, Value b) -> Value {
    return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, a, b);
  };
  auto andI = [&](Value a, Value b) -> Value {
    return arith::AndIOp::create(rewriter, loc, a, b);
  };
  Value trueValue = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
  Value falseValue = arith::ConstantIntOp::create(rewriter, loc, 0, 1);
  auto notI = [&](Value a) -> Value {
    return arith::XOrIOp::create(rewriter, loc, a, trueValue);
  };

  SmallVector<Value> memrefs(dealloc.getMemrefs());
  SmallVector<Value> conditions(dealloc.getConditions());
  SmallVector<Value> memrefPtrs, retainedPtrs;
  for (Value m : memrefs)
    memrefPtrs.push_back(pointer(m));
  for (Value r : dealloc.getRetained())
    retainedPtrs.push_back(pointer(r));

  SmallVector<Value> updated;
  for (Value r : retainedPtrs) {
    Value owned = falseValue;
    for (auto [m, c] : llvm::zip(memrefPtrs, conditions))
      owned = arith::OrIOp::create(rewriter, loc, owned, andI(c, eq(m, r)));
    updated.push_back(owned);
  }
  for (size_t i = 0; i < memrefs.size(); ++i) {
    Value free = conditions[i];
    for (Value r : retainedPtrs)
      free = andI(free, notI(eq(memrefPtrs[i], r)));
    for (size_t k = 0; k < i; ++k)
      free = andI(free,
                  notI(andI(conditions[k], eq(memrefPtrs[k], memrefPtrs[i]))));
    scf::IfOp::create(rewriter, loc, free, [&](OpBuilder &b, Location l) {
      if (hostMemory)
        memref::DeallocOp::create(b, l, memrefs[i]);
      else
        gpu::DeallocOp::create(b, l, /*asyncToken=*/Type(),
                               /*asyncDependencies=*/ValueRange(), memrefs[i]);
      scf::YieldOp::create(b, l);
    });
  }
  rewriter.replaceOp(dealloc, updated);
}

LogicalResult mlir::effattn::placeBuffersForGPU(RewriterBase &rewriter,
                                                Region &region,
                                                bool hostMemory) {
  SmallVector<Operation *> ops;
  region.walk([&](Operation *op) {
    if (!isDeviceCode(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    Location loc = op->getLoc();
    rewriter.setInsertionPoint(op);
    if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
      continue;
    }
    if (auto clone = dyn_cast<bufferization::CloneOp>(op)) {
      auto sourceType = cast<MemRefType>(clone.getInput().getType());
      auto type =
          MemRefType::get(sourceType.getShape(), sourceType.getElementType(),
                          AffineMap(), sourceType.getMemorySpace());
      Value buffer =
          allocate(rewriter, loc, type,
                   dynamicSizes(rewriter, loc, clone.getInput()), hostMemory);
      linalg::CopyOp::create(rewriter, loc, clone.getInput(), buffer);
      if (buffer.getType() != clone.getType()) {
        if (!memref::CastOp::areCastCompatible(buffer.getType(),
                                               clone.getType()))
          return clone.emitOpError()
                 << "cannot be placed in GPU memory: its result type "
                 << clone.getType() << " is not a cast of " << type;
        buffer = memref::CastOp::create(rewriter, loc, clone.getType(), buffer);
      }
      rewriter.replaceOp(clone, buffer);
      continue;
    }
    if (auto dealloc = dyn_cast<bufferization::DeallocOp>(op)) {
      lowerDealloc(rewriter, dealloc, hostMemory);
      continue;
    }
    if (hostMemory)
      continue;
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      auto buffer = gpu::AllocOp::create(
          rewriter, loc, alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/false);
      rewriter.replaceOp(alloc, buffer.getMemref());
      continue;
    }
    if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
      // A constant the kernels read: a device copy of it.
      rewriter.setInsertionPointAfter(global);
      Value buffer = allocate(rewriter, loc, global.getType(), {}, false);
      auto memcpy = gpu::MemcpyOp::create(rewriter, loc, /*asyncToken=*/Type(),
                                          /*asyncDependencies=*/ValueRange(),
                                          buffer, global.getResult());
      rewriter.replaceAllUsesExcept(global.getResult(), buffer, memcpy);
      continue;
    }
    if (isa<memref::AllocaOp, memref::ReallocOp>(op))
      return op->emitOpError()
             << "in host code: its buffer cannot be placed in GPU memory";
  }
  return success();
}

namespace {
struct EffAttnGPUBuffersPass
    : effattn::impl::EffAttnGPUBuffersPassBase<EffAttnGPUBuffersPass> {
  using Base::Base;
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (Region &region : getOperation()->getRegions())
      if (failed(placeBuffersForGPU(rewriter, region, hostMemory)))
        return signalPassFailure();
  }
};
} // namespace
