// effattn-approximate-math: no math op survives that NVVM would turn into a
// libdevice call (the kernels' PTX must not depend on a CUDA toolkit).
//
// RUN: effattn-opt %s --effattn-approximate-math | FileCheck %s --implicit-check-not=math.

// floor: exact through i32 below 2^23 (one less for negative non-integers),
// the value itself from 2^23 on (and NaN, inf).
// CHECK-LABEL: func.func @floor(
// CHECK-SAME:      %[[X:[^:]+]]: f32)
// CHECK-DAG:     %[[BIG:.+]] = arith.constant 0x4B000000 : f32
// CHECK-DAG:     %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:     %[[MASK:.+]] = arith.constant 2147483647 : i32
// CHECK:         %[[BITS:.+]] = arith.bitcast %[[X]] : f32 to i32
// CHECK:         %[[ABSBITS:.+]] = arith.andi %[[BITS]], %[[MASK]] : i32
// CHECK:         %[[ABS:.+]] = arith.bitcast %[[ABSBITS]] : i32 to f32
// CHECK:         %[[INTEGRAL:.+]] = arith.cmpf uge, %[[ABS]], %[[BIG]] : f32
// CHECK:         %[[I:.+]] = arith.fptosi %[[X]] : f32 to i32
// CHECK:         %[[T:.+]] = arith.sitofp %[[I]] : i32 to f32
// CHECK:         %[[ABOVE:.+]] = arith.cmpf ogt, %[[T]], %[[X]] : f32
// CHECK:         %[[LESS:.+]] = arith.subf %[[T]], %[[ONE]] : f32
// CHECK:         %[[DOWN:.+]] = arith.select %[[ABOVE]], %[[LESS]], %[[T]] : f32
// CHECK:         %[[R:.+]] = arith.select %[[INTEGRAL]], %[[X]], %[[DOWN]] : f32
// CHECK:         return %[[R]]
func.func @floor(%x: f32) -> f32 {
  %0 = math.floor %x : f32
  return %0 : f32
}

// CHECK-LABEL: func.func @fma(
// CHECK:         %[[R:.+]] = llvm.intr.fma(%{{.+}}, %{{.+}}, %{{.+}}) : (f32, f32, f32) -> f32
// CHECK:         return %[[R]]
func.func @fma(%a: f32, %b: f32, %c: f32) -> f32 {
  %0 = math.fma %a, %b, %c : f32
  return %0 : f32
}

// exp and erf (the laplace activation) become polynomials.
// CHECK-LABEL: func.func @transcendental(
// CHECK:         llvm.intr.fma
// CHECK:         return
func.func @transcendental(%x: f32) -> (f32, f32, f32) {
  %0 = math.exp %x : f32
  %1 = math.erf %x : f32
  %2 = math.expm1 %x : f32
  return %0, %1, %2 : f32, f32, f32
}
