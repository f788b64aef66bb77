//===- Passes.td - effattn conversion passes ---------------*- tablegen -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_CONVERSION_PASSES_TD
#define EFFATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertEffAttnToLinalgPass : Pass<"convert-effattn-to-linalg"> {
  let summary = "Lower every effattn op to its reference semantics in linalg";
  let description = [{
    The straightforward, quadratic-memory reference lowering of every effattn
    op to `linalg.generic` on tensors (plus `tensor`, `arith` and `math`),
    exactly the formulas of the op descriptions: composite ops are first
    decomposed (as `effattn-decompose` does), then every core op becomes
    dense score tensors with masks. Every reduction accumulates in f32; the
    results are converted back to the op's element type.

    Dynamic `B`, `T`, `S`, partial last chunks, `T != S` with bottom-right
    causal alignment and grouped-query heads are handled. Grouped-query heads
    need static `H` and `Hk` (the lowering reports an error otherwise).

    This is the numerical reference the efficient schedules are checked
    against; it is not the fast path.

    Before:

    ```mlir
    %o = effattn.softmax_attention %q, %k, %v causal : (...) -> tensor<1x8x?x64xf32>
    ```

    After: `linalg.generic` ops computing the scaled scores `[B, H, T, S]`
    (masked to `-inf`), the row maximum, `exp`, the row sum and the weighted
    sum of `v`, with fully masked rows producing zeros.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // EFFATTN_CONVERSION_PASSES_TD
