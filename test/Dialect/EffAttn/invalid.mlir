// Every verifier rule of SPEC.md, one split each, with its exact message.
//
// RUN: effattn-opt %s -split-input-file -verify-diagnostics

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x32xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'k' dim 3 (Dk) is 32, but 'q' dim 3 (Dk) is 64}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x24x64xf32>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'v' dim 2 (S) is 16, but 'k' dim 2 (S) is 24}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x24x64xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<3x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'k' dim 0 (B) is 3, but 'q' dim 0 (B) is 2}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<3x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x3x?x64xf32>, %v: tensor<2x3x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'q' dim 1 (H) is 8, which is not a multiple of 'k' dim 1 (Hk) = 3}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x3x?x64xf32>, tensor<2x3x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'q' must be a 4-D tensor [B, H, T, Dk], got 'tensor<8x?x64xf32>'}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x?xf32>, %k: tensor<2x2x?x?xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'q' dim 3 (Dk) must be static}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x?xf32>, tensor<2x2x?x?xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x?xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'v' dim 3 (Dv) must be static}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x?xf32>) -> tensor<2x8x?x?xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf16>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'k' has element type 'f16', but 'q' has 'f32' (all floating operands and results share one element type)}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf16>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf64>, %k: tensor<2x2x?x64xf64>, %v: tensor<2x2x?x32xf64>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'q' has element type 'f64', but effattn ops take f32, f16 or bf16}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf64>, tensor<2x2x?x64xf64>, tensor<2x2x?x32xf64>) -> tensor<2x8x?x32xf64>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %b: tensor<1x3x?x?xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'bias' dim 1 (H|1) is 3, but 'q' dim 1 (H) is 8}}
  %0 = effattn.softmax_attention %q, %k, %v bias(%b) : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<1x3x?x?xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x16x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %b: tensor<2x8x15x?xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'bias' dim 2 (T) is 15, but 'q' dim 2 (T) is 16}}
  %0 = effattn.softmax_attention %q, %k, %v bias(%b) : (tensor<2x8x16x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x8x15x?xf32>) -> tensor<2x8x16x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'result' dim 3 (Dv) is 64, but 'v' dim 3 (Dv) is 32}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x64xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'result' dim 1 (H) is 2, but 'q' dim 1 (H) is 8}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x2x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'scale' must be finite, got INF}}
  %0 = effattn.softmax_attention %q, %k, %v scale = 0x7FF0000000000000 : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<*xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op operand #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<*xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op expected 3 or more operands, but found 2}}
  %0 = "effattn.softmax_attention"(%q, %k) : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>) -> tensor<2x8x?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.softmax_attention' op 'result' has element type 'f16', but 'q' has 'f32' (all floating operands and results share one element type)}}
  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> tensor<2x8x?x32xf16>
  return
}

// -----

