// Calls one mgpu* function of the effattn CUDA runtime, named by argv[1]
// ("none" calls nothing): linking against the runtime and loading it need no
// CUDA driver; the first call without one must print one error line and exit
// with status 1.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void *mgpuStreamCreate(void);
void *mgpuMemAlloc(uint64_t bytes, void *stream, _Bool hostShared);
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuSetDefaultDevice(int32_t device);

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "none";
  if (!strcmp(what, "stream"))
    mgpuStreamCreate();
  else if (!strcmp(what, "alloc"))
    mgpuMemAlloc(1024, 0, 0);
  else if (!strcmp(what, "module"))
    mgpuModuleLoadJIT((void *)".version 8.0\n.target sm_80\n", 2);
  else if (!strcmp(what, "device"))
    mgpuSetDefaultDevice(0);
  else if (strcmp(what, "none")) {
    fprintf(stderr, "mgpu-calls: unknown call '%s'\n", what);
    return 2;
  }
  printf("mgpu-calls: %s returned\n", what);
  return 0;
}
