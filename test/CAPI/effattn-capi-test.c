/*===- effattn-capi-test.c - exercises libEffAttnC.so from plain C --------===*\
|*                                                                            *|
|* Part of the effattn project, under the Apache License v2.0 with LLVM       *|
|* Exceptions.                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
//
// Links only libEffAttnC.so. Prints what each step returns to stdout for
// FileCheck (test/CAPI/capi.test); a step that misbehaves also fails the exit
// status. Nothing is expected on stderr.
//
//===----------------------------------------------------------------------===//

#include "effattn-c/Compile.h"
#include "effattn-c/Dialects.h"
#include "effattn-c/Registration.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <string.h>

static const char *kValid =
    "func.func @attend(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,\n"
    "                  %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>\n"
    "    attributes {llvm.emit_c_interface} {\n"
    "  %o = effattn.softmax_attention %q, %k, %v causal\n"
    "      : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>,\n"
    "         tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>\n"
    "  return %o : tensor<1x2x8x16xf32>\n"
    "}\n";

/* Dk of k (32) differs from Dk of q (64): a verifier error on line 3. */
static const char *kInvalid =
    "func.func @bad(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x32xf32>,\n"
    "               %v: tensor<2x2x?x32xf32>) {\n"
    "  %0 = effattn.softmax_attention %q, %k, %v : (tensor<2x8x?x64xf32>,\n"
    "      tensor<2x2x?x32xf32>, tensor<2x2x?x32xf32>) -> "
    "tensor<2x8x?x32xf32>\n"
    "  return\n"
    "}\n";

static int failures = 0;

static void expect(int condition, const char *what) {
  if (!condition) {
    printf("UNEXPECTED: %s\n", what);
    ++failures;
  }
}

static void printToStdout(MlirStringRef text, void *userData) {
  (void)userData;
  fwrite(text.data, 1, text.length, stdout);
}

/* Counts the pieces and bytes a callback receives. */
typedef struct {
  size_t pieces;
  size_t bytes;
} Tally;

static void printAndTally(MlirStringRef text, void *userData) {
  Tally *tally = (Tally *)userData;
  ++tally->pieces;
  tally->bytes += text.length;
  fwrite(text.data, 1, text.length, stdout);
}

static void testDialectAndPasses(void) {
  printf("== dialect and passes\n");
  MlirContext ctx = mlirContextCreate();
  MlirDialectHandle handle = mlirGetDialectHandle__effattn__();
  MlirStringRef ns = mlirDialectHandleGetNamespace(handle);
  printf("namespace: %.*s\n", (int)ns.length, ns.data);

  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirEffAttnRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  MlirDialect dialect = mlirDialectHandleLoadDialect(handle, ctx);
  expect(!mlirDialectIsNull(dialect), "effattn dialect loads");

  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kValid));
  expect(!mlirModuleIsNull(module), "the valid module parses");
  if (mlirModuleIsNull(module)) {
    mlirContextDestroy(ctx);
    return;
  }
  MlirOperation moduleOp = mlirModuleGetOperation(module);
  expect(mlirOperationVerify(moduleOp), "the valid module verifies");
  printf("parsed:\n");
  mlirOperationPrint(moduleOp, printToStdout, NULL);
  printf("\n");

  /* Before registration the pass name is unknown; afterwards it parses. */
  MlirStringRef pipeline = mlirStringRefCreateFromCString(
      "builtin.module(convert-effattn-to-linalg)");
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  printf("before registration: ");
  MlirLogicalResult early =
      mlirParsePassPipeline(opm, pipeline, printToStdout, NULL);
  printf("\n");
  expect(mlirLogicalResultIsFailure(early), "unregistered pass is rejected");
  mlirPassManagerDestroy(pm);

  mlirEffAttnRegisterPasses();
  mlirEffAttnRegisterPasses(); /* safe to call twice */
  pm = mlirPassManagerCreate(ctx);
  opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed =
      mlirParsePassPipeline(opm, pipeline, printToStdout, NULL);
  expect(mlirLogicalResultIsSuccess(parsed), "registered pass parses");
  MlirLogicalResult ran = mlirPassManagerRunOnOp(pm, moduleOp);
  expect(mlirLogicalResultIsSuccess(ran), "convert-effattn-to-linalg runs");
  printf("lowered:\n");
  mlirOperationPrint(moduleOp, printToStdout, NULL);
  printf("\n");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

