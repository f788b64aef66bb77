//===- Compile.cpp - C API: IR text in, lowered text out ------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn-c/Compile.h"
#include "effattn/InitAll.h"
#include "effattn/Pipelines/Pipelines.h"

#include "mlir/CAPI/Support.h"
#include "mlir/CAPI/Utils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

using namespace mlir;

namespace {
/// The body of both entry points: returns the rendered output, or the
/// collected diagnostics in `errors`.
LogicalResult compile(StringRef source, StringRef pipelineOptions,
                      MlirEffAttnCompileOutput output, std::string &result,
                      std::string &errors) {
  llvm::raw_string_ostream errorStream(errors);
  if (output != MlirEffAttnCompileOutputLLVMDialect &&
      output != MlirEffAttnCompileOutputLLVMIR) {
    errorStream << "error: unknown output kind " << static_cast<int>(output)
                << "\n";
    return failure();
  }

  effattn::EffAttnToLLVMPipelineOptions options;
  if (failed(options.parseFromString(pipelineOptions, errorStream))) {
    errorStream << "error: invalid effattn-to-llvm options '" << pipelineOptions
                << "'\n";
    return failure();
  }

  DialectRegistry registry;
  effattn::registerAllDialects(registry);
  MLIRContext context(registry);
  // The diagnostics point into the source; the whole module after each error
  // would drown them.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, "<source>"), llvm::SMLoc());
  // Every diagnostic of this context, with its notes and the source line it
  // points at, goes to the error text instead of stderr.
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context, errorStream);

  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure();

  PassManager pm(&context);
  effattn::buildEffAttnToLLVMPipeline(pm, options);
  if (failed(pm.run(*module))) {
    if (errors.empty())
      errorStream << "error: the effattn-to-llvm pipeline failed\n";
    return failure();
  }

  llvm::raw_string_ostream resultStream(result);
  if (output == MlirEffAttnCompileOutputLLVMDialect) {
    module->print(resultStream);
    return success();
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext);
  if (!llvmModule) {
    if (errors.empty())
      errorStream << "error: translation to LLVM IR failed\n";
    return failure();
  }
  llvmModule->print(resultStream, /*AAW=*/nullptr);
  return success();
}
} // namespace

MlirLogicalResult mlirEffAttnCompile(MlirStringRef source,
                                     MlirStringRef pipelineOptions,
                                     MlirEffAttnCompileOutput output,
                                     MlirStringCallback callback,
                                     void *userData) {
  std::string result, errors;
  LogicalResult status =
      compile(unwrap(source), unwrap(pipelineOptions), output, result, errors);
  detail::CallbackOstream stream(callback, userData);
  stream << (succeeded(status) ? result : errors);
  stream.flush();
  return wrap(status);
}

MlirLogicalResult mlirEffAttnCompileToString(MlirStringRef source,
                                             MlirStringRef pipelineOptions,
                                             MlirEffAttnCompileOutput output,
                                             MlirStringRef *result) {
  std::string text, errors;
  LogicalResult status =
      compile(unwrap(source), unwrap(pipelineOptions), output, text, errors);
  const std::string &chosen = succeeded(status) ? text : errors;
  char *data = static_cast<char *>(std::malloc(chosen.size() + 1));
  if (!data) {
    *result = mlirStringRefCreate(nullptr, 0);
    return mlirLogicalResultFailure();
  }
  std::memcpy(data, chosen.data(), chosen.size());
  data[chosen.size()] = '\0';
  *result = mlirStringRefCreate(data, chosen.size());
  return wrap(status);
}

void mlirEffAttnStringDestroy(MlirStringRef string) {
  std::free(const_cast<char *>(string.data));
}
