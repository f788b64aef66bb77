//===- TuningTable.h - per-configuration tile sizes -------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The tuning table maps (op, chunk size, head dims, element type, target) to
// the tile sizes of the op's schedule. It is a JSON file (format:
// docs/TuningTable.md); the shipped defaults are compiled in. Every pipeline
// reads it through this one reader.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_TUNING_TUNINGTABLE_H
#define EFFATTN_TUNING_TUNINGTABLE_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>
#include <vector>

namespace mlir::effattn {

/// What an entry applies to. Empty strings and 0 match anything.
struct TuningKey {
  std::string op;          // "softmax_attention", ...
  int64_t chunkSize = 0;   // the op's chunk_size (mixed-chunk, linear)
  int64_t headDim = 0;     // Dk
  int64_t valueDim = 0;    // Dv
  std::string elementType; // "f32", "f16", "bf16"
  std::string target;      // "cpu", "sm_80", "sm_90a"; "gpu": every chip
};

/// One row of the table: a key and the configuration it selects. Fields left
/// at 0 / empty are not set by this entry.
struct TuningEntry {
  TuningKey key;
  int64_t queryTile = 0;   // query rows per tile
  int64_t keyTile = 0;     // key rows per tile
  int64_t linearChunk = 0; // chunk of linear_attention without a hint
  int64_t warps = 0;       // GPU: warps per block
  int64_t stages = 0;      // GPU: pipeline stages
  std::string mma;         // GPU: "mma.sync", "wgmma", or "none"
  std::string validated;   // where this configuration was validated
};

class TuningTable {
public:
  /// Parses a table; on failure returns std::nullopt and sets `error`.
  static std::optional<TuningTable> parse(llvm::StringRef json,
                                          std::string &error);
  /// Reads a table from `path`, or the shipped defaults when `path` is empty.
  static std::optional<TuningTable> load(llvm::StringRef path,
                                         std::string &error);
  /// The shipped defaults.
  static const TuningTable &defaults();

  /// The entry of `key` with the most specific match (entries listed later
  /// win ties), or null.
  const TuningEntry *lookup(const TuningKey &key) const;

  llvm::ArrayRef<TuningEntry> entries() const { return rows; }

private:
  std::vector<TuningEntry> rows;
};

/// The discardable attribute by which the schedules hand an op's tensor-core
/// choice (the entry's `mma`, `warps`, `stages`, where set) to the linalg
/// ops they create, for the GPU mapping: {mma = "mma.sync", warps = 4,
/// stages = 2}.
inline constexpr llvm::StringLiteral kTensorCoreAttrName =
    "effattn.tensor_core";

/// The key of an effattn op for `target`.
TuningKey getTuningKey(Operation *op, llvm::StringRef target);

} // namespace mlir::effattn

#endif // EFFATTN_TUNING_TUNINGTABLE_H
