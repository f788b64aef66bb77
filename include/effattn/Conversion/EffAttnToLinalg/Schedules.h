//===- Schedules.h - efficient schedules of the core effattn ops -*- C++
//-*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// Each rewrite replaces one core op by its efficient algorithm on tensors
// (scf.for over tiles or chunks, linalg inside), so compilers can schedule
// single ops without running the pass.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_CONVERSION_EFFATTNTOLINALG_SCHEDULES_H
#define EFFATTN_CONVERSION_EFFATTNTOLINALG_SCHEDULES_H

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include <string>

namespace mlir::effattn {

/// Tile sizes of one op's schedule.
struct ScheduleConfig {
  /// Query rows per tile (softmax, quad, partitioned attention).
  int64_t queryTile = 64;
  /// Key rows per tile (softmax, quad attention).
  int64_t keyTile = 64;
  /// Chunk of linear_attention when the op has no `chunk_size` hint.
  int64_t chunkSize = 64;
  /// The tensor-core choice for the op's contractions, attached to the
  /// linalg ops of the schedule as kTensorCoreAttrName (Tuning/TuningTable.h)
  /// when set: "mma.sync" or "none", warps per block, pipeline stages.
  std::string mma;
  int64_t warps = 0;
  int64_t stages = 0;

  /// The element type of the attention weights (P) that enter the P·V
  /// contraction: f32, or, where the tensor cores serve the op's f16 or
  /// bf16 contractions (mma = "mma.sync"), the operand type, so that P·V is
  /// an f16 or bf16 contraction into f32 as well (as FlashAttention rounds
  /// P; every reduction still accumulates in f32).
  Type weightType(Type elementType) const {
    if (mma == "mma.sync" && (elementType.isF16() || elementType.isBF16()))
      return elementType;
    return Float32Type::get(elementType.getContext());
  }
};

/// Picks the schedule configuration of `op` (from the tuning table or the
/// overrides); see Tuning/TuningTable.h.
using ScheduleConfigFn = std::function<ScheduleConfig(Operation *op)>;

LogicalResult scheduleSoftmaxAttention(RewriterBase &rewriter,
                                       SoftmaxAttentionOp op,
                                       const ScheduleConfig &config);
LogicalResult scheduleQuadAttention(RewriterBase &rewriter, QuadAttentionOp op,
                                    const ScheduleConfig &config);
LogicalResult scheduleMixedChunkAttention(RewriterBase &rewriter,
                                          MixedChunkAttentionOp op,
                                          const ScheduleConfig &config);
LogicalResult scheduleLinearAttention(RewriterBase &rewriter,
                                      LinearAttentionOp op,
                                      const ScheduleConfig &config);
LogicalResult schedulePartitionedAttention(RewriterBase &rewriter,
                                           PartitionedAttentionOp op,
                                           const ScheduleConfig &config);
LogicalResult scheduleSparseFFN(RewriterBase &rewriter, SparseFFNOp op);

/// All the schedules above as patterns.
void populateEffAttnSchedulePatterns(RewritePatternSet &patterns,
                                     ScheduleConfigFn config);

} // namespace mlir::effattn

#endif // EFFATTN_CONVERSION_EFFATTNTOLINALG_SCHEDULES_H
