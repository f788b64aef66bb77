//===- Pipelines.h - effattn pass pipelines ---------------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_PIPELINES_PIPELINES_H
#define EFFATTN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
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

/// Registers `effattn-to-llvm`.
void registerEffAttnPipelines();

} // namespace mlir::effattn

#endif // EFFATTN_PIPELINES_PIPELINES_H