func.func @f(%q: tensor<1x1x?x128xf32>, %k: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>) {
  // expected-error @+2 {{custom op 'effattn.quad_attention' expected ::mlir::effattn::Activation to be one of: relu2, laplace}}
  // expected-error @+1 {{custom op 'effattn.quad_attention' failed to parse EffAttn_ActivationAttr parameter 'value' which is to be a `::mlir::effattn::Activation`}}
  %0 = effattn.quad_attention %q, %k, %v activation cubic : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%q: tensor<1x1x?x128xf32>, %k: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>, %g: tensor<1x1x?x128xf32>) {
  // expected-error @+1 {{'effattn.quad_attention' op 'gate' dim 3 (Dv) is 128, but 'v' dim 3 (Dv) is 256}}
  %0 = effattn.quad_attention %q, %k, %v gate(%g) : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>, tensor<1x1x?x128xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%q: tensor<1x1x?x128xf32>, %k: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>, %b: tensor<2x1x?x?xf32>) {
  // expected-error @+1 {{'effattn.quad_attention' op 'bias' dim 0 (B|1) is 2, but 'q' dim 0 (B) is 1}}
  %0 = effattn.quad_attention %q, %k, %v bias(%b) : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>, tensor<2x1x?x?xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%q: tensor<1x1x?x128xf32>, %k: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>) {
  // expected-error @+2 {{custom op 'effattn.quad_attention' expected ::mlir::effattn::ScaleMode to be one of: inside, outside}}
  // expected-error @+1 {{custom op 'effattn.quad_attention' failed to parse EffAttn_ScaleModeAttr parameter 'value' which is to be a `::mlir::effattn::ScaleMode`}}
  %0 = effattn.quad_attention %q, %k, %v scale_mode sideways : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%a: tensor<1x1x?x128xf32>, %b: tensor<1x1x?x128xf32>, %c: tensor<1x1x?x128xf32>, %d: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>) {
  // expected-error @+1 {{'effattn.mixed_chunk_attention' op 'chunk_size' must be >= 1, got 0}}
  %0 = effattn.mixed_chunk_attention %a, %b, %c, %d, %v chunk_size = 0 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%a: tensor<1x1x?x128xf32>, %b: tensor<1x1x?x128xf32>, %c: tensor<1x1x?x128xf32>, %d: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>, %r: tensor<32x32xf32>) {
  // expected-error @+1 {{'effattn.mixed_chunk_attention' op 'bias' dim 0 (C) is 32, but chunk_size is 64}}
  %0 = effattn.mixed_chunk_attention %a, %b, %c, %d, %v bias(%r) chunk_size = 64 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>, tensor<32x32xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%a: tensor<1x1x?x128xf32>, %b: tensor<1x2x?x128xf32>, %c: tensor<1x1x?x128xf32>, %d: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>) {
  // expected-error @+1 {{'effattn.mixed_chunk_attention' op 'k_quad' dim 1 (H) is 2, but 'q_quad' dim 1 (H) is 1}}
  %0 = effattn.mixed_chunk_attention %a, %b, %c, %d, %v chunk_size = 64 : (tensor<1x1x?x128xf32>, tensor<1x2x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%a: tensor<1x1x?x128xf32>, %b: tensor<1x1x?x128xf32>, %c: tensor<1x1x99x128xf32>, %d: tensor<1x1x?x128xf32>, %v: tensor<1x1x100x256xf32>) {
  // expected-error @+1 {{'effattn.mixed_chunk_attention' op 'v' dim 2 (T) is 100, but 'q_lin' dim 2 (T) is 99}}
  %0 = effattn.mixed_chunk_attention %a, %b, %c, %d, %v chunk_size = 64 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x99x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x100x256xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%a: tensor<1x1x?x128xf32>, %b: tensor<1x1x?x128xf32>, %c: tensor<1x1x?x128xf32>, %d: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>, %g: tensor<1x1x?x128xf32>) {
  // expected-error @+1 {{'effattn.mixed_chunk_attention' op 'gate' dim 3 (Dv) is 128, but 'v' dim 3 (Dv) is 256}}
  %0 = effattn.mixed_chunk_attention %a, %b, %c, %d, %v gate(%g) chunk_size = 64 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>, tensor<1x1x?x128xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%a: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>) {
  // expected-error @+1 {{'effattn.mixed_chunk_attention' op requires attribute 'chunk_size'}}
  %0 = "effattn.mixed_chunk_attention"(%a, %a, %a, %a, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0, 0>}> : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%a: tensor<1x1x?x128xf32>, %b: tensor<1x1x?x128xf32>, %c: tensor<1x1x?x128xf32>, %d: tensor<1x1x?x128xf32>, %v: tensor<1x1x?x256xf32>) {
  // expected-error @+1 {{'effattn.mixed_chunk_attention' op 'lin_scale' must be finite, got nan}}
  %0 = effattn.mixed_chunk_attention %a, %b, %c, %d, %v chunk_size = 64 lin_scale = 0x7FF8000000000000 : (tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x128xf32>, tensor<1x1x?x256xf32>) -> tensor<1x1x?x256xf32>
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op feature_map favor requires the random features 'omega' [M, Dk]}}
  %0 = effattn.linear_attention %q, %k, %v feature_map favor : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %w: tensor<16x64xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'omega' is only used by feature_map favor, but feature_map is elu_plus_one}}
  %0 = effattn.linear_attention %q, %k, %v omega(%w) : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<16x64xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %w: tensor<16x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'omega' dim 1 (Dk) is 32, but 'q' dim 3 (Dk) is 64}}
  %0 = effattn.linear_attention %q, %k, %v omega(%w) feature_map favor : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<16x32xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %w: tensor<16x64xf32>, %s: tensor<2x2x64x32xf32>, %z: tensor<2x2x64xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'initial_state' dim 2 (M) is 64, but 'omega' dim 0 (M) is 16}}
  %0 = effattn.linear_attention %q, %k, %v omega(%w) state(%s) normalizer(%z) feature_map favor : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<16x64xf32>, tensor<2x2x64x32xf32>, tensor<2x2x64xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %s: tensor<2x2x64x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'initial_state' with normalize = true also needs 'initial_normalizer' (the running sum of phi(k))}}
  %0 = effattn.linear_attention %q, %k, %v state(%s) : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x2x64x32xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %s: tensor<2x2x64x32xf32>, %z: tensor<2x2x64xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'initial_normalizer' requires normalize = true}}
  %0 = effattn.linear_attention %q, %k, %v state(%s) normalizer(%z) normalize = false : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x2x64x32xf32>, tensor<2x2x64xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'final_normalizer' requires normalize = true}}
  %0:3 = effattn.linear_attention %q, %k, %v normalize = false : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>, final_state tensor<2x2x64x32xf32>, final_normalizer tensor<2x2x64xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'final_state' dim 1 (Hk) is 8, but 'k' dim 1 (Hk) is 2}}
  %0:2 = effattn.linear_attention %q, %k, %v : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>, final_state tensor<2x8x64x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'eps' must be finite and >= 0, got -1.000000e+00}}
  %0 = effattn.linear_attention %q, %k, %v eps = -1.0 : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'chunk_size' must be >= 1, got 0}}
  %0 = effattn.linear_attention %q, %k, %v chunk_size = 0 : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %z: tensor<2x2x64xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'initial_normalizer' needs 'initial_state' as well}}
  %0 = effattn.linear_attention %q, %k, %v normalizer(%z) : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x2x64xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'final_normalizer' needs 'final_state' as well}}
  %0:2 = "effattn.linear_attention"(%q, %k, %v) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 1>}> : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>, tensor<2x2x64xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>, %s: tensor<2x2x64x32xf16>, %z: tensor<2x2x64xf16>) {
  // expected-error @+1 {{'effattn.linear_attention' op 'initial_state' has element type 'f16', but 'q' has 'f32' (all floating operands and results share one element type)}}
  %0 = effattn.linear_attention %q, %k, %v state(%s) normalizer(%z) : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>, tensor<2x2x64x32xf16>, tensor<2x2x64xf16>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x32xf32>) {
  // expected-error @+2 {{custom op 'effattn.linear_attention' expected ::mlir::effattn::FeatureMap to be one of: identity, elu_plus_one, relu, favor}}
  // expected-error @+1 {{custom op 'effattn.linear_attention' failed to parse EffAttn_FeatureMapAttr parameter 'value' which is to be a `::mlir::effattn::FeatureMap`}}
  %0 = effattn.linear_attention %q, %k, %v feature_map softplus : (tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x32xf32>) -> (tensor<2x8x?x32xf32>)
  return
}

