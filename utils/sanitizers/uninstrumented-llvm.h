//===- uninstrumented-llvm.h - ASan builds against an uninstrumented LLVM -===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// Force-included (-include) into every effattn source of an AddressSanitizer
// build (EFFATTN_SANITIZERS=address,..., EFFATTN_ENABLE_FUZZER).
//
// LLVM's allocators (BumpPtrAllocator, Recycler, ArrayRecycler) are header
// code that poisons and unpoisons their slabs when they see ASan. Debian's
// libMLIR.so and libLLVM.so were built without ASan: their copies of the same
// inline functions neither poison nor unpoison, and add no red zones. An
// allocator shared by both sides (the MLIRContext's attribute and type
// uniquers) then hands out memory that our side poisoned and their side never
// unpoisoned, and ASan reports a use-after-poison in correct code. Building
// our copies as LLVM built its own keeps both sides in agreement.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_UTILS_SANITIZERS_UNINSTRUMENTED_LLVM_H
#define EFFATTN_UTILS_SANITIZERS_UNINSTRUMENTED_LLVM_H

#ifdef __cplusplus
#include "llvm/Support/Compiler.h"

#undef LLVM_ADDRESS_SANITIZER_BUILD
#define LLVM_ADDRESS_SANITIZER_BUILD 0
#undef __asan_poison_memory_region
#undef __asan_unpoison_memory_region
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
#endif

#endif // EFFATTN_UTILS_SANITIZERS_UNINSTRUMENTED_LLVM_H
