//===- Attention.cpp - softmax, quad and partitioned attention ------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "Utils.h"

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::effattn;

void lowering::populateAttentionPatterns(RewritePatternSet &patterns) {}
