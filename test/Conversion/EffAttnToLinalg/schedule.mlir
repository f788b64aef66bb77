// The efficient schedules (effattn-schedule): tile loops carrying f32 state,
// causal tile skipping, and no [T, T] tensor for the linear-time ops.
//
// RUN: effattn-opt %s --effattn-schedule --canonicalize --cse | FileCheck %s
// RUN: effattn-opt %s --effattn-schedule="query-tile=32 key-tile=16 chunk-size=128" --canonicalize | FileCheck %s --check-prefix=OPTS
// RUN: effattn-opt %s --effattn-to-llvm | FileCheck %s --check-prefix=LLVM

// Online softmax: a loop over query tiles; per tile, key tiles entirely
// below the diagonal run unmasked (0 .. FULL), the ones straddling it are
// masked (FULL .. END), and those above it are never visited. The running
// max, sum and accumulator are the key loops' iter_args.
// CHECK-LABEL: func.func @softmax_causal(
// CHECK-NOT:     effattn.
// CHECK-NOT:     4096x4096
// CHECK:         scf.for %[[T0:.+]] = %c0 to %c4096 step %c64 iter_args(%{{.+}} = %{{.+}}) -> (tensor<1x2x4096x64xf32>)
// CHECK:           %[[FULL:.+]] = arith.muli
// CHECK:           %[[END:.+]] = arith.minsi
// CHECK:           %[[UNMASKED:.+]]:3 = scf.for %{{.+}} = %c0 to %[[FULL]] step %c64 iter_args({{.+}}) -> (tensor<1x2x?xf32>, tensor<1x2x?xf32>, tensor<1x2x?x64xf32>)
// CHECK-NOT:         linalg.index
// CHECK:             arith.maximumf
// CHECK:             math.exp
// CHECK:             scf.yield
// CHECK:           scf.for %[[S0:.+]] = %[[FULL]] to %[[END]] step %c64 iter_args(%{{.+}} = %[[UNMASKED]]#0, %{{.+}} = %[[UNMASKED]]#1, %{{.+}} = %[[UNMASKED]]#2)
// CHECK:             %[[MASK:.+]] = arith.subi %[[T0]], %[[S0]] : index
// CHECK:             linalg.index 2
// CHECK:             arith.cmpi sle
// CHECK:             arith.select %{{.+}}, %{{.+}}, %cst{{.*}} : f32
// CHECK:           tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, %[[T0]], 0]
// OPTS-LABEL: func.func @softmax_causal(
// OPTS:         scf.for %{{.+}} = %c0 to %c4096 step %c32
// OPTS:           scf.for %{{.+}} step %c16
// LLVM-LABEL: llvm.func @softmax_causal(
func.func @softmax_causal(%q: tensor<1x2x4096x64xf32>, %k: tensor<1x2x4096x64xf32>, %v: tensor<1x2x4096x64xf32>) -> tensor<1x2x4096x64xf32> {
  %0 = effattn.softmax_attention %q, %k, %v causal : (tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>, tensor<1x2x4096x64xf32>) -> tensor<1x2x4096x64xf32>
  return %0 : tensor<1x2x4096x64xf32>
}

// Not causal: one key loop over all of S, no mask.
// CHECK-LABEL: func.func @quad_noncausal(
// CHECK-NOT:     effattn.
// CHECK:         scf.for %{{.+}} = %c0 to %c4096 step %c64
// CHECK:           scf.for %{{.+}} = %c0 to %c4096 step %c64 iter_args(%{{.+}} = %{{.+}}) -> (tensor<1x1x?x32xf32>)
// CHECK-NOT:         linalg.index
// CHECK:             arith.maximumf
// CHECK:           scf.yield
func.func @quad_noncausal(%q: tensor<1x1x4096x32xf32>, %k: tensor<1x1x4096x32xf32>, %v: tensor<1x1x4096x32xf32>) -> tensor<1x1x4096x32xf32> {
  %0 = effattn.quad_attention %q, %k, %v : (tensor<1x1x4096x32xf32>, tensor<1x1x4096x32xf32>, tensor<1x1x4096x32xf32>) -> tensor<1x1x4096x32xf32>
  return %0 : tensor<1x1x4096x32xf32>
}

