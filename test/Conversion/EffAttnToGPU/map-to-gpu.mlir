// effattn-map-to-gpu: each linalg op of host code becomes one kernel whose
// threads each run one iteration of the op's parallel dims (flattened, the
// last dim fastest) and its reductions sequentially; the grid is
// max(ceil(N / block-size), 1) blocks. Without emit-launch the same
// decomposition is an scf.parallel over (block, thread), for the CPU.
//
// RUN: effattn-opt %s --split-input-file --effattn-map-to-gpu --canonicalize --cse \
// RUN:   | FileCheck %s
// RUN: effattn-opt %s --split-input-file --effattn-map-to-gpu="block-size=64" \
// RUN:   --canonicalize --cse | FileCheck %s --check-prefix=B64
// RUN: effattn-opt %s --split-input-file --effattn-map-to-gpu="emit-launch=false" \
// RUN:   --canonicalize --cse | FileCheck %s --check-prefix=CPU
// RUN: not effattn-opt %s --split-input-file \
// RUN:   --effattn-map-to-gpu="block-size=2000" 2>&1 | FileCheck %s --check-prefix=BAD-BLOCK

// BAD-BLOCK: error: effattn-map-to-gpu: block-size must be in [1, 1024], got 2000

// CHECK-LABEL: func.func @rowsum(
// CHECK-SAME:      %[[X:[^:]+]]: memref<?x8x16xf32>, %[[Y:[^:]+]]: memref<?x8xf32>)
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK:         %[[D0:.+]] = memref.dim %[[X]], %[[C0]]
// CHECK:         %[[T0:.+]] = arith.maxsi %[[D0]], %[[C0]] : index
// CHECK:         %[[N:.+]] = arith.muli %[[T0]], %[[C8]] : index
// CHECK:         %[[CEIL:.+]] = arith.ceildivui %[[N]], %[[C256]] : index
// CHECK:         %[[GRID:.+]] = arith.maxui %[[CEIL]], %[[C1]] : index
// CHECK:         gpu.launch blocks(%[[BX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[GRID]], %{{.+}} = %[[C1]], %{{.+}} = %[[C1]]) threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C256]], %{{.+}} = %[[C1]], %{{.+}} = %[[C1]]) module(@rowsum_k0_generic) function(@rowsum_k0_generic) {
// CHECK:           %[[BASE:.+]] = arith.muli %[[BX]], %[[C256]] : index
// CHECK:           %[[ID:.+]] = arith.addi %[[BASE]], %[[TX]] : index
// CHECK:           %[[IN:.+]] = arith.cmpi ult, %[[ID]], %[[N]] : index
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[J:.+]] = arith.remui %[[ID]], %[[C8]] : index
// CHECK:             %[[I:.+]] = arith.divui %[[ID]], %[[C8]] : index
// CHECK:             scf.for %[[K:.+]] = %[[C0]] to %[[C16]] step %[[C1]] {
// CHECK:               %[[A:.+]] = memref.load %[[X]][%[[I]], %[[J]], %[[K]]]
// CHECK:               %[[ACC:.+]] = memref.load %[[Y]][%[[I]], %[[J]]]
// CHECK:               %[[S:.+]] = arith.addf %[[ACC]], %[[A]] : f32
// CHECK:               memref.store %[[S]], %[[Y]][%[[I]], %[[J]]]
// CHECK:           gpu.terminator
// CHECK-NOT:     memref.load
// CHECK:         return

// B64-LABEL: func.func @rowsum(
// B64:         %[[C64:.+]] = arith.constant 64 : index
// B64:         arith.ceildivui %{{.+}}, %[[C64]] : index
// B64:         gpu.launch {{.+}} threads(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C64]],

// CPU-LABEL: func.func @rowsum(
// CPU-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CPU-DAG:     %[[C8:.+]] = arith.constant 8 : index
// CPU-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CPU-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CPU:         %[[N:.+]] = arith.muli %{{.+}}, %[[C8]] : index
// CPU:         %[[GRID:.+]] = arith.maxui %{{.+}}, %[[C1]] : index
// CPU:         scf.parallel (%[[B:.+]], %[[T:.+]]) = (%[[C0]], %[[C0]]) to (%[[GRID]], %[[C256]]) step (%[[C1]], %[[C1]]) {
// CPU:           %[[BASE:.+]] = arith.muli %[[B]], %[[C256]] : index
// CPU:           %[[ID:.+]] = arith.addi %[[BASE]], %[[T]] : index
// CPU:           arith.cmpi ult, %[[ID]], %[[N]] : index
// CPU:           scf.for
// CPU-NOT:     gpu.launch

func.func @rowsum(%x: memref<?x8x16xf32>, %y: memref<?x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>,
                                   affine_map<(i, j, k) -> (i, j)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<?x8x16xf32>) outs(%y : memref<?x8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A reduction before the parallel dim: interchanged, so that the threads
// still cover the parallel dim (one column each).
// CHECK-LABEL: func.func @colsum(
// CHECK-SAME:      %[[X:[^:]+]]: memref<16x?xf32>, %[[Y:[^:]+]]: memref<?xf32>)
// CHECK:         %[[D1:.+]] = memref.dim %[[X]], %{{.+}} : memref<16x?xf32>
// CHECK:         %[[N:.+]] = arith.maxsi %[[D1]], %{{.+}} : index
// CHECK:         gpu.launch {{.+}} module(@colsum_k0_generic) function(@colsum_k0_generic) {
// CHECK:           %[[ID:.+]] = arith.addi
// CHECK:           arith.cmpi ult, %[[ID]], %[[N]] : index
// CHECK:           scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step
// CHECK:             memref.load %[[X]][%[[K]], %[[ID]]] : memref<16x?xf32>
// CHECK:             memref.load %[[Y]][%[[ID]]] : memref<?xf32>
func.func @colsum(%x: memref<16x?xf32>, %y: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(k, j) -> (k, j)>,
                                   affine_map<(k, j) -> (j)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<16x?xf32>) outs(%y : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// No parallel dim at all: one block, one active thread.
// CHECK-LABEL: func.func @total(
// CHECK-DAG:     %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK:         gpu.launch blocks(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C1]], %{{.+}} = %[[C1]], %{{.+}} = %[[C1]]) threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C256]], %{{.+}} = %[[C1]], %{{.+}} = %[[C1]]) module(@total_k0_generic) function(@total_k0_generic) {
// CHECK:           %[[FIRST:.+]] = arith.cmpi ult, %[[TX]], %[[C1]] : index
// CHECK:           scf.if %[[FIRST]] {
// CHECK:             scf.for
func.func @total(%x: memref<?xf32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(k) -> (k)>,
                                   affine_map<(k) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%x : memref<?xf32>) outs(%y : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Named ops are kernels too, named after the op; kernels count up per
// function.
// CHECK-LABEL: func.func @fill_copy(
// CHECK:         gpu.launch {{.+}} module(@fill_copy_k0_fill) function(@fill_copy_k0_fill) {
// CHECK:           memref.store
// CHECK:         gpu.launch {{.+}} module(@fill_copy_k1_copy) function(@fill_copy_k1_copy) {
// CHECK:           memref.load
// CHECK:           memref.store
func.func @fill_copy(%x: memref<4x?xf32>, %y: memref<4x?xf32>) {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%x : memref<4x?xf32>)
  linalg.copy ins(%x : memref<4x?xf32>) outs(%y : memref<4x?xf32>)
  return
}
