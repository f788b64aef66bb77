// effattn-gpu-buffers reports a host stack buffer: kernels could not read it.
//
// RUN: effattn-opt %s --verify-diagnostics --effattn-gpu-buffers -o /dev/null

func.func @host_stack(%x: memref<4xf32>) {
  // expected-error @+1 {{'memref.alloca' op in host code: its buffer cannot be placed in GPU memory}}
  %t = memref.alloca() : memref<4xf32>
  memref.copy %x, %t : memref<4xf32> to memref<4xf32>
  return
}
