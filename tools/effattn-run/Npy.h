//===- Npy.h - reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef EFFATTN_TOOLS_EFFATTN_RUN_NPY_H
#define EFFATTN_TOOLS_EFFATTN_RUN_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::effattn {

/// The contents of one .npy file.
struct NpyArray {
  /// The dtype descriptor, e.g. `<f4`.
  std::string dtype;
  std::vector<int64_t> shape;
  /// Raw little-endian, C-ordered element data.
  std::vector<char> data;
};

/// Bytes per element of a supported dtype (`<f4`, `<i4`, `<f2`, `<u2`), 0
/// otherwise.
size_t npyElementSize(llvm::StringRef dtype);

/// Reads a .npy file (format 1.0, 2.0 or 3.0, C order, little-endian).
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Writes a format 1.0 .npy file: to `path`.partial first, renamed to
/// `path` once complete (removed on failure).
llvm::Error writeNpy(llvm::StringRef path, llvm::StringRef dtype,
                     llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<char> data);

} // namespace mlir::effattn

#endif // EFFATTN_TOOLS_EFFATTN_RUN_NPY_H