static void testCompile(void) {
  printf("== compile to the LLVM dialect\n");
  Tally tally = {0, 0};
  MlirLogicalResult result = mlirEffAttnCompile(
      mlirStringRefCreateFromCString(kValid), mlirStringRefCreate(NULL, 0),
      MlirEffAttnCompileOutputLLVMDialect, printAndTally, &tally);
  expect(mlirLogicalResultIsSuccess(result), "valid input compiles");
  expect(tally.bytes > 0, "compile output is not empty");
  printf("\n");

  printf("== compile the reference lowering to LLVM IR\n");
  MlirStringRef text;
  result = mlirEffAttnCompileToString(
      mlirStringRefCreateFromCString(kValid),
      mlirStringRefCreateFromCString("reference=true"),
      MlirEffAttnCompileOutputLLVMIR, &text);
  expect(mlirLogicalResultIsSuccess(result), "valid input translates");
  expect(text.data != NULL && text.data[text.length] == '\0',
         "owned string is NUL-terminated");
  expect(strlen(text.data) == text.length, "owned string length");
  printf("%s\n", text.data);
  mlirEffAttnStringDestroy(text);
}

static void testErrors(void) {
  printf("== verifier error\n");
  Tally tally = {0, 0};
  MlirLogicalResult result = mlirEffAttnCompile(
      mlirStringRefCreateFromCString(kInvalid), mlirStringRefCreate(NULL, 0),
      MlirEffAttnCompileOutputLLVMDialect, printAndTally, &tally);
  expect(mlirLogicalResultIsFailure(result), "invalid input fails");
  expect(tally.bytes > 0, "the failure comes with a message");

  printf("== syntax error\n");
  MlirStringRef text;
  result = mlirEffAttnCompileToString(
      mlirStringRefCreateFromCString("func.func @f( {\n"),
      mlirStringRefCreate(NULL, 0), MlirEffAttnCompileOutputLLVMIR, &text);
  expect(mlirLogicalResultIsFailure(result), "syntax error fails");
  printf("%s", text.data);
  mlirEffAttnStringDestroy(text);

  printf("== bad pipeline options\n");
  result = mlirEffAttnCompileToString(
      mlirStringRefCreateFromCString(kValid),
      mlirStringRefCreateFromCString("no-such-option=1"),
      MlirEffAttnCompileOutputLLVMDialect, &text);
  expect(mlirLogicalResultIsFailure(result), "bad options fail");
  printf("%s", text.data);
  mlirEffAttnStringDestroy(text);

  printf("== pass failure\n");
  result = mlirEffAttnCompileToString(
      mlirStringRefCreateFromCString(kValid),
      mlirStringRefCreateFromCString("tuning-table=/nonexistent/table.json"),
      MlirEffAttnCompileOutputLLVMDialect, &text);
  expect(mlirLogicalResultIsFailure(result), "a failing pass fails");
  printf("%s", text.data);
  mlirEffAttnStringDestroy(text);

  printf("== bad output kind\n");
  result = mlirEffAttnCompileToString(mlirStringRefCreateFromCString(kValid),
                                      mlirStringRefCreate(NULL, 0),
                                      (MlirEffAttnCompileOutput)7, &text);
  expect(mlirLogicalResultIsFailure(result), "bad output kind fails");
  printf("%s", text.data);
  mlirEffAttnStringDestroy(text);
  mlirEffAttnStringDestroy(mlirStringRefCreate(NULL, 0));
}

int main(void) {
  testDialectAndPasses();
  testCompile();
  testErrors();
  printf("== %d unexpected\n", failures);
  return failures == 0 ? 0 : 1;
}
