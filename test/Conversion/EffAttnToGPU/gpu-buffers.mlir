// effattn-gpu-buffers: host buffers in GPU memory. Allocations become
// gpu.alloc, copies and clones linalg.copy (kernels later), constants a
// device copy, and bufferization.dealloc explicit pointer comparisons around
// gpu.dealloc. With host-memory buffers stay on the host (memref.dealloc).
//
// RUN: effattn-opt %s --split-input-file --effattn-gpu-buffers | FileCheck %s
// RUN: effattn-opt %s --split-input-file --effattn-gpu-buffers=host-memory \
// RUN:   | FileCheck %s --check-prefix=HOST

// %a is freed when its condition holds and it is not the retained %b; %b,
// retained, never is; the result says whether %b is owned.
// CHECK-LABEL: func.func @buffers(
// CHECK-SAME:      %[[X:[^:]+]]: memref<?xf32>, %[[N:[^:]+]]: index, %[[C:[^:]+]]: i1)
// CHECK:         %[[A:.+]] = gpu.alloc (%[[N]]) : memref<?xf32>
// CHECK:         linalg.copy ins(%[[X]] : memref<?xf32>) outs(%[[A]] : memref<?xf32>)
// CHECK:         %[[B:.+]] = gpu.alloc (%[[N]]) : memref<?xf32>
// CHECK-DAG:     %[[PA:.+]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK-DAG:     %[[PB:.+]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK-DAG:     %[[PR:.+]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK:         %[[AR:.+]] = arith.cmpi eq, %[[PA]], %[[PR]] : index
// CHECK:         %[[AOWN:.+]] = arith.andi %[[C]], %[[AR]] : i1
// CHECK:         %[[OWN0:.+]] = arith.ori %{{.+}}, %[[AOWN]] : i1
// CHECK:         %[[BR:.+]] = arith.cmpi eq, %[[PB]], %[[PR]] : index
// CHECK:         %[[BOWN:.+]] = arith.andi %[[C]], %[[BR]] : i1
// CHECK:         %[[OWN:.+]] = arith.ori %[[OWN0]], %[[BOWN]] : i1
// CHECK:         %[[AR2:.+]] = arith.cmpi eq, %[[PA]], %[[PR]] : index
// CHECK:         %[[NOTAR:.+]] = arith.xori %[[AR2]], %{{.+}} : i1
// CHECK:         %[[FREEA:.+]] = arith.andi %[[C]], %[[NOTAR]] : i1
// CHECK:         scf.if %[[FREEA]] {
// CHECK-NEXT:      gpu.dealloc %[[A]] : memref<?xf32>
// CHECK:         %[[BR2:.+]] = arith.cmpi eq, %[[PB]], %[[PR]] : index
// CHECK:         %[[NOTBR:.+]] = arith.xori %[[BR2]], %{{.+}} : i1
// CHECK:         %[[FREEB0:.+]] = arith.andi %[[C]], %[[NOTBR]] : i1
// A second alias of %a in the list is freed only if %a was not.
// CHECK:         %[[BA:.+]] = arith.cmpi eq, %[[PA]], %[[PB]] : index
// CHECK:         %[[AFREED:.+]] = arith.andi %[[C]], %[[BA]] : i1
// CHECK:         %[[NOTAFREED:.+]] = arith.xori %[[AFREED]], %{{.+}} : i1
// CHECK:         %[[FREEB:.+]] = arith.andi %[[FREEB0]], %[[NOTAFREED]] : i1
// CHECK:         scf.if %[[FREEB]] {
// CHECK-NEXT:      gpu.dealloc %[[B]] : memref<?xf32>
// CHECK:         return %[[B]], %[[OWN]]
// CHECK-NOT:     memref.alloc
// HOST-LABEL: func.func @buffers(
// HOST:         %[[A:.+]] = memref.alloc
// HOST:         linalg.copy
// HOST:         %[[B:.+]] = memref.alloc
// HOST:         scf.if %{{.+}} {
// HOST-NEXT:      memref.dealloc %[[A]] : memref<?xf32>
// HOST:         scf.if %{{.+}} {
// HOST-NEXT:      memref.dealloc %[[B]] : memref<?xf32>
// HOST-NOT:     gpu.
func.func @buffers(%x: memref<?xf32>, %n: index, %c: i1) -> (memref<?xf32>, i1) {
  %a = memref.alloc(%n) : memref<?xf32>
  memref.copy %x, %a : memref<?xf32> to memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  %r = bufferization.dealloc (%a, %b : memref<?xf32>, memref<?xf32>)
      if (%c, %c) retain (%b : memref<?xf32>)
  return %b, %r : memref<?xf32>, i1
}

// -----

// CHECK-LABEL: func.func @clone(
// CHECK-SAME:      %[[X:[^:]+]]: memref<?x4xf32>)
// CHECK:         %[[D:.+]] = memref.dim %[[X]], %{{.+}} : memref<?x4xf32>
// CHECK:         %[[Y:.+]] = gpu.alloc (%[[D]]) : memref<?x4xf32>
// CHECK:         linalg.copy ins(%[[X]] : memref<?x4xf32>) outs(%[[Y]] : memref<?x4xf32>)
// CHECK:         return %[[Y]]
// HOST-LABEL: func.func @clone(
// HOST:         %[[Y:.+]] = memref.alloc(%{{.+}}) : memref<?x4xf32>
// HOST:         linalg.copy ins(%{{.+}} : memref<?x4xf32>) outs(%[[Y]] : memref<?x4xf32>)
func.func @clone(%x: memref<?x4xf32>) -> memref<?x4xf32> {
  %y = bufferization.clone %x : memref<?x4xf32> to memref<?x4xf32>
  return %y : memref<?x4xf32>
}

// -----

// A constant table the kernels read: a device copy.
// CHECK-LABEL: func.func @constant(
// CHECK:         %[[G:.+]] = memref.get_global @table : memref<4xf32>
// CHECK:         %[[D:.+]] = gpu.alloc () : memref<4xf32>
// CHECK:         gpu.memcpy %[[D]], %[[G]] : memref<4xf32>, memref<4xf32>
// CHECK:         return %[[D]]
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @constant() -> memref<4xf32> {
  %g = memref.get_global @table : memref<4xf32>
  return %g : memref<4xf32>
}

// -----

// Code inside a kernel is left alone.
// CHECK-LABEL: func.func @in_kernel(
// CHECK:         gpu.launch
// CHECK:           memref.alloca() : memref<4xf32>
// CHECK:           memref.copy
func.func @in_kernel(%x: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %t = memref.alloca() : memref<4xf32>
    memref.copy %x, %t : memref<4xf32> to memref<4xf32>
    gpu.terminator
  }
  return
}

