//===- Schedules.cpp - the effattn-schedule pass --------------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Conversion/EffAttnToLinalg/Schedules.h"
#include "effattn/Conversion/Passes.h"
#include "effattn/Tuning/TuningTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::effattn {
#define GEN_PASS_DEF_EFFATTNSCHEDULEPASS
#include "effattn/Conversion/Passes.h.inc"

namespace {
/// Wraps one schedule function as a pattern.
template <typename OpTy> struct ScheduleOp : OpRewritePattern<OpTy> {
  using Fn = LogicalResult (*)(RewriterBase &, OpTy, const ScheduleConfig &);
  ScheduleOp(MLIRContext *ctx, ScheduleConfigFn config, Fn fn)
      : OpRewritePattern<OpTy>(ctx), config(std::move(config)), fn(fn) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    ScheduleConfig chosen = config(op);
    // The schedule replaces the op in place: its ops are those between the
    // op's neighbours.
    Block *block = op->getBlock();
    Operation *before = op->getPrevNode(), *after = op->getNextNode();
    if (failed(fn(rewriter, op, chosen)))
      return failure();
    DictionaryAttr tensorCores = getTensorCoreAttr(rewriter, chosen);
    if (!tensorCores)
      return success();
    auto it = before ? std::next(before->getIterator()) : block->begin();
    auto end = after ? after->getIterator() : block->end();
    for (Operation &created : llvm::make_range(it, end))
      created.walk([&](linalg::LinalgOp linalgOp) {
        rewriter.modifyOpInPlace(linalgOp, [&] {
          linalgOp->setAttr(kTensorCoreAttrName, tensorCores);
        });
      });
    return success();
  }
  static DictionaryAttr getTensorCoreAttr(Builder &b,
                                          const ScheduleConfig &config) {
    SmallVector<NamedAttribute> fields;
    if (!config.mma.empty())
      fields.push_back(b.getNamedAttr("mma", b.getStringAttr(config.mma)));
    if (config.warps > 0)
      fields.push_back(
          b.getNamedAttr("warps", b.getI64IntegerAttr(config.warps)));
    if (config.stages > 0)
      fields.push_back(
          b.getNamedAttr("stages", b.getI64IntegerAttr(config.stages)));
    return fields.empty() ? DictionaryAttr() : b.getDictionaryAttr(fields);
  }
  ScheduleConfigFn config;
  Fn fn;
};
} // namespace

void populateEffAttnSchedulePatterns(RewritePatternSet &patterns,
                                     ScheduleConfigFn config) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ScheduleOp<SoftmaxAttentionOp>>(ctx, config,
                                               scheduleSoftmaxAttention);
  patterns.add<ScheduleOp<QuadAttentionOp>>(ctx, config, scheduleQuadAttention);
  patterns.add<ScheduleOp<LinearAttentionOp>>(ctx, config,
                                              scheduleLinearAttention);
  patterns.add<ScheduleOp<PartitionedAttentionOp>>(
      ctx, config, schedulePartitionedAttention);
  patterns.add<ScheduleOp<MixedChunkAttentionOp>>(ctx, config,
                                                  scheduleMixedChunkAttention);
  patterns.add<ScheduleOp<SparseFFNOp>>(
      ctx, config,
      +[](RewriterBase &rewriter, SparseFFNOp op, const ScheduleConfig &) {
        return scheduleSparseFFN(rewriter, op);
      });
}

namespace {
struct EffAttnSchedulePass
    : impl::EffAttnSchedulePassBase<EffAttnSchedulePass> {
  using Base::Base;
  void runOnOperation() override {
    // Errors at the op's location only: attaching the op would print the
    // whole module under a one-line message about an option.
    Location loc = getOperation()->getLoc();
    int64_t q = queryTile, k = keyTile, c = chunkSize;
    if (q < 0 || k < 0 || c < 0) {
      emitError(loc) << "effattn-schedule: query-tile, key-tile and "
                        "chunk-size must be >= 0 (0: from the tuning table), "
                        "got "
                     << q << ", " << k << ", " << c;
      return signalPassFailure();
    }
    std::string error;
    std::optional<TuningTable> table = TuningTable::load(tuningTable, error);
    if (!table) {
      emitError(loc) << "effattn-schedule: tuning table " << error;
      return signalPassFailure();
    }
    // The tuning table's entry for the op, then the pass options on top.
    ScheduleConfigFn config = [table = *table, q, k, c,
                               target = target.getValue()](Operation *op) {
      ScheduleConfig config;
      if (const TuningEntry *entry = table.lookup(getTuningKey(op, target))) {
        if (entry->queryTile > 0)
          config.queryTile = entry->queryTile;
        if (entry->keyTile > 0)
          config.keyTile = entry->keyTile;
        if (entry->linearChunk > 0)
          config.chunkSize = entry->linearChunk;
        config.mma = entry->mma;
        config.warps = entry->warps;
        config.stages = entry->stages;
      }
      if (q > 0)
        config.queryTile = q;
      if (k > 0)
        config.keyTile = k;
      if (c > 0)
        config.chunkSize = c;
      return config;
    };
    RewritePatternSet patterns(&getContext());
    populateEffAttnSchedulePatterns(patterns, config);
    // One walk: each op is scheduled once, and what it becomes holds no
    // effattn op. Ops no schedule takes are left for the reference lowering.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};
} // namespace
} // namespace mlir::effattn
