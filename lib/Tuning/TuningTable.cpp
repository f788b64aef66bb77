//===- TuningTable.cpp - per-configuration tile sizes ---------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Tuning/TuningTable.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::effattn;

// The shipped defaults: lib/Tuning/defaults.json, embedded at build time.
static constexpr const char kDefaults[] =
#include "TuningDefaults.inc"
    ;

namespace {
/// Reads one entry, rejecting unknown fields so a typo cannot be ignored.
struct EntryReader {
  const llvm::json::Object &object;
  std::string &error;
  unsigned index;

  bool fail(llvm::Twine message) {
    error = ("entry " + llvm::Twine(index) + ": " + message).str();
    return false;
  }
  bool readInt(llvm::StringRef name, int64_t &out) {
    const llvm::json::Value *value = object.get(name);
    if (!value)
      return true;
    std::optional<int64_t> number = value->getAsInteger();
    if (!number || *number < 0)
      return fail("'" + name + "' must be a non-negative integer");
    out = *number;
    return true;
  }
  bool readString(llvm::StringRef name, std::string &out) {
    const llvm::json::Value *value = object.get(name);
    if (!value)
      return true;
    std::optional<llvm::StringRef> text = value->getAsString();
    if (!text)
      return fail("'" + name + "' must be a string");
    out = text->str();
    return true;
  }
};
} // namespace

std::optional<TuningTable> TuningTable::parse(llvm::StringRef json,
                                              std::string &error) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  if (!parsed) {
    error = llvm::toString(parsed.takeError());
    return std::nullopt;
  }
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root) {
    error = "the table must be a JSON object";
    return std::nullopt;
  }
  if (root->getInteger("version") != 1) {
    error = "'version' must be 1";
    return std::nullopt;
  }
  const llvm::json::Array *list = root->getArray("entries");
  if (!list) {
    error = "'entries' must be an array";
    return std::nullopt;
  }
  static const llvm::StringRef known[] = {
      "op",     "chunk_size", "head_dim", "value_dim",    "dtype",
      "target", "query_tile", "key_tile", "linear_chunk", "warps",
      "stages", "mma",        "validated"};
  TuningTable table;
  for (auto [index, value] : llvm::enumerate(*list)) {
    const llvm::json::Object *object = value.getAsObject();
    if (!object) {
      error = "entry " + std::to_string(index) + ": must be an object";
      return std::nullopt;
    }
    for (const auto &field : *object)
      if (!llvm::is_contained(known, field.first.str())) {
        error = "entry " + std::to_string(index) + ": unknown field '" +
                field.first.str() + "'";
        return std::nullopt;
      }
    EntryReader reader{*object, error, static_cast<unsigned>(index)};
    TuningEntry entry;
    if (!reader.readString("op", entry.key.op) ||
        !reader.readInt("chunk_size", entry.key.chunkSize) ||
        !reader.readInt("head_dim", entry.key.headDim) ||
        !reader.readInt("value_dim", entry.key.valueDim) ||
        !reader.readString("dtype", entry.key.elementType) ||
        !reader.readString("target", entry.key.target) ||
        !reader.readInt("query_tile", entry.queryTile) ||
        !reader.readInt("key_tile", entry.keyTile) ||
        !reader.readInt("linear_chunk", entry.linearChunk) ||
        !reader.readInt("warps", entry.warps) ||
        !reader.readInt("stages", entry.stages) ||
        !reader.readString("mma", entry.mma) ||
        !reader.readString("validated", entry.validated))
      return std::nullopt;
    auto fail = [&, i = index](const llvm::Twine &message) {
      error = ("entry " + llvm::Twine(i) + ": " + message).str();
      return std::nullopt;
    };
    if (entry.key.op.empty())
      return fail("'op' is required");
    if (!entry.mma.empty() && entry.mma != "mma.sync" && entry.mma != "none")
      return fail("'mma' must be \"mma.sync\" or \"none\", got \"" + entry.mma +
                  "\"" +
                  (entry.mma == "wgmma" ? " (wgmma is not implemented)" : ""));
    if (entry.warps != 0 && entry.warps != 1 && entry.warps != 2 &&
        entry.warps != 4 && entry.warps != 8)
      return fail("'warps' must be 1, 2, 4 or 8, got " +
                  llvm::Twine(entry.warps));
    if (entry.stages > 4)
      return fail("'stages' must be in [1, 4], got " +
                  llvm::Twine(entry.stages));
    table.rows.push_back(std::move(entry));
  }
  return table;
}

std::optional<TuningTable> TuningTable::load(llvm::StringRef path,
                                             std::string &error) {
  if (path.empty())
    return defaults();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path);
  if (!file) {
    error = "cannot read '" + path.str() + "': " + file.getError().message();
    return std::nullopt;
  }
  std::optional<TuningTable> table = parse((*file)->getBuffer(), error);
  if (!table)
    error = "'" + path.str() + "': " + error;
  return table;
}

const TuningTable &TuningTable::defaults() {
  static const TuningTable table = [] {
    std::string error;
    std::optional<TuningTable> parsed = parse(kDefaults, error);
    if (!parsed)
      llvm::report_fatal_error("effattn: invalid built-in tuning table: " +
                               llvm::Twine(error));
    return *parsed;
  }();
  return table;
}

const TuningEntry *TuningTable::lookup(const TuningKey &key) const {
  const TuningEntry *best = nullptr;
  int bestScore = -1;
  for (const TuningEntry &entry : rows) {
    const TuningKey &k = entry.key;
    // Every field the entry sets must match; the more it sets, the better.
    auto matches = [](auto want, auto have, auto any) {
      return want == any || want == have;
    };
    // Target "gpu" matches every GPU chip, below the chip's own entries.
    bool anyGpu =
        k.target == "gpu" && llvm::StringRef(key.target).starts_with("sm_");
    if (k.op != key.op || !matches(k.chunkSize, key.chunkSize, 0) ||
        !matches(k.headDim, key.headDim, 0) ||
        !matches(k.valueDim, key.valueDim, 0) ||
        !matches(k.elementType, key.elementType, std::string()) ||
        (!anyGpu && !matches(k.target, key.target, std::string())))
      continue;
    int score = 2 * ((k.chunkSize != 0) + (k.headDim != 0) + (k.valueDim != 0) +
                     !k.elementType.empty()) +
                (anyGpu ? 1 : 2 * !k.target.empty());
    if (score >= bestScore) {
      best = &entry;
      bestScore = score;
    }
  }
  return best;
}

TuningKey mlir::effattn::getTuningKey(Operation *op, llvm::StringRef target) {
  TuningKey key;
  key.op = op->getName().stripDialect().str();
  key.target = target.str();
  // Attention ops read q (operand 0) [B, H, T, Dk]; the result is [.., Dv].
  if (op->getNumOperands() > 0)
    if (auto q = dyn_cast<RankedTensorType>(op->getOperand(0).getType())) {
      key.headDim = q.getShape().back();
      llvm::raw_string_ostream os(key.elementType);
      os << q.getElementType();
    }
  if (op->getNumResults() > 0)
    if (auto o = dyn_cast<RankedTensorType>(op->getResult(0).getType()))
      key.valueDim = o.getShape().back();
  if (auto chunked = dyn_cast<MixedChunkAttentionOp>(op))
    key.chunkSize = chunked.getChunkSize();
  if (auto linear = dyn_cast<LinearAttentionOp>(op))
    key.chunkSize = linear.getChunkSize().value_or(0);
  return key;
}