// Mixed chunk, causal: one loop over chunks of 64 carrying the [B, H, Dk,
// Dv] f32 state, updated after the chunk's queries (exclusive prefix).
// CHECK-LABEL: func.func @mixed_chunk_causal(
// CHECK-NOT:     effattn.
// CHECK-NOT:     4096x4096
// CHECK:         %[[ZERO:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<1x1x16x32xf32>)
// CHECK:         scf.for %{{.+}} = %c0 to %c4096 step %c64 iter_args(%{{.+}} = %{{.+}}, %[[STATE:.+]] = %[[ZERO]]) -> (tensor<1x1x4096x32xbf16>, tensor<1x1x16x32xf32>)
// CHECK:           %[[LIN:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[STATE]] : tensor<1x1x?x16xbf16>, tensor<1x1x16x32xf32>)
// CHECK:           %[[NEXT:.+]] = linalg.generic {{.+}} outs(%[[STATE]] : tensor<1x1x16x32xf32>)
// CHECK:           scf.yield %{{.+}}, %[[NEXT]] : tensor<1x1x4096x32xbf16>, tensor<1x1x16x32xf32>
func.func @mixed_chunk_causal(%qq: tensor<1x1x4096x16xbf16>, %v: tensor<1x1x4096x32xbf16>) -> tensor<1x1x4096x32xbf16> {
  %0 = effattn.mixed_chunk_attention %qq, %qq, %qq, %qq, %v chunk_size = 64 causal : (tensor<1x1x4096x16xbf16>, tensor<1x1x4096x16xbf16>, tensor<1x1x4096x16xbf16>, tensor<1x1x4096x16xbf16>, tensor<1x1x4096x32xbf16>) -> tensor<1x1x4096x32xbf16>
  return %0 : tensor<1x1x4096x32xbf16>
}

// Mixed chunk, not causal: the state of all chunks is reduced before the
// loop, and every chunk reads it.
// CHECK-LABEL: func.func @mixed_chunk_global(
// CHECK:         %[[STATE:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]{{.+}} outs(%{{.+}} : tensor<1x1x16x32xf32>)
// CHECK:         scf.for %{{.+}} = %c0 to %c4096 step %c256 iter_args(%{{.+}} = %{{.+}}) -> (tensor<1x1x4096x32xf32>)
// CHECK:           linalg.generic {{.+}} ins(%{{.+}}, %[[STATE]] : tensor<1x1x?x16xf32>, tensor<1x1x16x32xf32>)
func.func @mixed_chunk_global(%qq: tensor<1x1x4096x16xf32>, %v: tensor<1x1x4096x32xf32>) -> tensor<1x1x4096x32xf32> {
  %0 = effattn.mixed_chunk_attention %qq, %qq, %qq, %qq, %v chunk_size = 256 : (tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>, tensor<1x1x4096x32xf32>) -> tensor<1x1x4096x32xf32>
  return %0 : tensor<1x1x4096x32xf32>
}

// Linear attention, causal: chunks (the op's chunk_size hint) carry the
// [B, Hk, F, Dv] state and [B, Hk, F] normalizer, which become the final
// state and normalizer.
// CHECK-LABEL: func.func @linear_causal_state(
// CHECK-SAME:    %[[S0:[^:]+]]: tensor<1x2x16x32xf32>, %[[Z0:[^:]+]]: tensor<1x2x16xf32>
// CHECK-NOT:     effattn.
// CHECK-NOT:     4096x4096
// CHECK:         %[[LOOP:.+]]:3 = scf.for %{{.+}} = %c0 to %c4096 step %c128 iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<1x4x4096x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16xf32>)
// CHECK:         return %[[LOOP]]#0, %[[LOOP]]#1, %[[LOOP]]#2
// OPTS-LABEL: func.func @linear_causal_state(
// OPTS:         scf.for %{{.+}} step %c128
func.func @linear_causal_state(%q: tensor<1x4x4096x16xf32>, %k: tensor<1x2x4096x16xf32>, %v: tensor<1x2x4096x32xf32>, %s0: tensor<1x2x16x32xf32>, %z0: tensor<1x2x16xf32>) -> (tensor<1x4x4096x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16xf32>) {
  %o, %s, %z = effattn.linear_attention %q, %k, %v state(%s0) normalizer(%z0) causal chunk_size = 128 : (tensor<1x4x4096x16xf32>, tensor<1x2x4096x16xf32>, tensor<1x2x4096x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16xf32>) -> (tensor<1x4x4096x32xf32>, final_state tensor<1x2x16x32xf32>, final_normalizer tensor<1x2x16xf32>)
  return %o, %s, %z : tensor<1x4x4096x32xf32>, tensor<1x2x16x32xf32>, tensor<1x2x16xf32>
}

// Linear attention without a hint takes the pass option, else the tuning
// table (64 by default).
// CHECK-LABEL: func.func @linear_causal_default_chunk(
// CHECK:         scf.for %{{.+}} = %c0 to %c4096 step %c64
// OPTS-LABEL: func.func @linear_causal_default_chunk(
// OPTS:         scf.for %{{.+}} = %c0 to %c4096 step %c128
func.func @linear_causal_default_chunk(%q: tensor<1x1x4096x16xf32>, %v: tensor<1x1x4096x16xf32>) -> tensor<1x1x4096x16xf32> {
  %0 = effattn.linear_attention %q, %q, %v causal : (tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>) -> (tensor<1x1x4096x16xf32>)
  return %0 : tensor<1x1x4096x16xf32>
}

