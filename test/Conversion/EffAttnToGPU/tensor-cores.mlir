// effattn-map-to-gpu tensor-cores: an f16 (or bf16) contraction into f32 becomes a
// kernel of 64x64 tiles, 128 threads, the A and B slices (two stages,
// cp.async where the rows are 16-byte aligned) and the accumulator tile in
// workgroup memory, mma.sync on ldmatrix in the k loop and the accumulators
// added to C with bounds checks; with emit-launch=false the same vector code
// as loops for the CPU. The tuning table's choice on the op (warps, stages,
// mma = "none") and the pass options shape the kernel. Other ops keep the
// one thread per output mapping.
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
// Host side: 16-byte copies only where the rows of A and B are 16-byte aligned.
// CHECK:         memref.extract_strided_metadata %[[A]]
// CHECK:         memref.extract_aligned_pointer_as_index %[[A]]
// CHECK:         memref.extract_strided_metadata %[[B]]
// CHECK:         memref.extract_aligned_pointer_as_index %[[B]]
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}}) threads({{.*}}) in (%{{.*}} = %c128{{[_0-9]*}},
// CHECK-SAME:        dynamic_shared_memory_size %c16384_i32 module(@qk_k0_mma) function(@qk_k0_mma)
// Two stages of 64x32 A and B slices (16 KiB); the 64x64 f32 C tile reuses them.
// CHECK:           %[[SMEM:.+]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:           %[[SA:.+]] = memref.view %[[SMEM]][%c0{{.*}}][] : {{.*}} to memref<2x64x32xf16, #gpu.address_space<workgroup>>
// CHECK:           %[[SB:.+]] = memref.view %[[SMEM]][%c8192{{.*}}][] : {{.*}} to memref<2x64x32xf16, #gpu.address_space<workgroup>>
// CHECK:           %[[SC:.+]] = memref.view %[[SMEM]][%c0{{.*}}][] : {{.*}} to memref<64x64xf32, #gpu.address_space<workgroup>>
// Prologue: slice 0 into buffer 0, as one group of four 16-byte cp.async
// (two per operand and thread), zero filled past the edges...
// CHECK:           scf.if %[[VEC:.+]] {
// CHECK:             %[[N:.+]] = affine.max
// CHECK:             nvgpu.device_async_copy %[[A]][{{.*}}], %[[SA]][%c0{{.*}}, {{.*}}], 8, %[[N]] {bypassL1}
// CHECK:             nvgpu.device_async_copy %[[A]]
// CHECK:             nvgpu.device_async_copy %[[B]][{{.*}}], %[[SB]][%c0
// CHECK:             nvgpu.device_async_copy %[[B]]
// CHECK:             %[[G:.+]] = nvgpu.device_async_create_group
// CHECK:             nvgpu.device_async_wait %[[G]]{{$}}
// ...or element by element.
// CHECK:           } else {
// CHECK:             scf.if %{{.*}} -> (f16) {
// CHECK:               memref.load %[[A]]
// CHECK:             memref.store %{{.*}}, %[[SA]]
// CHECK:             memref.load %[[B]]
// CHECK:             memref.store %{{.*}}, %[[SB]]
// The k loop carries the mma accumulators (vector<2x2xf32> fragments; the
// replaced vector<16x8xf32> ones are left for canonicalize to drop). It
// stages slice i + 1 and waits for all groups but that one.
// CHECK:           scf.for %[[KT:.+]] = {{.*}} iter_args({{.*}}) -> ({{.*}}vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK:             affine.apply #{{.*}}(%[[KT]])
// CHECK:             %[[NEXT:.+]] = affine.apply #{{.*}}(%[[KT]])
// CHECK:             scf.if %[[VEC]] {
// CHECK-COUNT-4:       nvgpu.device_async_copy {{.*}}, %{{.*}}[%[[NEXT]], {{.*}} {bypassL1}
// CHECK:               %[[G1:.+]] = nvgpu.device_async_create_group
// CHECK:               nvgpu.device_async_wait %[[G1]] {numGroups = 1 : i32}
// CHECK:             gpu.barrier
// CHECK:             %[[CUR:.+]] = affine.apply #{{.*}}(%[[KT]])
// CHECK:             %[[TA:.+]] = memref.subview %[[SA]][%[[CUR]], 0, 0] [1, 64, 32] [1, 1, 1]
// CHECK:             %[[TB:.+]] = memref.subview %[[SB]][%[[CUR]], 0, 0] [1, 64, 32] [1, 1, 1]
// CHECK:             nvgpu.ldmatrix %[[TA]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK:             nvgpu.ldmatrix %[[TB]]{{.*}} {numTiles = 2 : i32, transpose = false}
// CHECK:             nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-15:    nvgpu.mma.sync
// CHECK:             gpu.barrier
// CHECK:             scf.yield
// Epilogue: no copy in flight before the C tile overwrites the slices, then
// fragments to the tile and C += tile in bounds.
// CHECK:           %[[LAST:.+]] = nvgpu.device_async_create_group{{ *$}}
// CHECK:           nvgpu.device_async_wait %[[LAST]] {numGroups = 0 : i32}
// CHECK:           gpu.barrier
// CHECK:           vector.store %{{.*}}, %[[SC]]{{.*}} vector<2xf32>
// CHECK:           gpu.barrier
// Per thread, runs of 4 columns of C: 16-byte loads and stores where C's
// rows are 16-byte aligned (the host's check) and the run is inside C...
// CHECK:           scf.if %{{.*}} {
// CHECK:             %[[OLD4:.+]] = vector.load %[[C]][{{.*}}] {alignment = 16 : i64} : memref<2x?x?xf32>, vector<4xf32>
// CHECK:             %[[ACC4:.+]] = vector.load %[[SC]][{{.*}}] {alignment = 16 : i64} : {{.*}}, vector<4xf32>
// CHECK:             %[[SUM4:.+]] = arith.addf %[[OLD4]], %[[ACC4]] : vector<4xf32>
// CHECK:             vector.store %[[SUM4]], %[[C]][{{.*}}] {alignment = 16 : i64} : memref<2x?x?xf32>, vector<4xf32>
// ...else element by element, in bounds.
// CHECK:           } else {
// CHECK-COUNT-4:     scf.if
// CHECK:               %[[OLD:.+]] = memref.load %[[C]]
// CHECK:               %[[ACC:.+]] = memref.load %[[SC]]
// CHECK:               %[[SUM:.+]] = arith.addf %[[OLD]], %[[ACC]] : f32
// CHECK:               memref.store %[[SUM]], %[[C]]
// CHECK-NOT:     vector.contract
// CHECK-NOT:     vector.transfer_read

// CPU-LABEL: func.func @qk(
// CPU:         scf.parallel
// CPU:           %[[SA:.+]] = memref.alloc() {alignment = 16 : i64} : memref<2x64x32xf16>
// CPU:           %[[SB:.+]] = memref.alloc() {alignment = 16 : i64} : memref<2x64x32xf16>
// CPU:           %[[SC:.+]] = memref.alloc() {alignment = 16 : i64} : memref<64x64xf32>
// CPU:           linalg.fill {{.*}} outs(%[[SC]]
// The prologue's staging phase, then per slice the threads of one staging
// phase (masked 8-element reads, or element by element), then the warps.
// CPU:           scf.for %{{.*}} = %c0{{.*}} to %c128
// CPU:           scf.for
// CPU:             scf.for %{{.*}} = %c0{{.*}} to %c128
// CPU:               scf.if
// CPU:                 vector.create_mask %{{.*}} : vector<8xi1>
// CPU:                 vector.transfer_read {{.*}} : memref<2x?x40xf16>, vector<8xf16>
// CPU:                 vector.transfer_write {{.*}}, %[[SA]]
// CPU:             scf.for %{{.*}} = %c0{{.*}} to %c4
// CPU:               vector.transfer_read %[[SC]]
// CPU:               %[[TA:.+]] = memref.subview %[[SA]]
// CPU:               vector.transfer_read %[[TA]]{{.*}} vector<16x16xf16>
// CPU:               vector.transfer_read %{{.*}} vector<8x16xf16>
// CPU:               vector.contract {{.*}} : vector<16x16xf32>, vector<8x16xf32> into vector<16x8xf32>
// CPU:               vector.transfer_write {{.*}}, %[[SC]]
// CPU:           memref.dealloc %[[SA]]
// CPU-NOT:       gpu.
// CPU-NOT:       nvgpu.

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

// -----

// bf16: the slices are staged as bf16 and read by ldmatrix through f16 views
// of the same bytes (upstream's conversion types only f16 fragments; the
// layouts are the same); each mma is an nvvm.mma.sync on bf16, A's four and
// B's two rows of bf16 pairs packed in i32 registers, C's and D's four f32
// row by row.
func.func @qk_bf16(%a: memref<?x64xbf16>, %b: memref<?x64xbf16>, %c: memref<?x?xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                 affine_map<(m, n, k) -> (n, k)>,
                                 affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xbf16>, memref<?x64xbf16>) outs(%c : memref<?x?xf32>)
  return
}
// CHECK-LABEL: func.func @qk_bf16(
// CHECK-SAME:      %[[A:[^:]+]]: memref<?x64xbf16>, %[[B:[^:]+]]: memref<?x64xbf16>,
// CHECK:         gpu.launch {{.*}} dynamic_shared_memory_size %c16384_i32 module(@qk_bf16_k0_mma)
// CHECK:           %[[SMEM:.+]] = gpu.dynamic_shared_memory
// CHECK:           %[[SA:.+]] = memref.view %[[SMEM]][%[[OA:c0[_0-9]*]]][] : {{.*}} to memref<2x64x32xbf16, #gpu.address_space<workgroup>>
// CHECK:           %[[SB:.+]] = memref.view %[[SMEM]][%[[OB:c8192[_0-9]*]]][] : {{.*}} to memref<2x64x32xbf16, #gpu.address_space<workgroup>>
// CHECK:           memref.view %[[SMEM]][%[[OA]]][] : {{.*}} to memref<64x64xf32, #gpu.address_space<workgroup>>
// CHECK:           %[[FA:.+]] = memref.view %[[SMEM]][%[[OA]]][] : {{.*}} to memref<2x64x32xf16, #gpu.address_space<workgroup>>
// CHECK:           %[[FB:.+]] = memref.view %[[SMEM]][%[[OB]]][] : {{.*}} to memref<2x64x32xf16, #gpu.address_space<workgroup>>
// CHECK:             nvgpu.device_async_copy %[[A]][{{.*}}], %[[SA]][{{.*}}], 8, %{{.*}} {bypassL1} : memref<?x64xbf16> to memref<2x64x32xbf16, #gpu.address_space<workgroup>>
// CHECK:           scf.for
// CHECK:             %[[TA:.+]] = memref.subview %[[FA]]
// CHECK:             %[[TB:.+]] = memref.subview %[[FB]]
// CHECK:             %[[LA:.+]] = nvgpu.ldmatrix %[[TA]]{{.*}} {numTiles = 4 : i32, transpose = false} : {{.*}} -> vector<4x2xf16>
// CHECK:             %[[LB:.+]] = nvgpu.ldmatrix %[[TB]]{{.*}} {numTiles = 2 : i32, transpose = false} : {{.*}} -> vector<2x2xf16>
// CHECK:             %[[A0:.+]] = vector.extract %[[LA]][0] : vector<2xf16> from vector<4x2xf16>
// CHECK:             %[[W0:.+]] = vector.bitcast %[[A0]] : vector<2xf16> to vector<1xi32>
// CHECK:             %[[R0:.+]] = vector.extract %[[W0]][0] : i32 from vector<1xi32>
// CHECK:             vector.extract %[[LA]][3] : vector<2xf16> from vector<4x2xf16>
// CHECK:             %[[R3:.+]] = vector.extract %{{.*}}[0] : i32 from vector<1xi32>
// CHECK:             vector.extract %[[LB]][0] : vector<2xf16> from vector<2x2xf16>
// CHECK:             %[[S0:.+]] = vector.extract %{{.*}}[0] : i32 from vector<1xi32>
// CHECK:             vector.extract %[[LB]][1] : vector<2xf16> from vector<2x2xf16>
// CHECK:             %[[S1:.+]] = vector.extract %{{.*}}[0] : i32 from vector<1xi32>
// CHECK:             %[[C00:.+]] = vector.extract %[[ACC:.+]][0, 0] : f32 from vector<2x2xf32>
// CHECK:             %[[C01:.+]] = vector.extract %[[ACC]][0, 1] : f32 from vector<2x2xf32>
// CHECK:             %[[C10:.+]] = vector.extract %[[ACC]][1, 0] : f32 from vector<2x2xf32>
// CHECK:             %[[C11:.+]] = vector.extract %[[ACC]][1, 1] : f32 from vector<2x2xf32>
// CHECK:             %[[D:.+]] = nvvm.mma.sync A[%[[R0]], %{{.*}}, %{{.*}}, %[[R3]]]{{ +}}B[%[[S0]], %[[S1]]]{{ +}}C[%[[C00]], %[[C01]], %[[C10]], %[[C11]]]
// CHECK-SAME:          layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>
// CHECK-SAME:          multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>
// CHECK-SAME:          shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK-SAME:          : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:             %[[D0:.+]] = llvm.extractvalue %[[D]][0]
// CHECK:             %[[D1:.+]] = llvm.extractvalue %[[D]][1]
// CHECK:             %[[D2:.+]] = llvm.extractvalue %[[D]][2]
// CHECK:             %[[D3:.+]] = llvm.extractvalue %[[D]][3]
// CHECK:             vector.from_elements %[[D0]], %[[D1]], %[[D2]], %[[D3]] : vector<2x2xf32>
// CHECK-COUNT-15:    nvvm.mma.sync
// CHECK-NOT:         nvgpu.mma.sync
// CHECK:             scf.yield

