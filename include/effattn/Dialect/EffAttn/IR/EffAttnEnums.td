//===- EffAttnEnums.td - effattn enum attributes -----------*- tablegen -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_DIALECT_EFFATTN_IR_EFFATTNENUMS_TD
#define EFFATTN_DIALECT_EFFATTN_IR_EFFATTNENUMS_TD

include "effattn/Dialect/EffAttn/IR/EffAttnDialect.td"
include "mlir/IR/EnumAttr.td"

// Every enum is an attribute printed as a bare keyword inside ops
// (`activation laplace`) and as `#effattn<activation laplace>` elsewhere.
class EffAttn_EnumAttr<EnumInfo info, string mnemonic>
    : EnumAttr<EffAttn_Dialect, info, mnemonic>;

def EffAttn_Activation : I32EnumAttr<"Activation",
    "score activation of the un-normalised (GAU) attentions", [
      I32EnumAttrCase<"relu2", 0>,
      I32EnumAttrCase<"laplace", 1>
    ]> {
  let description = [{
    `relu2(x) = max(x, 0)^2`;
    `laplace(x) = 0.5 * (1 + erf((x - sqrt(0.5)) / (sqrt(2) * sigma)))` with
    `sigma = 1 / sqrt(4 * pi)`.
  }];
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::effattn";
}
def EffAttn_ActivationAttr : EffAttn_EnumAttr<EffAttn_Activation, "activation">;

def EffAttn_ScaleMode : I32EnumAttr<"ScaleMode",
    "where the score scale of quad_attention is applied", [
      I32EnumAttrCase<"inside", 0>,
      I32EnumAttrCase<"outside", 1>
    ]> {
  let description = [{
    `inside`: `act(scale * q.k + bias)`; `outside`: `scale * act(q.k + bias)`.
  }];
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::effattn";
}
def EffAttn_ScaleModeAttr : EffAttn_EnumAttr<EffAttn_ScaleMode, "scale_mode">;

def EffAttn_LinScaleMode : I32EnumAttr<"LinScaleMode",
    "scale of the linear term of mixed_chunk_attention", [
      I32EnumAttrCase<"inverse_length", 0>,
      I32EnumAttrCase<"inverse_chunk", 1>,
      I32EnumAttrCase<"none", 2>
    ]> {
  let description = [{
    `inverse_length`: `1/T` non-causal, `1/(g*C)` for causal chunk `g >= 1`;
    `inverse_chunk`: `1/C`; `none`: 1.
  }];
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::effattn";
}
def EffAttn_LinScaleModeAttr
    : EffAttn_EnumAttr<EffAttn_LinScaleMode, "lin_scale_mode">;

def EffAttn_FeatureMap : I32EnumAttr<"FeatureMap",
    "feature map phi of kernelized attention", [
      I32EnumAttrCase<"identity", 0>,
      I32EnumAttrCase<"elu_plus_one", 1>,
      I32EnumAttrCase<"relu", 2>,
      I32EnumAttrCase<"favor", 3>
    ]> {
  let description = [{
    `identity(x) = x`; `elu_plus_one(x) = elu(x) + 1`; `relu(x) = max(x, 0)`;
    `favor(x) = exp(omega x' - |x'|^2 / 2) / sqrt(M)` with `x' = x / Dk^(1/4)`
    (Performer's positive random features; needs `omega : [M, Dk]`).
  }];
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::effattn";
}
def EffAttn_FeatureMapAttr
    : EffAttn_EnumAttr<EffAttn_FeatureMap, "feature_map">;

def EffAttn_PartitionScore : I32EnumAttr<"PartitionScore",
    "score function of partitioned_attention", [
      I32EnumAttrCase<"softmax", 0>,
      I32EnumAttrCase<"sigmoid", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::effattn";
}
def EffAttn_PartitionScoreAttr
    : EffAttn_EnumAttr<EffAttn_PartitionScore, "score">;

def EffAttn_RelPosBiasKind : I32EnumAttr<"RelPosBiasKind",
    "parameterisation of rel_pos_bias", [
      I32EnumAttrCase<"t5_buckets", 0>,
      I32EnumAttrCase<"toeplitz", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::effattn";
}
def EffAttn_RelPosBiasKindAttr
    : EffAttn_EnumAttr<EffAttn_RelPosBiasKind, "rel_pos_bias_kind">;

def EffAttn_GauAttention : I32EnumAttr<"GauAttention",
    "attention used inside a gated attention unit", [
      I32EnumAttrCase<"quad", 0>,
      I32EnumAttrCase<"mixed_chunk", 1>
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::effattn";
}
def EffAttn_GauAttentionAttr
    : EffAttn_EnumAttr<EffAttn_GauAttention, "gau_attention">;

#endif // EFFATTN_DIALECT_EFFATTN_IR_EFFATTNENUMS_TD