// -----

func.func @f(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x512xf32>, %f: tensor<128x512xf32>) {
  // expected-error @+1 {{'effattn.lowrank_attention' op does not support 'causal': the low-rank projection of keys and values mixes all sequence positions}}
  %0 = effattn.lowrank_attention %q, %k, %v, %e, %f {causal} : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
  return
}

// -----

func.func @f(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x500xf32>, %f: tensor<128x512xf32>) {
  // expected-error @+1 {{'effattn.lowrank_attention' op 'e_proj' dim 1 (S) is 500, but 'k' dim 2 (S) is 512}}
  %0 = effattn.lowrank_attention %q, %k, %v, %e, %f : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x500xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
  return
}

// -----

func.func @f(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x512xf32>, %f: tensor<64x512xf32>) {
  // expected-error @+1 {{'effattn.lowrank_attention' op 'f_proj' dim 0 (R) is 64, but 'e_proj' dim 0 (R) is 128}}
  %0 = effattn.lowrank_attention %q, %k, %v, %e, %f : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<64x512xf32>) -> tensor<1x8x512x64xf32>
  return
}

// -----

func.func @f(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x?x64xf32>, %v: tensor<1x8x?x64xf32>, %e: tensor<128x?xf32>, %f: tensor<128x?xf32>) {
  // expected-error @+1 {{'effattn.lowrank_attention' op 'e_proj' dim 1 (Smax) must be static}}
  %0 = effattn.lowrank_attention %q, %k, %v, %e, %f : (tensor<1x8x512x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<128x?xf32>, tensor<128x?xf32>) -> tensor<1x8x512x64xf32>
  return
}

