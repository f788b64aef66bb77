// Loads a shared library with dlopen, as a host program loads a model that
// effattn-to-nvvm compiled: the library's constructors load its kernels
// through the CUDA runtime.
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: load-model LIBRARY\n");
    return 2;
  }
  void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    fprintf(stderr, "load-model: %s\n", dlerror());
    return 2;
  }
  printf("load-model: loaded %s\n", argv[1]);
  return 0;
}
