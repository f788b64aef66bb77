// The dialect and pass plugins in the stock mlir-opt of the MLIR install.
// Plugin passes are registered after mlir-opt has parsed its flags, so they
// are named in --pass-pipeline (a flag such as --convert-effattn-to-linalg is
// unknown to mlir-opt).
//
// RUN: %mlir_opt %s --load-dialect-plugin=%effattn_libs/EffAttnDialectPlugin.so \
// RUN:   | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: %mlir_opt %s --load-dialect-plugin=%effattn_libs/EffAttnDialectPlugin.so \
// RUN:   --load-pass-plugin=%effattn_libs/EffAttnPassPlugin.so \
// RUN:   --pass-pipeline='builtin.module(convert-effattn-to-linalg)' \
// RUN:   | FileCheck %s --check-prefix=LINALG
// RUN: %mlir_opt %s --load-pass-plugin=%effattn_libs/EffAttnPassPlugin.so \
// RUN:   --load-dialect-plugin=%effattn_libs/EffAttnDialectPlugin.so \
// RUN:   --pass-pipeline='builtin.module(effattn-to-llvm{reference=true})' \
// RUN:   | FileCheck %s --check-prefix=TO-LLVM
//
// The plugins lower exactly as effattn-opt does.
// RUN: effattn-opt %s --convert-effattn-to-linalg > %t.effattn-opt.mlir
// RUN: %mlir_opt %s --load-dialect-plugin=%effattn_libs/EffAttnDialectPlugin.so \
// RUN:   --load-pass-plugin=%effattn_libs/EffAttnPassPlugin.so \
// RUN:   --pass-pipeline='builtin.module(convert-effattn-to-linalg)' \
// RUN:   > %t.plugin.mlir
// RUN: diff %t.effattn-opt.mlir %t.plugin.mlir
//
// Without the dialect plugin the input does not parse; without the pass
// plugin the pass does not exist.
// RUN: not %mlir_opt %s --load-pass-plugin=%effattn_libs/EffAttnPassPlugin.so 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NO-DIALECT
// RUN: not %mlir_opt %s --load-dialect-plugin=%effattn_libs/EffAttnDialectPlugin.so \
// RUN:   --pass-pipeline='builtin.module(convert-effattn-to-linalg)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NO-PASSES
//
// One copy of MLIR and LLVM: the plugins need libMLIR.so and libLLVM.so (the
// ones mlir-opt runs on) and define none of MLIR's or LLVM's own functions.
// RUN: llvm-readelf --dynamic-table %effattn_libs/EffAttnDialectPlugin.so \
// RUN:   | FileCheck %s --check-prefix=NEEDED
// RUN: llvm-readelf --dynamic-table %effattn_libs/EffAttnPassPlugin.so \
// RUN:   | FileCheck %s --check-prefix=NEEDED
// RUN: llvm-nm --dynamic --defined-only --demangle %effattn_libs/EffAttnDialectPlugin.so \
// RUN:   | FileCheck %s --check-prefix=DIALECT-SYMS --implicit-check-not=' T mlir::MLIRContext::' \
// RUN:     --implicit-check-not=' T mlir::Operation::' --implicit-check-not=' T llvm::raw_ostream::'
// RUN: llvm-nm --dynamic --defined-only --demangle %effattn_libs/EffAttnPassPlugin.so \
// RUN:   | FileCheck %s --check-prefix=PASS-SYMS --implicit-check-not=' T mlir::MLIRContext::' \
// RUN:     --implicit-check-not=' T mlir::PassManager::' --implicit-check-not=' T llvm::raw_ostream::'

// ROUNDTRIP-LABEL: func.func @attend(
// ROUNDTRIP:         effattn.softmax_attention %{{.+}}, %{{.+}}, %{{.+}} causal :

// LINALG-LABEL: func.func @attend(
// LINALG-NOT:     effattn.
// LINALG:         linalg.generic
// LINALG:         math.exp
// LINALG-NOT:     effattn.
// LINALG:         return

// TO-LLVM-NOT: {{(effattn|linalg|tensor|memref|scf|arith|math)\.}}
// TO-LLVM:     llvm.func @attend(
// TO-LLVM-NOT: {{(effattn|linalg|tensor|memref|scf|arith|math)\.}}

// NO-DIALECT: error: Dialect `effattn' not found for custom op 'effattn.softmax_attention'
// NO-PASSES: 'convert-effattn-to-linalg' does not refer to a registered pass or pass pipeline

// NEEDED-DAG: (NEEDED) Shared library: [libMLIR.so.22.1]
// NEEDED-DAG: (NEEDED) Shared library: [libLLVM.so.22.1]

// DIALECT-SYMS: {{ [TW] }}mlirGetDialectPluginInfo{{$}}
// PASS-SYMS: {{ [TW] }}mlirGetPassPluginInfo{{$}}

func.func @attend(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                  %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
      -> tensor<1x2x8x16xf32>
  return %o : tensor<1x2x8x16xf32>
}
