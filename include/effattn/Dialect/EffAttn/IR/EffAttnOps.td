//===- EffAttnOps.td - effattn operations ------------------*- tablegen -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The description of every op is its contract (docs/SPEC.md restated): the
// math, the shapes and the numbered rules its verifier enforces. The shape
// rules are checked by one helper per op family (ShapeContract.h).
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_IR_EFFATTNOPS_TD
#define EFFATTN_DIALECT_EFFATTN_IR_EFFATTNOPS_TD

include "effattn/Dialect/EffAttn/IR/EffAttnDialect.td"
include "effattn/Dialect/EffAttn/IR/EffAttnEnums.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"

// Ranks, element types and sizes are checked by the verifier, which names the
// operand and both sizes; the ODS constraints only ask for ranked tensors.
defvar EffAttn_Tensor = AnyRankedTensor;

//===----------------------------------------------------------------------===//
// Attention ops
//===----------------------------------------------------------------------===//

def EffAttn_SoftmaxAttentionOp : EffAttn_Op<"softmax_attention", [Pure]> {
  let summary = "scaled dot-product attention with a softmax over keys";
  let description = [{
    The baseline every other attention op is compared with.

    ```
    s_ij = scale * q_i . k_j + bias_ij      (causal: -inf for j > i + S - T)
    o_i  = sum_j softmax_j(s_i)_j * v_j
    ```

    Operands: `q : [B, H, T, Dk]`, `k : [B, Hk, S, Dk]`, `v : [B, Hk, S, Dv]`,
    optional `bias : [B|1, H|1, T, S]` (added to the scaled scores).
    Result: `[B, H, T, Dv]`.

    Attributes: `scale` (default `1/sqrt(Dk)`), `causal` (bottom-right
    aligned; a query row that sees no key produces zeros).

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static.
    2. `Dk` and `Dv` are static; `H` is a multiple of `Hk`.
    3. All operands and the result share one element type: f32, f16 or bf16.
    4. `scale` is finite.

    Cost: `4·B·H·T·S·Dk` FLOPs (half when causal, with tile skipping).

    Example:

    ```mlir
    %o = effattn.softmax_attention %q, %k, %v causal scale = 0.125
        : (tensor<2x8x?x64xf16>, tensor<2x2x?x64xf16>, tensor<2x2x?x64xf16>)
        -> tensor<2x8x?x64xf16>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$q, EffAttn_Tensor:$k, EffAttn_Tensor:$v,
                       Optional<EffAttn_Tensor>:$bias,
                       OptionalAttr<F64Attr>:$scale, UnitAttr:$causal);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`bias` `(` $bias^ `)`)? (`causal` $causal^)?
    (`scale` `=` $scale^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def EffAttn_QuadAttentionOp
    : EffAttn_Op<"quad_attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "FLASH's gated attention unit attention (FLASH-Quad)";
  let description = [{
    Un-normalised attention with a pointwise score activation, optionally
    gated, as in FLASH's gated attention unit:

    ```
    inside : a_ij = act(scale * q_i . k_j + bias_ij)
    outside: a_ij = scale * act(q_i . k_j + bias_ij)
    o_i = sum_j a_ij * v_j                  (causal: only j <= i + S - T)
    with gate: o_i = gate_i * o_i           (element-wise)
    ```

    `relu2(x) = max(x, 0)^2`;
    `laplace(x) = 0.5 * (1 + erf((x - sqrt(0.5)) / (sqrt(2) * sigma)))`,
    `sigma = 1/sqrt(4*pi)`. The bias is never scaled, in either mode. There is
    no row normalisation: the output grows with `S`.

    Operands: `q : [B, H, T, Dk]`, `k : [B, Hk, S, Dk]`, `v : [B, Hk, S, Dv]`,
    optional `bias : [B|1, H|1, T, S]`, optional `gate : [B, H, T, Dv]`.
    Result: `[B, H, T, Dv]`.

    Attributes: `scale` (default `1/S`, the run-time key length),
    `activation` (`relu2` default, `laplace`), `scale_mode` (`inside`
    default, `outside`), `causal`.

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static.
    2. `Dk` and `Dv` are static; `H` is a multiple of `Hk`.
    3. All operands and the result share one element type: f32, f16 or bf16.
    4. `scale` is finite.

    Example:

    ```mlir
    %o = effattn.quad_attention %q, %k, %v gate(%g) causal activation laplace
        : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>,
           tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$q, EffAttn_Tensor:$k, EffAttn_Tensor:$v,
                       Optional<EffAttn_Tensor>:$bias,
                       Optional<EffAttn_Tensor>:$gate,
                       OptionalAttr<F64Attr>:$scale,
                       DefaultValuedAttr<EffAttn_ActivationAttr,
                                         "::mlir::effattn::Activation::relu2">:$activation,
                       DefaultValuedAttr<EffAttn_ScaleModeAttr,
                                         "::mlir::effattn::ScaleMode::inside">:$scale_mode,
                       UnitAttr:$causal);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`bias` `(` $bias^ `)`)? (`gate` `(` $gate^ `)`)?
    (`causal` $causal^)? (`activation` `` $activation^)?
    (`scale_mode` `` $scale_mode^)? (`scale` `=` $scale^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def EffAttn_MixedChunkAttentionOp
    : EffAttn_Op<"mixed_chunk_attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "FLASH's linear-time mixed-chunk attention";
  let description = [{
    Splits the sequence into `G = ceil(T / C)` chunks (the last may be
    partial). Inside a chunk it is quadratic (GAU) attention; across chunks it
    is linear attention with a `[Dk, Dv]` state per (batch, head), carried in
    f32. For chunk `g` (0-based):

    ```
    quad_g  = act(quad_scale * Qq_g Kq_gᵀ + bias) V_g   (causal: j <= i in the chunk)
    state_g = sum over chunks h of Kl_hᵀ V_h            (non-causal: all h;
                                                         causal: h < g only)
    lin_g   = lin_factor(g) * Ql_g state_g
    o_g     = gate_g * (quad_g + lin_g)                 (no gate: quad_g + lin_g)
    ```

    `lin_factor(g) = lin_scale * m(g)` with `m` chosen by `lin_scale_mode`:
    `inverse_length` (default) is `1/T` non-causal and `1/(g·C)` causal for
    chunk `g >= 1`; `inverse_chunk` is `1/C`; `none` is 1. Chunk 0 of a causal
    op has a zero state.

    Padding rows of a partial last chunk neither contribute keys nor produce
    outputs; a partial chunk of `L` rows uses `bias[:L, :L]` and still
    `quad_scale = 1/C`; `1/T` uses the true `T`. `C = T` gives FLASH-Quad plus
    a global linear term; `C = 1` gives pure (unnormalised) linear attention.

    Operands: `q_quad, k_quad, q_lin, k_lin : [B, H, T, Dk]`,
    `v : [B, H, T, Dv]`, optional `gate : [B, H, T, Dv]`, optional
    `bias : [C, C]` (relative bias inside a chunk). Result `[B, H, T, Dv]`.

    Attributes: `chunk_size` C (required), `causal`, `quad_scale` (default
    `1/C`), `activation` (`relu2` default, scale applied inside),
    `lin_scale_mode`, `lin_scale` (default 1).

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static (no grouped-query
       heads: every operand has `H` heads).
    2. `Dk` and `Dv` are static; `chunk_size >= 1`.
    3. All operands and the result share one element type: f32, f16 or bf16.
    4. `quad_scale` and `lin_scale` are finite.

    Cost per token, constant in `T`: `2·C·(Dk+Dv)` (quad) + `4·Dk·Dv`
    (linear) FLOPs.

    Example:

    ```mlir
    %o = effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v gate(%u)
        chunk_size = 256 causal
        : (tensor<1x1x?x128xbf16>, tensor<1x1x?x128xbf16>,
           tensor<1x1x?x128xbf16>, tensor<1x1x?x128xbf16>,
           tensor<1x1x?x512xbf16>, tensor<1x1x?x512xbf16>)
        -> tensor<1x1x?x512xbf16>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$q_quad, EffAttn_Tensor:$k_quad,
                       EffAttn_Tensor:$q_lin, EffAttn_Tensor:$k_lin,
                       EffAttn_Tensor:$v, Optional<EffAttn_Tensor>:$gate,
                       Optional<EffAttn_Tensor>:$bias, I64Attr:$chunk_size,
                       UnitAttr:$causal, OptionalAttr<F64Attr>:$quad_scale,
                       DefaultValuedAttr<EffAttn_ActivationAttr,
                                         "::mlir::effattn::Activation::relu2">:$activation,
                       DefaultValuedAttr<EffAttn_LinScaleModeAttr,
                                         "::mlir::effattn::LinScaleMode::inverse_length">:$lin_scale_mode,
                       DefaultValuedAttr<F64Attr, "1.0">:$lin_scale);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $q_quad `,` $k_quad `,` $q_lin `,` $k_lin `,` $v (`gate` `(` $gate^ `)`)?
    (`bias` `(` $bias^ `)`)? `chunk_size` `=` $chunk_size (`causal` $causal^)?
    (`activation` `` $activation^)? (`quad_scale` `=` $quad_scale^)?
    (`lin_scale_mode` `` $lin_scale_mode^)? (`lin_scale` `=` $lin_scale^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def EffAttn_LinearAttentionOp
    : EffAttn_Op<"linear_attention", [Pure, AttrSizedOperandSegments,
                                      AttrSizedResultSegments]> {
  let summary = "kernelized attention (linear attention, Performer FAVOR+)";
  let description = [{
    Attention whose score is a dot product of feature maps, so it can be
    computed in time linear in the sequence length:

    ```
    non-causal: o_i = phi(q_i)ᵀ S / (phi(q_i)ᵀ z + eps),
                S = sum_j phi(k_j) v_jᵀ,  z = sum_j phi(k_j)
    causal    : the same with S_i, z_i summed over j <= i + S - T
                (plus the initial state / normalizer)
    normalize = false: o_i = phi(q_i)ᵀ S   (no denominator)
    ```

    `scale` multiplies `q` before the feature map. Feature maps:
    `identity(x) = x`; `elu_plus_one(x) = elu(x) + 1` (default);
    `relu(x) = max(x, 0)`;
    `favor(x) = exp(omega x' - |x'|^2 / 2) / sqrt(M)`, `x' = x / Dk^(1/4)`.
    The feature width `F` is `M` for `favor` and `Dk` otherwise.

    Operands: `q : [B, H, T, Dk]`, `k : [B, Hk, S, Dk]`, `v : [B, Hk, S, Dv]`,
    optional `omega : [M, Dk]` (exactly when `feature_map = favor`), optional
    `initial_state : [B, Hk, F, Dv]` and `initial_normalizer : [B, Hk, F]`.
    Results: `o : [B, H, T, Dv]`, and when requested
    `final_state = initial_state + sum_j phi(k_j) v_jᵀ : [B, Hk, F, Dv]` and
    `final_normalizer = initial_normalizer + sum_j phi(k_j) : [B, Hk, F]`.
    Splitting a sequence into a prefix call and a suffix call fed with the
    prefix's final state and normalizer gives the same outputs as one call.

    Attributes: `feature_map`, `causal`, `normalize` (default true), `eps`
    (default 1e-6), `scale` (default 1), `chunk_size` (a lowering hint that
    does not change the result).

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static.
    2. `Dk`, `Dv` and `M` are static; `H` is a multiple of `Hk`.
    3. All operands and results share one element type: f32, f16 or bf16.
    4. `omega` is present if and only if `feature_map = favor`.
    5. `initial_normalizer` and `final_normalizer` exist only with
       `normalize`; with `normalize`, `initial_state` and `initial_normalizer`
       come together. `final_normalizer` needs `final_state`.
    6. `eps >= 0`; `scale` is finite; `chunk_size >= 1` when given.

    Example:

    ```mlir
    %o, %s, %z = effattn.linear_attention %q, %k, %v omega(%w)
        state(%s0) normalizer(%z0) causal feature_map favor
        : (tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x?x64xf32>,
           tensor<256x64xf32>, tensor<1x4x256x64xf32>, tensor<1x4x256xf32>)
        -> (tensor<1x4x?x64xf32>, final_state tensor<1x4x256x64xf32>,
            final_normalizer tensor<1x4x256xf32>)
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$q, EffAttn_Tensor:$k, EffAttn_Tensor:$v,
                       Optional<EffAttn_Tensor>:$omega,
                       Optional<EffAttn_Tensor>:$initial_state,
                       Optional<EffAttn_Tensor>:$initial_normalizer,
                       DefaultValuedAttr<EffAttn_FeatureMapAttr,
                                         "::mlir::effattn::FeatureMap::elu_plus_one">:$feature_map,
                       UnitAttr:$causal,
                       DefaultValuedAttr<BoolAttr, "true">:$normalize,
                       DefaultValuedAttr<F64Attr, "1e-6">:$eps,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale,
                       OptionalAttr<I64Attr>:$chunk_size);
  let results = (outs EffAttn_Tensor:$result,
                      Optional<EffAttn_Tensor>:$final_state,
                      Optional<EffAttn_Tensor>:$final_normalizer);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`omega` `(` $omega^ `)`)?
    (`state` `(` $initial_state^ `)`)?
    (`normalizer` `(` $initial_normalizer^ `)`)?
    (`causal` $causal^)? (`feature_map` `` $feature_map^)?
    (`normalize` `=` $normalize^)? (`eps` `=` $eps^)? (`scale` `=` $scale^)?
    (`chunk_size` `=` $chunk_size^)? attr-dict
    `:` `(` type(operands) `)` `->` `(` type($result)
    (`,` `final_state` type($final_state)^)?
    (`,` `final_normalizer` type($final_normalizer)^)? `)`
  }];
  let hasVerifier = 1;
}

def EffAttn_LowrankAttentionOp : EffAttn_Op<"lowrank_attention", [Pure]> {
  let summary = "Linformer: softmax attention against projected keys/values";
  let description = [{
    Projects keys and values along the sequence to `R` rows, then runs
    softmax attention against them:

    ```
    k~ = e_proj k   ([R, Dk]),   v~ = f_proj v   ([R, Dv])
    o_i = sum_r softmax_r(scale * q_i . k~_r) v~_r
    ```

    Operands: `q : [B, H, T, Dk]`, `k : [B, Hk, S, Dk]`, `v : [B, Hk, S, Dv]`,
    `e_proj, f_proj : [R, Smax]`. Result `[B, H, T, Dv]`. With a static `S`,
    `Smax == S`; with a dynamic `S`, the first `S` columns of the projections
    are used (`S <= Smax` at run time).

    Attribute: `scale` (default `1/sqrt(Dk)`). There is no `causal`: the
    projection mixes all positions, and the verifier rejects the attribute.

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static.
    2. `Dk`, `Dv` and `Smax` are static; `H` is a multiple of `Hk`.
    3. All operands and the result share one element type: f32, f16 or bf16.
    4. No `causal` attribute; `scale` is finite.

    Example:

    ```mlir
    %o = effattn.lowrank_attention %q, %k, %v, %e, %f
        : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>,
           tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>)
        -> tensor<1x8x512x64xf32>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$q, EffAttn_Tensor:$k, EffAttn_Tensor:$v,
                       EffAttn_Tensor:$e_proj, EffAttn_Tensor:$f_proj,
                       OptionalAttr<F64Attr>:$scale);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $e_proj `,` $f_proj (`scale` `=` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def EffAttn_LowrankKernelAttentionOp
    : EffAttn_Op<"lowrank_kernel_attention", [Pure]> {
  let summary = "FLuRKA: kernelized attention against projected keys/values";
  let description = [{
    Low-rank projection of keys and values (as `lowrank_attention`), then
    non-causal normalised kernelized attention (as `linear_attention`)
    against the `R` projected rows:

    ```
    k~ = e_proj k,  v~ = f_proj v
    o_i = phi(q_i)ᵀ (phi(k~)ᵀ v~) / (phi(q_i)ᵀ phi(k~)ᵀ 1 + eps)
    ```

    `scale` multiplies `q` only; the feature map applies to the projected
    keys `k~` (project first, then the feature map: the cheap order).

    Operands: `q, k, v` and `e_proj, f_proj` as in `lowrank_attention`,
    optional `omega : [M, Dk]` (exactly when `feature_map = favor`).
    Result `[B, H, T, Dv]`.

    Attributes: `feature_map` (default `elu_plus_one`), `eps` (default 1e-6),
    `scale` (default 1). No `causal`.

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static.
    2. `Dk`, `Dv`, `Smax` and `M` are static; `H` is a multiple of `Hk`.
    3. All operands and the result share one element type: f32, f16 or bf16.
    4. `omega` is present if and only if `feature_map = favor`.
    5. No `causal` attribute; `eps >= 0`; `scale` is finite.

    Cost: `4·T·R·D + 4·T·F·D + 4·R·F·D` FLOPs.

    Example:

    ```mlir
    %o = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f feature_map relu
        : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>,
           tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>)
        -> tensor<1x8x512x64xf32>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$q, EffAttn_Tensor:$k, EffAttn_Tensor:$v,
                       EffAttn_Tensor:$e_proj, EffAttn_Tensor:$f_proj,
                       Optional<EffAttn_Tensor>:$omega,
                       DefaultValuedAttr<EffAttn_FeatureMapAttr,
                                         "::mlir::effattn::FeatureMap::elu_plus_one">:$feature_map,
                       DefaultValuedAttr<F64Attr, "1e-6">:$eps,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $e_proj `,` $f_proj (`omega` `(` $omega^ `)`)?
    (`feature_map` `` $feature_map^)? (`eps` `=` $eps^)? (`scale` `=` $scale^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def EffAttn_PartitionedAttentionOp
    : EffAttn_Op<"partitioned_attention", [Pure]> {
  let summary = "Shatter's single-head relative-partition attention";
  let description = [{
    Self-attention whose weights are split over `P` soft partitions of the
    relative offset `r = i - j`, each with its own value projection:

    ```
    a_ij = softmax_j(scale * q_i . k_j)   or   sigmoid(scale * q_i . k_j)
    o_i  = sum_p sum_j a_ij * pi_p(i - j) * v_parts[p]_j
    ```

    `pi_p(r)` is stored at `partition[p, r + Tmax - 1]`. With `causal`,
    softmax is renormalised over `j <= i` and sigmoid weights for `j > i` are
    0; `pi` multiplies after the score function and need not sum to one.

    Operands: `q, k : [B, H, T, Dk]`, `v_parts : [B, H, P, T, Dv]`,
    `partition : [P, 2·Tmax - 1]`. Result `[B, H, T, Dv]`.

    Attributes: `scale` (default `1/sqrt(Dk)`), `score` (`softmax` default,
    `sigmoid`), `causal`.

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static (self-attention:
       keys have `T` rows and `H` heads).
    2. `Dk`, `Dv`, `P` and the partition width are static; the width is odd
       (`2·Tmax - 1`) and covers every offset: `T <= Tmax`.
    3. All operands and the result share one element type: f32, f16 or bf16.
    4. `scale` is finite.

    Example:

    ```mlir
    %o = effattn.partitioned_attention %q, %k, %vp, %pi score sigmoid
        : (tensor<2x1x?x64xf32>, tensor<2x1x?x64xf32>, tensor<2x1x4x?x64xf32>,
           tensor<4x1023xf32>) -> tensor<2x1x?x64xf32>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$q, EffAttn_Tensor:$k,
                       EffAttn_Tensor:$v_parts, EffAttn_Tensor:$partition,
                       OptionalAttr<F64Attr>:$scale,
                       DefaultValuedAttr<EffAttn_PartitionScoreAttr,
                                         "::mlir::effattn::PartitionScore::softmax">:$score,
                       UnitAttr:$causal);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v_parts `,` $partition (`causal` $causal^)?
    (`score` `` $score^)? (`scale` `=` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Feed-forward ops
//===----------------------------------------------------------------------===//

def EffAttn_SparseFFNOp : EffAttn_Op<"sparse_ffn", [Pure,
                                                    AttrSizedOperandSegments]> {
  let summary = "Scaling Transformers' sparse feed-forward layer (inference)";
  let description = [{
    A low-rank controller picks one unit out of every block of `N` units of
    the hidden layer; only the selected units are computed:

    ```
    logits = (x ctrl_down) ctrl_up + ctrl_bias          reshaped [Dff/N, N]
    u_b    = b·N + argmax_n logits[b, n]                (ties: the lowest n)
    y      = sum_b relu(x . w1[:, u_b] + b1[u_b]) * w2[u_b, :] + b2
    ```

    Only `Dff/N` columns of `w1` and rows of `w2` are read per token.

    Operands: `x : [batch..., D]`, `ctrl_down : [D, R]`, `ctrl_up : [R, Dff]`,
    `ctrl_bias : [Dff]`, `w1 : [D, Dff]`, optional `b1 : [Dff]`,
    `w2 : [Dff, D]`, optional `b2 : [D]`. Results: `y : [batch..., D]` and,
    optionally, the selected unit of each block as a global unit index,
    `[batch..., Dff/N]` of `i32`.

    Attribute: `block_size` N.

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static; `x` has rank >= 1.
    2. `D`, `R` and `Dff` are static; `block_size >= 1` divides `Dff`.
    3. All floating operands and `y` share one element type: f32, f16 or
       bf16; the selection result is `i32`.

    Example:

    ```mlir
    %y, %sel = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 b1(%b1)
        block_size = 32
        : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>,
           tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>,
           tensor<2048xf32>) -> (tensor<?x512xf32>, tensor<?x64xi32>)
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$x, EffAttn_Tensor:$ctrl_down,
                       EffAttn_Tensor:$ctrl_up, EffAttn_Tensor:$ctrl_bias,
                       EffAttn_Tensor:$w1, EffAttn_Tensor:$w2,
                       Optional<EffAttn_Tensor>:$b1,
                       Optional<EffAttn_Tensor>:$b2, I64Attr:$block_size);
  let results = (outs EffAttn_Tensor:$result,
                      Optional<EffAttn_Tensor>:$selected);
  let assemblyFormat = [{
    $x `,` $ctrl_down `,` $ctrl_up `,` $ctrl_bias `,` $w1 `,` $w2
    (`b1` `(` $b1^ `)`)? (`b2` `(` $b2^ `)`)? `block_size` `=` $block_size
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def EffAttn_MultiplicativeDenseOp
    : EffAttn_Op<"multiplicative_dense", [Pure]> {
  let summary = "the factored dense layer behind Scaling Transformers' sparse QKV";
  let description = [{
    A dense layer `Din -> S·M` whose weight is the product of two small
    factors:

    ```
    y[s·M + m] = sum_i x_i d[i, s] e[i, m] + bias[s·M + m]
    ```

    Operands: `x : [batch..., Din]`, `d : [Din, S]`, `e : [Din, M]`, optional
    `bias : [S·M]`. Result `[batch..., S·M]`.

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static; `x` has rank >= 1.
    2. `Din`, `S` and `M` are static.
    3. All operands and the result share one element type: f32, f16 or bf16.

    Example:

    ```mlir
    %y = effattn.multiplicative_dense %x, %d, %e bias(%b)
        : (tensor<?x512xf32>, tensor<512x8xf32>, tensor<512x64xf32>,
           tensor<512xf32>) -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$x, EffAttn_Tensor:$d, EffAttn_Tensor:$e,
                       Optional<EffAttn_Tensor>:$bias);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $d `,` $e (`bias` `(` $bias^ `)`)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// FLASH layer pieces
//===----------------------------------------------------------------------===//

def EffAttn_OffsetScaleOp : EffAttn_Op<"offset_scale", [Pure]> {
  let summary = "FLASH's per-dimension scale and offset";
  let description = [{
    Produces `N` cheap variants of one shared representation:

    ```
    result_n = z * gamma[n] + beta[n]     (broadcast over the leading dims)
    ```

    Operands: `z : [..., Dk]`, `gamma, beta : [N, Dk]`. Results: `N` tensors
    of the shape of `z` (each dim static or dynamic independently of `z`'s).

    Rules checked by the verifier:
    1. `z` has rank >= 1; `gamma` and `beta` are `[N, Dk]` with a static `N`
       equal to the number of results; every result has the shape of `z`
       (static sizes equal where both are static).
    2. `Dk` is static.
    3. All operands and results share one element type: f32, f16 or bf16.

    Example:

    ```mlir
    %q, %k = effattn.offset_scale %z, %gamma, %beta
        : (tensor<1x?x128xf32>, tensor<2x128xf32>, tensor<2x128xf32>)
        -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>)
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$z, EffAttn_Tensor:$gamma,
                       EffAttn_Tensor:$beta);
  let results = (outs Variadic<EffAttn_Tensor>:$results);
  let assemblyFormat = [{
    $z `,` $gamma `,` $beta attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def EffAttn_RelPosBiasOp : EffAttn_Op<"rel_pos_bias", [Pure]> {
  let summary = "relative position bias [T, S] from learned parameters";
  let description = [{
    Builds an additive attention bias from the offset `j - i` (no shift when
    `T != S`); the result type fixes `T` and `S`.

    * `t5_buckets`: `bias_ij = scale * params[bucket(j - i)]`, the standard T5
      bucketing: with `bidirectional` (default) the buckets are split by the
      sign of `j - i`, else keys after the query fall in bucket 0; within a
      side, half of the buckets are exact for small distances and the rest
      log-spaced up to `max_distance` (default 128). `num_buckets` defaults to
      the length of `params`.
    * `toeplitz`: `params` has `2·Smax - 1` entries and
      `bias_ij = scale * params[j - i + Smax - 1]`.

    `scale` (default 1) multiplies the bias.

    Rules checked by the verifier:
    1. `params` is 1-D and static; the result is 2-D and static.
    2. Both share one element type: f32, f16 or bf16.
    3. `t5_buckets`: `num_buckets <= len(params)`, at least 2 buckets per
       side, and `max_distance` larger than the exact range.
    4. `toeplitz`: `len(params)` is odd (`2·Smax - 1`), `T <= Smax` and
       `S <= Smax`; the T5-only attributes are absent.

    Example:

    ```mlir
    %b = effattn.rel_pos_bias t5_buckets %p max_distance = 64
        : (tensor<32xf32>) -> tensor<256x256xf32>
    ```
  }];
  let arguments = (ins EffAttn_RelPosBiasKindAttr:$kind,
                       EffAttn_Tensor:$params,
                       OptionalAttr<I64Attr>:$num_buckets,
                       OptionalAttr<I64Attr>:$max_distance,
                       OptionalAttr<BoolAttr>:$bidirectional,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    `` $kind $params (`num_buckets` `=` $num_buckets^)?
    (`max_distance` `=` $max_distance^)?
    (`bidirectional` `=` $bidirectional^)? (`scale` `=` $scale^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// T5 defaults: `len(params)` buckets, distances up to 128, both sides.
    int64_t getNumBucketsOrDefault();
    int64_t getMaxDistanceOrDefault() { return getMaxDistance().value_or(128); }
    bool getBidirectionalOrDefault() { return getBidirectional().value_or(true); }
  }];
  let hasVerifier = 1;
}

def EffAttn_GauOp : EffAttn_Op<"gau", [Pure, AttrSizedOperandSegments]> {
  let summary = "a whole gated attention unit (FLASH's layer, single head)";
  let description = [{
    FLASH's gated attention unit, without the normalisation and the residual
    (which stay outside):

    ```
    u = silu(x w_u + b_u);  v = silu(x w_v + b_v);  z = silu(x w_z + b_z)
    q, k (and q_lin, k_lin for mixed_chunk) = offset_scale(z, gamma, beta)
    y = (u * attention(q, k, v)) w_o + b_o           (single head: H = 1)
    ```

    `attention` is `quad_attention` (`quad`) or `mixed_chunk_attention`
    (`mixed_chunk`), with the attributes of the op it selects: `causal`,
    `activation`, `scale` (the score scale: `quad_attention`'s `scale`, or
    `mixed_chunk_attention`'s `quad_scale`), `scale_mode` (quad only), and
    `chunk_size`, `lin_scale_mode`, `lin_scale` (mixed_chunk only).

    Operands: `x : [B, T, D]`, `w_u, w_v : [D, E]`, `w_z : [D, Dk]`,
    `w_o : [E, D]`, `gamma, beta : [2|4, Dk]` (rows q, k for `quad`; q_quad,
    k_quad, q_lin, k_lin for `mixed_chunk`), optional biases
    `b_u, b_v : [E]`, `b_z : [Dk]`, `b_o : [D]`, and an optional relative
    bias: `[T, T]` for `quad`, `[C, C]` for `mixed_chunk`. Result `[B, T, D]`.

    Rules checked by the verifier:
    1. Ranks and sizes as above, wherever they are static.
    2. `D`, `E` and `Dk` are static.
    3. All operands and the result share one element type: f32, f16 or bf16.
    4. `chunk_size >= 1` is required by `mixed_chunk`; `chunk_size`,
       `lin_scale_mode` and `lin_scale` are rejected with `quad`, and
       `scale_mode` with `mixed_chunk`.

    Example:

    ```mlir
    %y = effattn.gau %x, %wu, %wv, %wz, %wo, %gamma, %beta
        attention mixed_chunk chunk_size = 128 causal
        : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>,
           tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>,
           tensor<4x128xf32>) -> tensor<1x?x256xf32>
    ```
  }];
  let arguments = (ins EffAttn_Tensor:$x, EffAttn_Tensor:$w_u,
                       EffAttn_Tensor:$w_v, EffAttn_Tensor:$w_z,
                       EffAttn_Tensor:$w_o, EffAttn_Tensor:$gamma,
                       EffAttn_Tensor:$beta, Optional<EffAttn_Tensor>:$b_u,
                       Optional<EffAttn_Tensor>:$b_v,
                       Optional<EffAttn_Tensor>:$b_z,
                       Optional<EffAttn_Tensor>:$b_o,
                       Optional<EffAttn_Tensor>:$bias,
                       EffAttn_GauAttentionAttr:$attention,
                       OptionalAttr<I64Attr>:$chunk_size, UnitAttr:$causal,
                       DefaultValuedAttr<EffAttn_ActivationAttr,
                                         "::mlir::effattn::Activation::relu2">:$activation,
                       OptionalAttr<F64Attr>:$scale,
                       OptionalAttr<EffAttn_ScaleModeAttr>:$scale_mode,
                       OptionalAttr<EffAttn_LinScaleModeAttr>:$lin_scale_mode,
                       OptionalAttr<F64Attr>:$lin_scale);
  let results = (outs EffAttn_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $w_u `,` $w_v `,` $w_z `,` $w_o `,` $gamma `,` $beta
    (`b_u` `(` $b_u^ `)`)? (`b_v` `(` $b_v^ `)`)? (`b_z` `(` $b_z^ `)`)?
    (`b_o` `(` $b_o^ `)`)? (`bias` `(` $bias^ `)`)?
    `attention` `` $attention (`chunk_size` `=` $chunk_size^)?
    (`causal` $causal^)? (`activation` `` $activation^)?
    (`scale_mode` `` $scale_mode^)? (`scale` `=` $scale^)?
    (`lin_scale_mode` `` $lin_scale_mode^)? (`lin_scale` `=` $lin_scale^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // EFFATTN_DIALECT_EFFATTN_IR_EFFATTNOPS_TD
