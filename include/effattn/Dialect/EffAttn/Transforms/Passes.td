//===- Passes.td - effattn transformation passes -----------*- tablegen -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_TRANSFORMS_PASSES_TD
#define EFFATTN_DIALECT_EFFATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def EffAttnDecomposePass : Pass<"effattn-decompose"> {
  let summary = "Decompose composite effattn ops into core ops and linalg";
  let description = [{
    Rewrites the model-level ops into the core attention ops plus linalg on
    tensors (level 2 of the lowering):

    * `effattn.gau` becomes dense projections with SiLU, one
      `effattn.offset_scale`, the selected `effattn.quad_attention` or
      `effattn.mixed_chunk_attention` (single head, gated by `u`) and the
      output projection.
    * `effattn.lowrank_attention` becomes the sequence projections
      `e_proj k`, `f_proj v` (a reduction over `S`, in f32) and an
      `effattn.softmax_attention` against the `R` projected rows.
    * `effattn.lowrank_kernel_attention` becomes the same projections and a
      non-causal `effattn.linear_attention` (project first, then the feature
      map).

    Before:

    ```mlir
    %o = effattn.lowrank_attention %q, %k, %v, %e, %f : (...) -> tensor<1x8x512x64xf32>
    ```

    After:

    ```mlir
    %kp = linalg.generic ... // e_proj k : [B, Hk, R, Dk]
    %vp = linalg.generic ... // f_proj v : [B, Hk, R, Dv]
    %o = effattn.softmax_attention %q, %kp, %vp scale = 1.250000e-01 : (...) -> tensor<1x8x512x64xf32>
    ```

    The rewrites are public (`populateEffAttnDecompositionPatterns`).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // EFFATTN_DIALECT_EFFATTN_TRANSFORMS_PASSES_TD