// -----

func.func @f(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x512xf32>, %f: tensor<128x512xf32>) {
  // expected-error @+1 {{'effattn.lowrank_kernel_attention' op does not support 'causal': the low-rank projection of keys and values mixes all sequence positions}}
  %0 = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f {causal} : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
  return
}

// -----

func.func @f(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x512xf32>, %f: tensor<128x512xf32>) {
  // expected-error @+1 {{'effattn.lowrank_kernel_attention' op feature_map favor requires the random features 'omega' [M, Dk]}}
  %0 = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f feature_map favor : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
  return
}

// -----

func.func @f(%q: tensor<1x8x512x64xf32>, %k: tensor<1x8x512x64xf32>, %v: tensor<1x8x512x64xf32>, %e: tensor<128x512xf32>, %f: tensor<128x512xf32>) {
  // expected-error @+1 {{'effattn.lowrank_kernel_attention' op 'eps' must be finite and >= 0, got -1.000000e-06}}
  %0 = effattn.lowrank_kernel_attention %q, %k, %v, %e, %f eps = -1.0e-06 : (tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<1x8x512x64xf32>, tensor<128x512xf32>, tensor<128x512xf32>) -> tensor<1x8x512x64xf32>
  return
}

// -----

func.func @f(%q: tensor<2x1x64x64xf32>, %k: tensor<2x1x64x64xf32>, %v: tensor<2x1x4x64x32xf32>, %p: tensor<4x101xf32>) {
  // expected-error @+1 {{'effattn.partitioned_attention' op 'partition' dim 1 is 101 (Tmax = 51), too short for sequence length T = 64 (needs at least 127)}}
  %0 = effattn.partitioned_attention %q, %k, %v, %p : (tensor<2x1x64x64xf32>, tensor<2x1x64x64xf32>, tensor<2x1x4x64x32xf32>, tensor<4x101xf32>) -> tensor<2x1x64x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x1x64x64xf32>, %k: tensor<2x1x64x64xf32>, %v: tensor<2x1x4x64x32xf32>, %p: tensor<4x128xf32>) {
  // expected-error @+1 {{'effattn.partitioned_attention' op 'partition' dim 1 is 128, but must be odd (2 * Tmax - 1 relative offsets)}}
  %0 = effattn.partitioned_attention %q, %k, %v, %p : (tensor<2x1x64x64xf32>, tensor<2x1x64x64xf32>, tensor<2x1x4x64x32xf32>, tensor<4x128xf32>) -> tensor<2x1x64x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x1x64x64xf32>, %k: tensor<2x1x64x64xf32>, %v: tensor<2x1x4x64x32xf32>, %p: tensor<3x127xf32>) {
  // expected-error @+1 {{'effattn.partitioned_attention' op 'partition' dim 0 (P) is 3, but 'v_parts' dim 2 (P) is 4}}
  %0 = effattn.partitioned_attention %q, %k, %v, %p : (tensor<2x1x64x64xf32>, tensor<2x1x64x64xf32>, tensor<2x1x4x64x32xf32>, tensor<3x127xf32>) -> tensor<2x1x64x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x1x64x64xf32>, %k: tensor<2x1x32x64xf32>, %v: tensor<2x1x4x64x32xf32>, %p: tensor<4x127xf32>) {
  // expected-error @+1 {{'effattn.partitioned_attention' op 'k' dim 2 (T) is 32, but 'q' dim 2 (T) is 64}}
  %0 = effattn.partitioned_attention %q, %k, %v, %p : (tensor<2x1x64x64xf32>, tensor<2x1x32x64xf32>, tensor<2x1x4x64x32xf32>, tensor<4x127xf32>) -> tensor<2x1x64x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x1x64x64xf32>, %k: tensor<2x1x64x64xf32>, %v: tensor<2x1x4x64x32xf32>, %p: tensor<4x?xf32>) {
  // expected-error @+1 {{'effattn.partitioned_attention' op 'partition' dim 1 (W) must be static}}
  %0 = effattn.partitioned_attention %q, %k, %v, %p : (tensor<2x1x64x64xf32>, tensor<2x1x64x64xf32>, tensor<2x1x4x64x32xf32>, tensor<4x?xf32>) -> tensor<2x1x64x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x1x64x64xf32>, %k: tensor<2x1x64x64xf32>, %v: tensor<2x1x?x64x32xf32>, %p: tensor<4x127xf32>) {
  // expected-error @+1 {{'effattn.partitioned_attention' op 'v_parts' dim 2 (P) must be static}}
  %0 = effattn.partitioned_attention %q, %k, %v, %p : (tensor<2x1x64x64xf32>, tensor<2x1x64x64xf32>, tensor<2x1x?x64x32xf32>, tensor<4x127xf32>) -> tensor<2x1x64x32xf32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'ctrl_up' dim 1 (Dff) is 2048, which is not a multiple of block_size = 48}}
  %0 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 48 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'block_size' must be >= 1, got 0}}
  %0 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 0 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<256x2048xf32>, %w2: tensor<2048x512xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'w1' dim 0 (D) is 256, but 'x' dim 1 (D) is 512}}
  %0 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<256x2048xf32>, tensor<2048x512xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'selected' has element type 'i64', but must have i32}}
  %0:2 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> (tensor<?x512xf32>, tensor<?x64xi64>)
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'selected' dim 1 (Dff/N) is 32, but Dff / block_size is 64}}
  %0:2 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> (tensor<?x512xf32>, tensor<?x32xi32>)
  return
}

