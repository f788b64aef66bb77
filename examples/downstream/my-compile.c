/*===- my-compile.c - a C program over the installed effattn C API --------===*\
|*                                                                            *|
|* Part of the effattn project, under the Apache License v2.0 with LLVM       *|
|* Exceptions.                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
//
// my-compile FILE [PIPELINE-OPTIONS]: lowers FILE with effattn-to-llvm and
// prints the LLVM dialect module, or the errors on stderr (exit 1).
//
//===----------------------------------------------------------------------===//

#include "effattn-c/Compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s FILE [PIPELINE-OPTIONS]\n", argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    fprintf(stderr, "%s: cannot open %s\n", argv[0], argv[1]);
    return 2;
  }
  char *source = NULL;
  size_t size = 0;
  char chunk[4096];
  size_t read;
  while ((read = fread(chunk, 1, sizeof(chunk), file)) > 0) {
    char *grown = realloc(source, size + read);
    if (!grown) {
      free(source);
      fclose(file);
      return 2;
    }
    source = grown;
    memcpy(source + size, chunk, read);
    size += read;
  }
  fclose(file);

  MlirStringRef options =
      mlirStringRefCreateFromCString(argc == 3 ? argv[2] : "");
  MlirStringRef text;
  MlirLogicalResult result =
      mlirEffAttnCompileToString(mlirStringRefCreate(source, size), options,
                                 MlirEffAttnCompileOutputLLVMDialect, &text);
  free(source);
  if (text.data)
    fputs(text.data, mlirLogicalResultIsSuccess(result) ? stdout : stderr);
  mlirEffAttnStringDestroy(text);
  return mlirLogicalResultIsSuccess(result) ? 0 : 1;
}
