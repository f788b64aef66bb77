//===- my-opt.cpp - a downstream opt tool embedding effattn ---------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// Built against the installed effattn package (examples/downstream). effattn
// and everything it lowers through come from its one registration entry
// point; the tool adds a pass of its own.
//
//===----------------------------------------------------------------------===//

#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "effattn/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

namespace my {
#define GEN_PASS_DECL
#define GEN_PASS_DEF_MYCOUNTEFFATTNOPSPASS
#define GEN_PASS_REGISTRATION
#include "MyPasses.h.inc"

namespace {
struct MyCountEffAttnOpsPass
    : impl::MyCountEffAttnOpsPassBase<MyCountEffAttnOpsPass> {
  void runOnOperation() override {
    mlir::func::FuncOp func = getOperation();
    int64_t count = 0;
    func.walk([&](mlir::Operation *op) {
      if (llvm::isa_and_present<mlir::effattn::EffAttnDialect>(
              op->getDialect()))
        ++count;
    });
    mlir::Builder builder(&getContext());
    func->setAttr("my.effattn_ops", builder.getI64IntegerAttr(count));
  }
};
} // namespace
} // namespace my

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::effattn::registerAllDialects(registry);
  mlir::effattn::registerAllPasses();
  my::registerMyPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "downstream optimizer with effattn\n", registry));
}
