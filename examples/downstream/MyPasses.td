//===- MyPasses.td - the downstream project's own pass -----*- tablegen -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MY_PASSES_TD
#define MY_PASSES_TD

include "mlir/Pass/PassBase.td"

def MyCountEffAttnOpsPass
    : Pass<"my-count-effattn-ops", "::mlir::func::FuncOp"> {
  let summary = "Annotate each function with the number of effattn ops in it";
  let description = [{
    Sets `my.effattn_ops = N : i64` on every `func.func`, N being the number
    of effattn ops (nested ones included) in its body.
  }];
}

#endif // MY_PASSES_TD
