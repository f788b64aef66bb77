// effattn-map-to-gpu rejects host code that would still read or write memory
// outside a kernel.
//
// RUN: effattn-opt %s --effattn-map-to-gpu --verify-diagnostics --split-input-file

func.func @host_load(%x: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op left in host code: kernels were expected to perform every memory access}}
  %v = memref.load %x[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// Tensors are not buffers: the op stays (and the host-code check reports it).
func.func @on_tensors(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant 0.0 : f32
  // expected-error @+1 {{'linalg.fill' cannot be lowered to parallel loops}}
  %f = linalg.fill ins(%c : f32) outs(%x : tensor<4xf32>) -> tensor<4xf32>
  return %f : tensor<4xf32>
}