// -----

func.func @f(%x: tensor<2x?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'result' batch dims [3, ?] do not match 'x' batch dims [2, ?]}}
  %0 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32 : (tensor<2x?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> tensor<3x?x512xf32>
  return
}

// -----

func.func @f(%x: tensor<?x?xf32>, %cd: tensor<?x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<?x2048xf32>, %w2: tensor<2048x?xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'x' dim 1 (D) must be static}}
  %0 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32 : (tensor<?x?xf32>, tensor<?x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<?x2048xf32>, tensor<2048x?xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>, %b1: tensor<1024xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'b1' dim 0 (Dff) is 1024, but 'ctrl_up' dim 1 (Dff) is 2048}}
  %0 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 b1(%b1) block_size = 32 : (tensor<?x512xf32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>, tensor<1024xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>, %cd: tensor<512x64xf32>, %cu: tensor<64x2048xf32>, %cb: tensor<2048xf32>, %w1: tensor<512x2048xf32>, %w2: tensor<2048x512xf32>) {
  // expected-error @+1 {{'effattn.sparse_ffn' op 'x' must be a tensor of rank >= 1 [..., D], got 'tensor<f32>'}}
  %0 = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 32 : (tensor<f32>, tensor<512x64xf32>, tensor<64x2048xf32>, tensor<2048xf32>, tensor<512x2048xf32>, tensor<2048x512xf32>) -> tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %d: tensor<512x8xf32>, %e: tensor<512x64xf32>) {
  // expected-error @+1 {{'effattn.multiplicative_dense' op 'result' dim 1 (S*M) is 256, but S * M (from 'd' and 'e') is 512}}
  %0 = effattn.multiplicative_dense %x, %d, %e : (tensor<?x512xf32>, tensor<512x8xf32>, tensor<512x64xf32>) -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %d: tensor<256x8xf32>, %e: tensor<512x64xf32>) {
  // expected-error @+1 {{'effattn.multiplicative_dense' op 'd' dim 0 (Din) is 256, but 'x' dim 1 (Din) is 512}}
  %0 = effattn.multiplicative_dense %x, %d, %e : (tensor<?x512xf32>, tensor<256x8xf32>, tensor<512x64xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%x: tensor<?x512xf32>, %d: tensor<512x8xf32>, %e: tensor<512x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'effattn.multiplicative_dense' op 'bias' dim 0 (S*M) is 64, but S * M (from 'd' and 'e') is 512}}
  %0 = effattn.multiplicative_dense %x, %d, %e bias(%b) : (tensor<?x512xf32>, tensor<512x8xf32>, tensor<512x64xf32>, tensor<64xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @f(%z: tensor<1x?x128xf32>, %g: tensor<2x128xf32>, %b: tensor<2x128xf32>) {
  // expected-error @+1 {{'effattn.offset_scale' op has 3 results, but 'gamma' and 'beta' have N = 2 rows (one result per row)}}
  %0:3 = effattn.offset_scale %z, %g, %b : (tensor<1x?x128xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>, tensor<1x?x128xf32>)
  return
}

// -----

func.func @f(%z: tensor<1x5x128xf32>, %g: tensor<2x128xf32>, %b: tensor<2x128xf32>) {
  // expected-error @+1 {{'effattn.offset_scale' op result #1 has type 'tensor<1x7x128xf32>', but 'z' has type 'tensor<1x5x128xf32>'}}
  %0:2 = effattn.offset_scale %z, %g, %b : (tensor<1x5x128xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x7x128xf32>)
  return
}

// -----

// A result of another element type than 'z' (found by effattn-fuzz: the
// lowering built an invalid tensor.cast).
func.func @f(%z: tensor<1x?x128xf32>, %g: tensor<2x128xf32>, %b: tensor<2x128xf32>) {
  // expected-error @+1 {{'effattn.offset_scale' op result #1 has element type 'bf16', but 'z' has 'f32' (all floating operands and results share one element type)}}
  %0:2 = effattn.offset_scale %z, %g, %b : (tensor<1x?x128xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xbf16>)
  return
}

// -----

func.func @f(%z: tensor<1x?x128xf32>, %g: tensor<2x128xf32>, %b: tensor<4x128xf32>) {
  // expected-error @+1 {{'effattn.offset_scale' op 'beta' dim 0 (N) is 4, but 'gamma' dim 0 (N) is 2}}
  %0:2 = effattn.offset_scale %z, %g, %b : (tensor<1x?x128xf32>, tensor<2x128xf32>, tensor<4x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>)
  return
}

// -----

func.func @f(%z: tensor<1x?x128xf32>, %g: tensor<?x128xf32>, %b: tensor<?x128xf32>) {
  // expected-error @+1 {{'effattn.offset_scale' op 'gamma' dim 0 (N) must be static}}
  %0:2 = effattn.offset_scale %z, %g, %b : (tensor<1x?x128xf32>, tensor<?x128xf32>, tensor<?x128xf32>) -> (tensor<1x?x128xf32>, tensor<1x?x128xf32>)
  return
}

// -----

func.func @f(%p: tensor<32xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op 'result' dim 0 (T) must be static}}
  %0 = effattn.rel_pos_bias t5_buckets %p : (tensor<32xf32>) -> tensor<?x128xf32>
  return
}

