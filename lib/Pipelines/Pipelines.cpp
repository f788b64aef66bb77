//===- Pipelines.cpp - effattn pass pipelines -----------------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Pipelines/Pipelines.h"
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
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

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

  // Buffers -> loops -> LLVM.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
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
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::effattn::registerEffAttnPipelines() {
  PassPipelineRegistration<EffAttnToLLVMPipelineOptions>(
      "effattn-to-llvm",
      "Lower effattn ops on tensors to the LLVM dialect for the host CPU",
      buildEffAttnToLLVMPipeline);
}
