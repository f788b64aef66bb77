//===- EffAttnCost.h - FLOP and byte counts of effattn ops ------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The cost formulas of SPEC.md, evaluated for one op: floating-point
// operations of the op's math (a multiply-add counts 2) and the bytes it must
// move at the least (every operand element it reads once, every result
// element written once). Used by effattn-compile --report and the benchmarks.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_IR_EFFATTNCOST_H
#define EFFATTN_DIALECT_EFFATTN_IR_EFFATTNCOST_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace mlir::effattn {

struct OpCost {
  /// Floating-point operations; masked (causal) pairs are not counted.
  double flops = 0;
  /// Compulsory memory traffic: operands read once, results written once.
  /// Operands read in part (the used columns of a Linformer projection, the
  /// selected rows of a sparse FFN's weights) count only that part.
  double bytes = 0;
};

/// Returns the cost of `op` when it is an effattn op, evaluating every dynamic
/// dimension as `dynamicSize`; std::nullopt for any other op.
std::optional<OpCost> estimateCost(Operation *op, int64_t dynamicSize);

} // namespace mlir::effattn

#endif // EFFATTN_DIALECT_EFFATTN_IR_EFFATTNCOST_H
