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

def EffAttnSchedulePass : Pass<"effattn-schedule"> {
  let summary = "Rewrite core effattn ops into their efficient schedules";
  let description = [{
    Level 3 of the lowering: every core op becomes the algorithm that makes
    it cheap, on tensors, with `scf.for` loops over tiles or chunks:

    * `softmax_attention`: online softmax over key tiles (running max,
      running sum, f32 accumulator); with `causal`, key tiles entirely above
      the diagonal are never visited and only the tiles that straddle it are
      masked.
    * `quad_attention`: the same tiling without a normaliser.
    * `mixed_chunk_attention`: one loop over the chunks carrying the
      `[B, H, Dk, Dv]` f32 state (causal: exclusive prefix; non-causal: the
      state of all chunks, reduced first); the quadratic part only inside a
      chunk.
    * `linear_attention`: causal: the chunked algorithm (quadratic inside a
      chunk, the `[B, Hk, F, Dv]` state and `[B, Hk, F]` normalizer carried
      across chunks, feature maps computed per chunk); non-causal: the state
      first, then every query against it.
    * `partitioned_attention`: a loop over query tiles, so no `[T, T]` (or
      `[P, T, T]`) tensor is formed.
    * `sparse_ffn`: the controller, a per-block argmax, then a gathered
      computation reading only the selected columns of `w1` and rows of `w2`.

    Tile and chunk sizes come from the options, else from the tuning table
    (`tuning-table`, or the shipped defaults). Ops without a schedule are left
    for `convert-effattn-to-linalg`.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"0",
           "Query rows per tile (0: from the tuning table)">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"0",
           "Key rows per tile (0: from the tuning table)">,
    Option<"chunkSize", "chunk-size", "int64_t", /*default=*/"0",
           "Chunk of linear_attention when the op gives none (0: from the "
           "tuning table)">,
    Option<"tuningTable", "tuning-table", "std::string", /*default=*/"\"\"",
           "Path of a tuning table (JSON); empty: the shipped defaults">,
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "The target whose tuning-table entries apply: cpu, or a GPU chip "
           "(sm_80, sm_90a, ...; entries for `gpu` apply to every chip)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // EFFATTN_CONVERSION_PASSES_TD
