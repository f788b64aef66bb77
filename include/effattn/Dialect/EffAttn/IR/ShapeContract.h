//===- ShapeContract.h - symbolic shape checks for effattn ops --*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The shape rules of SPEC.md are written with symbolic dimensions
// (`q : [B, H, T, Dk]`, `k : [B, Hk, S, Dk]`). ShapeContract checks a set of
// tensors against such a contract: the first static use of a symbol binds its
// size, every later static use must agree, and dynamic sizes are accepted.
// Every failure is one diagnostic that names both operands and both sizes.
//
// The verifiers, and later the builders and lowering patterns, use it so that
// each rule is written once, in the notation of the spec.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_IR_SHAPECONTRACT_H
#define EFFATTN_DIALECT_EFFATTN_IR_SHAPECONTRACT_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include <optional>

namespace mlir::effattn {

/// One dimension of a contract: a symbol (`"T"`), a symbol that may also be
/// 1 for broadcasting (`"H|1"`), or the variadic batch prefix (`"..."`, at
/// most once, first).
using DimSpec = llvm::StringRef;

class ShapeContract {
public:
  explicit ShapeContract(Operation *op) : op(op) {}

  /// Checks that `value`, called `name` in diagnostics, is a ranked tensor
  /// of floating element type shared with the other checked values, whose
  /// dimensions match `dims`. A null `value` (absent optional) is accepted.
  LogicalResult check(StringRef name, Value value, ArrayRef<DimSpec> dims);

  /// As `check`, but for a tensor of the given integer element type.
  LogicalResult checkInt(StringRef name, Value value, ArrayRef<DimSpec> dims,
                         unsigned bitWidth);

  /// Requires every use of `symbol` checked so far to have a static size.
  LogicalResult requireStatic(StringRef symbol);

  /// Requires the static sizes of `multiple` to be a multiple of `divisor`.
  LogicalResult requireMultiple(StringRef multiple, StringRef divisor);

  /// The static size bound to `symbol`, if any.
  std::optional<int64_t> size(StringRef symbol) const;

  /// Binds `symbol` to `size` as if it came from `what` (an attribute, or a
  /// derived size), so that later checks compare against it.
  LogicalResult bind(StringRef symbol, int64_t size, StringRef what);

  /// The element type shared by the checked floating values.
  Type getElementType() const { return elementType; }

private:
  struct Binding {
    int64_t size;       // ShapedType::kDynamic until a static use is seen.
    std::string origin; // The use that fixed `size`.
    std::string dynamicOrigin; // The first dynamic use, if any.
  };
  LogicalResult checkDim(StringRef symbol, int64_t size, StringRef origin);
  LogicalResult checkShape(StringRef name, RankedTensorType type,
                           ArrayRef<DimSpec> dims);
  RankedTensorType getRanked(StringRef name, Value value);

  Operation *op;
  llvm::StringMap<Binding> bindings;
  // The batch prefix (`...`): sizes and where they came from.
  std::optional<SmallVector<int64_t>> batch;
  std::string batchOrigin;
  Type elementType;
  std::string elementTypeOrigin;
};

} // namespace mlir::effattn

#endif // EFFATTN_DIALECT_EFFATTN_IR_SHAPECONTRACT_H