// -----

func.func @f(%p: tensor<4x8xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op 'params' must be a 1-D tensor [P], got 'tensor<4x8xf32>'}}
  %0 = effattn.rel_pos_bias t5_buckets %p : (tensor<4x8xf32>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%p: tensor<510xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op toeplitz 'params' has 510 entries, but must have 2 * Smax - 1 (odd)}}
  %0 = effattn.rel_pos_bias toeplitz %p : (tensor<510xf32>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%p: tensor<255xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op toeplitz 'params' has 255 entries (Smax = 128), too few for a 64x200 bias (needs Smax >= 200)}}
  %0 = effattn.rel_pos_bias toeplitz %p : (tensor<255xf32>) -> tensor<64x200xf32>
  return
}

// -----

func.func @f(%p: tensor<511xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op 'num_buckets' is only used by kind t5_buckets}}
  %0 = effattn.rel_pos_bias toeplitz %p num_buckets = 32 : (tensor<511xf32>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%p: tensor<32xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op 'num_buckets' is 64, but must be in [1, 32] ('params' has 32 entries)}}
  %0 = effattn.rel_pos_bias t5_buckets %p num_buckets = 64 : (tensor<32xf32>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%p: tensor<32xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op t5_buckets needs at least 2 buckets per side, got 2 bucket(s) split by sign}}
  %0 = effattn.rel_pos_bias t5_buckets %p num_buckets = 2 : (tensor<32xf32>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%p: tensor<32xf32>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op 'max_distance' is 8, but must exceed the 8 exactly-bucketed distances}}
  %0 = effattn.rel_pos_bias t5_buckets %p max_distance = 8 : (tensor<32xf32>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%p: tensor<32xf16>) {
  // expected-error @+1 {{'effattn.rel_pos_bias' op 'result' has element type 'f32', but 'params' has 'f16' (all floating operands and results share one element type)}}
  %0 = effattn.rel_pos_bias t5_buckets %p : (tensor<32xf16>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%p: tensor<32xf32>) {
  // expected-error @+2 {{custom op 'effattn.rel_pos_bias' expected ::mlir::effattn::RelPosBiasKind to be one of: t5_buckets, toeplitz}}
  // expected-error @+1 {{custom op 'effattn.rel_pos_bias' failed to parse EffAttn_RelPosBiasKindAttr parameter 'value' which is to be a `::mlir::effattn::RelPosBiasKind`}}
  %0 = effattn.rel_pos_bias chebyshev %p : (tensor<32xf32>) -> tensor<128x128xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<4x128xf32>, %be: tensor<4x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op attention mixed_chunk requires 'chunk_size'}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention mixed_chunk : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>, tensor<4x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<2x128xf32>, %be: tensor<2x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'chunk_size' is only used by attention mixed_chunk}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention quad chunk_size = 64 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<2x128xf32>, %be: tensor<2x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'lin_scale' is only used by attention mixed_chunk}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention quad lin_scale = 2.0 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<4x128xf32>, %be: tensor<4x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'scale_mode' is only used by attention quad}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention mixed_chunk chunk_size = 64 scale_mode outside : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>, tensor<4x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<4x128xf32>, %be: tensor<4x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'gamma' dim 0 (rows) is 4, but the row count of attention quad is 2}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention quad : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>, tensor<4x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<256x256xf32>, %g: tensor<2x128xf32>, %be: tensor<2x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'w_o' dim 0 (E) is 256, but 'w_u' dim 1 (E) is 512}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention quad : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<256x256xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<4x128xf32>, %be: tensor<4x128xf32>, %r: tensor<128x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'bias' dim 0 (C) is 128, but chunk_size is 64}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be bias(%r) attention mixed_chunk chunk_size = 64 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>, tensor<4x128xf32>, tensor<128x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<4x128xf32>, %be: tensor<4x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'chunk_size' must be >= 1, got 0}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention mixed_chunk chunk_size = 0 : (tensor<1x?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<4x128xf32>, tensor<4x128xf32>) -> tensor<1x?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<?x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<2x128xf32>, %be: tensor<2x128xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'x' must be a 3-D tensor [B, T, D], got 'tensor<?x256xf32>'}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be attention quad : (tensor<?x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<2x128xf32>, tensor<2x128xf32>) -> tensor<?x256xf32>
  return
}

// -----

func.func @f(%x: tensor<1x100x256xf32>, %wu: tensor<256x512xf32>, %wv: tensor<256x512xf32>, %wz: tensor<256x128xf32>, %wo: tensor<512x256xf32>, %g: tensor<2x128xf32>, %be: tensor<2x128xf32>, %r: tensor<64x64xf32>) {
  // expected-error @+1 {{'effattn.gau' op 'bias' dim 0 (T) is 64, but 'x' dim 1 (T) is 100}}
  %0 = effattn.gau %x, %wu, %wv, %wz, %wo, %g, %be bias(%r) attention quad : (tensor<1x100x256xf32>, tensor<256x512xf32>, tensor<256x512xf32>, tensor<256x128xf32>, tensor<512x256xf32>, tensor<2x128xf32>, tensor<2x128xf32>, tensor<64x64xf32>) -> tensor<1x100x256xf32>
  return
}