// CPU-LABEL: func.func @qk_bf16(
// CPU:           %[[SA:.+]] = memref.alloc() {alignment = 16 : i64} : memref<2x64x32xbf16>
// CPU:               %[[TA:.+]] = memref.subview %[[SA]]
// CPU:               %[[RA:.+]] = vector.transfer_read %[[TA]]{{.*}} vector<16x16xbf16>
// CPU:               arith.extf %[[RA]] : vector<16x16xbf16> to vector<16x16xf32>
// CPU:               vector.contract {{.*}} : vector<16x16xf32>, vector<8x16xf32> into vector<16x8xf32>

// -----

// Mixed f16 x bf16 operands: no tensor cores.
func.func @mixed(%a: memref<64x32xf16>, %b: memref<32x64xbf16>, %c: memref<64x64xf32>) {
  linalg.matmul ins(%a, %b : memref<64x32xf16>, memref<32x64xbf16>) outs(%c : memref<64x64xf32>)
  return
}
// CHECK-LABEL: func.func @mixed(
// CHECK:         gpu.launch {{.*}} module(@mixed_k0_matmul) function(@mixed_k0_matmul)
// CHECK-NOT:     nvgpu

// -----

// The tuning table's choice: 8 warps (128x64 tiles) and 3 stages: 3 x
// (128 + 64) x 32 f16 = 36 KiB of slices.
#map_a = affine_map<(m, n, k) -> (m, k)>
#map_b = affine_map<(m, n, k) -> (k, n)>
#map_c = affine_map<(m, n, k) -> (m, n)>
func.func @chosen(%a: memref<?x96xf16>, %b: memref<96x?xf16>, %c: memref<?x?xf32>) {
  linalg.generic {indexing_maps = [#map_a, #map_b, #map_c],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<?x96xf16>, memref<96x?xf16>) outs(%c : memref<?x?xf32>)
      attrs = {effattn.tensor_core = {mma = "mma.sync", warps = 8 : i64, stages = 3 : i64}} {
  ^bb0(%x: f16, %y: f16, %z: f32):
    %0 = arith.extf %x : f16 to f32
    %1 = arith.extf %y : f16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %z, %2 : f32
    linalg.yield %3 : f32
  }
  return
}
// B is [k][n]: not contiguous along k, so its slices are always staged
// element by element; A's take 16-byte copies where its rows are 16-byte
// aligned (the branch tests A's check alone).
// CHECK-LABEL: func.func @chosen(
// CHECK-SAME:      %[[A:[^:]+]]: memref<?x96xf16>, %[[B:[^:]+]]: memref<96x?xf16>,
// CHECK:         memref.extract_aligned_pointer_as_index %[[A]]
// CHECK-NOT:     memref.extract_aligned_pointer_as_index %[[B]]
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256{{[_0-9]*}},
// CHECK-SAME:        dynamic_shared_memory_size %c36864_i32
// CHECK:           memref.view {{.*}} to memref<3x128x32xf16, #gpu.address_space<workgroup>>
// CHECK:           memref.view {{.*}} to memref<3x64x32xf16, #gpu.address_space<workgroup>>
// CHECK:           memref.view {{.*}} to memref<128x64xf32, #gpu.address_space<workgroup>>
// CHECK:           scf.if %{{.*}} {
// CHECK:             nvgpu.device_async_copy %[[A]]
// CHECK:             nvgpu.device_async_copy %[[A]]
// CHECK:             nvgpu.device_async_create_group
// CHECK:             memref.load %[[B]]
// CHECK:           } else {
// CHECK:             memref.load %[[A]]
// CHECK:             memref.load %[[B]]
// CHECK:           scf.for
// CHECK:             nvgpu.device_async_wait %{{.*}} {numGroups = 2 : i32}
// CHECK:             nvgpu.mma.sync
// The options override the op's choice.
// RUN: effattn-opt %s --split-input-file --effattn-map-to-gpu="tensor-cores tensor-core-warps=2 tensor-core-stages=1" \
// RUN:   | FileCheck %s --check-prefix=OPT
// OPT-LABEL: func.func @chosen(
// OPT:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c64{{[_0-9]*}},
// OPT-SAME:        dynamic_shared_memory_size %c8192_i32
// OPT:             nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}

// -----

// mma = "none": the tuning table keeps this op off tensor cores.
func.func @none(%a: memref<64x32xf16>, %b: memref<32x64xf16>, %c: memref<64x64xf32>) {
  linalg.matmul {effattn.tensor_core = {mma = "none"}}
      ins(%a, %b : memref<64x32xf16>, memref<32x64xf16>) outs(%c : memref<64x64xf32>)
  return
}
// CHECK-LABEL: func.func @none(
// CHECK:         gpu.launch {{.*}} module(@none_k0_matmul) function(@none_k0_matmul)
// CHECK-NOT:     nvgpu
