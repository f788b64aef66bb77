// effattn-map-to-gpu tensor-cores: an f16 x f16 -> f32 contraction becomes a
// kernel of 64x64 tiles, 128 threads, the A and B slices and the
// accumulator tile in workgroup memory, mma.sync on ldmatrix in the k loop
// and the accumulators added to C with bounds checks; with emit-launch=false
// the same vector code as loops for the CPU. Other ops keep the one thread
// per output mapping.
//
// RUN: effattn-opt %s --split-input-file --effattn-map-to-gpu="tensor-cores" | FileCheck %s
// RUN: effattn-opt %s --split-input-file --effattn-map-to-gpu="tensor-cores emit-launch=false" \
// RUN:   | FileCheck %s --check-prefix=CPU

#map_a = affine_map<(b, m, n, k) -> (b, m, k)>
#map_b = affine_map<(b, m, n, k) -> (b, n, k)>
#map_c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @qk(%a: memref<2x?x40xf16>, %b: memref<2x?x40xf16>, %c: memref<2x?x?xf32>) {
  linalg.generic {indexing_maps = [#map_a, #map_b, #map_c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x?x40xf16>, memref<2x?x40xf16>) outs(%c : memref<2x?x?xf32>) {
  ^bb0(%x: f16, %y: f16, %z: f32):
    %0 = arith.extf %x : f16 to f32
    %1 = arith.extf %y : f16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %z, %2 : f32
    linalg.yield %3 : f32
  }
  return
}

// CHECK-LABEL: func.func @qk(
// CHECK-SAME:      %[[A:[^:]+]]: memref<2x?x40xf16>, %[[B:[^:]+]]: memref<2x?x40xf16>, %[[C:[^:]+]]: memref<2x?x?xf32>)
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in (%{{.*}} = %c128{{[_0-9]*}},
// CHECK-SAME:        module(@qk_k0_mma) function(@qk_k0_mma)
// CHECK-SAME:        workgroup(%[[SA:.+]] : memref<64x32xf16, #gpu.address_space<workgroup>>, %[[SB:.+]] : memref<64x32xf16, #gpu.address_space<workgroup>>, %[[SC:.+]] : memref<64x64xf32, #gpu.address_space<workgroup>>)
// The k loop carries the mma accumulators (vector<2x2xf32> fragments; the
// replaced vector<16x8xf32> ones are left for canonicalize to drop).
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> ({{.*}}vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// Staging: zero outside the operands.
// CHECK:             scf.if %{{.*}} -> (f16) {
// CHECK:               memref.load %[[A]]
// CHECK:             memref.store %{{.*}}, %[[SA]]
// CHECK:             memref.load %[[B]]
// CHECK:             memref.store %{{.*}}, %[[SB]]
// CHECK:             gpu.barrier
// CHECK:             nvgpu.ldmatrix %[[SA]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK:             nvgpu.ldmatrix %[[SB]]{{.*}} {numTiles = 2 : i32, transpose = false}
// CHECK:             nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-15:    nvgpu.mma.sync
// CHECK:             gpu.barrier
// CHECK:             scf.yield
// Epilogue: fragments to the accumulator tile, then C += tile in bounds.
// CHECK:           vector.store %{{.*}}, %[[SC]]{{.*}} vector<2xf32>
// CHECK:           gpu.barrier
// CHECK:           scf.if
// CHECK:             %[[OLD:.+]] = memref.load %[[C]]
// CHECK:             %[[ACC:.+]] = memref.load %[[SC]]
// CHECK:             %[[SUM:.+]] = arith.addf %[[OLD]], %[[ACC]] : f32
// CHECK:             memref.store %[[SUM]], %[[C]]
// CHECK-NOT:     vector.contract

// CPU-LABEL: func.func @qk(
// CPU:         scf.parallel
// CPU:           %[[SA:.+]] = memref.alloc() : memref<64x32xf16>
// CPU:           %[[SB:.+]] = memref.alloc() : memref<64x32xf16>
// CPU:           %[[SC:.+]] = memref.alloc() : memref<64x64xf32>
// CPU:           linalg.fill {{.*}} outs(%[[SC]]
// CPU:           scf.for
// The threads of one staging phase, then the warps.
// CPU:             scf.for %{{.*}} = %c0{{.*}} to %c128
// CPU:             scf.for %{{.*}} = %c0{{.*}} to %c4
// CPU:               vector.transfer_read %[[SC]]
// CPU:               vector.transfer_read %[[SA]]{{.*}} vector<16x16xf16>
// CPU:               vector.transfer_read %[[SB]]{{.*}} vector<8x16xf16>
// CPU:               vector.contract {{.*}} : vector<16x16xf32>, vector<8x16xf32> into vector<16x8xf32>
// CPU:               vector.transfer_write {{.*}}, %[[SC]]
// CPU:           memref.dealloc %[[SA]]
// CPU-NOT:       gpu.

// -----

// f32 operands: no tensor cores, one thread per output.
func.func @f32(%a: memref<8x16xf32>, %b: memref<16x8xf32>, %c: memref<8x8xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x8xf32>) outs(%c : memref<8x8xf32>)
  return
}
// CHECK-LABEL: func.func @f32(
// CHECK:         gpu.launch {{.*}} module(@f32_k0_matmul) function(@f32_k0_matmul)
// CHECK-NOT:     workgroup
// CHECK-NOT:     nvgpu