// Linear attention, not causal: the state first, then every query against
// it; no key loop at all.
// CHECK-LABEL: func.func @linear_global(
// CHECK-NOT:     scf.for
// CHECK-NOT:     4096x4096
// CHECK:         return
func.func @linear_global(%q: tensor<1x1x4096x16xf32>, %v: tensor<1x1x4096x16xf32>) -> tensor<1x1x4096x16xf32> {
  %0 = effattn.linear_attention %q, %q, %v feature_map relu : (tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>) -> (tensor<1x1x4096x16xf32>)
  return %0 : tensor<1x1x4096x16xf32>
}

// Partitioned attention: a loop over query tiles; each reads the columns
// t0 .. t0 + tq + Tmax - 2 of the partition table, and no [T, T] or
// [P, T, T] tensor exists.
// CHECK-LABEL: func.func @partitioned(
// CHECK-SAME:    %[[PI:[^:]+]]: tensor<4x8191xf32>
// CHECK-NOT:     4096x4096
// CHECK:         scf.for %[[T0:.+]] = %c0 to %c4096 step %c32
// CHECK:           tensor.extract_slice %[[PI]][0, %[[T0]]] [4, %{{.+}}] [1, 1]
func.func @partitioned(%q: tensor<1x1x4096x16xf32>, %vp: tensor<1x1x4x4096x16xf32>, %pi: tensor<4x8191xf32>) -> tensor<1x1x4096x16xf32> {
  %0 = effattn.partitioned_attention %q, %q, %vp, %pi causal : (tensor<1x1x4096x16xf32>, tensor<1x1x4096x16xf32>, tensor<1x1x4x4096x16xf32>, tensor<4x8191xf32>) -> tensor<1x1x4096x16xf32>
  return %0 : tensor<1x1x4096x16xf32>
}

// Sparse FFN: the controller's logits come straight as [.., Dff/N, N]
// blocks, the per-block argmax gives one unit per block, and only the
// selected column of w1, entry of b1 and row of w2 are read (tensor.extract at
// the unit): no [.., Dff] hidden layer exists.
// CHECK-LABEL: func.func @sparse_ffn(
// CHECK-SAME:    %[[X:[^:]+]]: tensor<2x?x64xf32>, %{{[^:]+}}: tensor<64x8xf32>, %{{[^:]+}}: tensor<8x256xf32>, %{{[^:]+}}: tensor<256xf32>, %[[W1:[^:]+]]: tensor<64x256xf32>, %[[W2:[^:]+]]: tensor<256x64xf32>, %[[B1:[^:]+]]: tensor<256xf32>
// CHECK-NOT:     x256xf32>
// CHECK:         %[[LOGITS:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<2x?x8xf32>, tensor<8x256xf32>) outs(%{{.+}} : tensor<2x?x8x32xf32>)
// CHECK:         %[[ARGMAX:.+]]:2 = linalg.generic {{.+}} ins(%[[LOGITS]] : tensor<2x?x8x32xf32>) outs(%{{.+}}, %{{.+}} : tensor<2x?x8xf32>, tensor<2x?x8xi32>)
// CHECK:           arith.cmpf ogt
// CHECK:         %[[UNITS:.+]] = linalg.generic {{.+}} ins(%[[ARGMAX]]#1 : tensor<2x?x8xi32>)
// CHECK:         linalg.generic {{.+}} ins(%[[X]], %[[UNITS]] : tensor<2x?x64xf32>, tensor<2x?x8xi32>) outs(%{{.+}} : tensor<2x?x8xf32>)
// CHECK:           %[[U1:.+]] = arith.index_cast %{{.+}} : i32 to index
// CHECK:           tensor.extract %[[W1]][%{{.+}}, %[[U1]]] : tensor<64x256xf32>
// CHECK:           tensor.extract %[[B1]][%{{.+}}] : tensor<256xf32>
// CHECK:         %[[Y:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK:           tensor.extract %[[W2]][%{{.+}}, %{{.+}}] : tensor<256x64xf32>
// CHECK:         return %[[Y]], %[[UNITS]]
func.func @sparse_ffn(%x: tensor<2x?x64xf32>, %cd: tensor<64x8xf32>, %cu: tensor<8x256xf32>, %cb: tensor<256xf32>, %w1: tensor<64x256xf32>, %w2: tensor<256x64xf32>, %b1: tensor<256xf32>, %b2: tensor<64xf32>) -> (tensor<2x?x64xf32>, tensor<2x?x8xi32>) {
  %y, %sel = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 b1(%b1) b2(%b2) block_size = 32 : (tensor<2x?x64xf32>, tensor<64x8xf32>, tensor<8x256xf32>, tensor<256xf32>, tensor<64x256xf32>, tensor<256x64xf32>, tensor<256xf32>, tensor<64xf32>) -> (tensor<2x?x64xf32>, tensor<2x?x8xi32>)
  return %y, %sel : tensor<2x?x64xf32>, tensor<2x?x8xi32>
}
