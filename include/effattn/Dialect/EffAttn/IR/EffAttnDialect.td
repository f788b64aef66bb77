//===- EffAttnDialect.td - effattn dialect definition ------*- tablegen -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_IR_EFFATTNDIALECT_TD
#define EFFATTN_DIALECT_EFFATTN_IR_EFFATTNDIALECT_TD

include "mlir/IR/OpBase.td"

def EffAttn_Dialect : Dialect {
  let name = "effattn";
  let cppNamespace = "::mlir::effattn";
  let summary = "Efficient attention variants as first-class ops";
  let description = [{
    The `effattn` dialect models the attention variants that make transformers
    cheap as single ops on tensors, so that a compiler can pick their
    efficient schedule (chunked, linear-time, low-rank, sparse) instead of
    pattern-matching it out of a sea of matmuls:

    * `softmax_attention`: the baseline every variant is compared with.
    * `quad_attention` and `mixed_chunk_attention`: FLASH's gated attention
      unit attention (FLASH-Quad) and its linear-time mixed-chunk attention.
    * `linear_attention`: kernelized attention (linear attention, Performer's
      FAVOR+), causal or not, with a carried state for incremental decoding.
    * `lowrank_attention` (Linformer) and `lowrank_kernel_attention` (FLuRKA).
    * `partitioned_attention`: Shatter's relative-partition attention.
    * `sparse_ffn` and `multiplicative_dense`: Scaling Transformers' sparse
      feed-forward layer and factored dense layer.
    * `offset_scale`, `rel_pos_bias` and `gau`: the pieces of a FLASH layer.

    Conventions shared by every op:

    1. Element types are `f32`, `f16` or `bf16`; all floating operands and
       results of one op share it. Every reduction and carried state
       accumulates in `f32`, whatever the element type.
    2. Attention layout: `q : [B, H, T, Dk]`, `k : [B, Hk, S, Dk]`,
       `v : [B, Hk, S, Dv]`, result `[B, H, T, Dv]`. `Hk` divides `H`
       (grouped-query attention: head `h` reads key/value head
       `h / (H / Hk)`). `B`, `T`, `S` may be dynamic; `Dk` and `Dv` must be
       static.
    3. `causal` is bottom-right aligned when `T != S`: query `i` sees keys
       `j <= i + (S - T)`. A query row that sees no key produces zeros.
       Masks apply after the score function.
    4. Sizes are checked wherever they are static; a dynamic size is accepted
       and must agree at run time.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class EffAttn_Op<string mnemonic, list<Trait> traits = []>
    : Op<EffAttn_Dialect, mnemonic, traits>;

#endif // EFFATTN_DIALECT_EFFATTN_IR_EFFATTNDIALECT_TD
