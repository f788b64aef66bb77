//===- Npy.cpp - reading and writing NumPy .npy files ---------------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>

using namespace mlir::effattn;

static llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

size_t mlir::effattn::npyElementSize(llvm::StringRef dtype) {
  if (dtype == "<f4" || dtype == "<i4")
    return 4;
  if (dtype == "<f2" || dtype == "<u2")
    return 2;
  return 0;
}

/// The value of `key` in the header dict, e.g. `'descr': '<f4'` -> `'<f4'`.
static llvm::StringRef dictValue(llvm::StringRef header, llvm::StringRef key) {
  std::string quoted = ("'" + key + "'").str();
  size_t at = header.find(quoted);
  if (at == llvm::StringRef::npos)
    return {};
  llvm::StringRef rest = header.drop_front(at + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return {};
  rest = rest.ltrim();
  if (rest.starts_with("(")) // a shape tuple
    return rest.take_until([](char c) { return c == ')'; }).drop_front();
  if (rest.starts_with("'"))
    return rest.drop_front().take_until([](char c) { return c == '\''; });
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
}

llvm::Expected<NpyArray> mlir::effattn::readNpy(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return fail("cannot read: " + file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();
  if (!bytes.starts_with("\x93NUMPY") || bytes.size() < 10)
    return fail("not a .npy file");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  auto u8 = [&](size_t i) -> uint64_t {
    return static_cast<unsigned char>(bytes[i]);
  };
  if (major == 1) {
    headerLen = u8(8) | u8(9) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated .npy header");
    headerLen = u8(8) | u8(9) << 8 | u8(10) << 16 | u8(11) << 24;
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + llvm::Twine(major));
  }
  if (bytes.size() < headerStart + headerLen)
    return fail("truncated .npy header");
  llvm::StringRef header = bytes.substr(headerStart, headerLen);

  NpyArray array;
  array.dtype = dictValue(header, "descr").str();
  if (array.dtype.empty())
    return fail("malformed .npy header (no 'descr')");
  if (array.dtype.size() == 3 && array.dtype[0] == '>')
    return fail("big-endian dtype " + array.dtype + " is not supported");
  if (array.dtype.size() == 3 && array.dtype[0] == '|' &&
      array.dtype.substr(1) != "u1")
    array.dtype[0] = '<';
  llvm::StringRef fortran = dictValue(header, "fortran_order");
  if (fortran == "True")
    return fail("Fortran-order arrays are not supported (save a C-order "
                "copy: np.ascontiguousarray)");
  if (fortran != "False")
    return fail("malformed .npy header (no 'fortran_order')");
  llvm::StringRef shape = dictValue(header, "shape");
  if (header.find("'shape'") == llvm::StringRef::npos)
    return fail("malformed .npy header (no 'shape')");
  llvm::SmallVector<llvm::StringRef> dims;
  shape.split(dims, ',', -1, /*KeepEmpty=*/false);
  int64_t count = 1;
  for (llvm::StringRef dim : dims) {
    dim = dim.trim();
    if (dim.empty())
      continue;
    int64_t size;
    if (dim.getAsInteger(10, size) || size < 0)
      return fail("malformed .npy shape (" + shape + ")");
    array.shape.push_back(size);
    if (llvm::MulOverflow(count, size, count))
      return fail("malformed .npy shape (" + shape +
                  "): more than 2^63 elements");
  }
  size_t elementSize = npyElementSize(array.dtype);
  if (elementSize == 0)
    return fail("dtype " + array.dtype +
                " is not supported (use <f4, <f2, <u2 for bf16, or <i4)");
  size_t dataStart = headerStart + headerLen;
  bool tooLarge = false;
  uint64_t need = llvm::SaturatingMultiply<uint64_t>(
      static_cast<uint64_t>(count), elementSize, &tooLarge);
  if (tooLarge)
    return fail("malformed .npy shape (" + shape + "): more than 2^64 bytes");
  if (bytes.size() - dataStart < need)
    return fail("truncated .npy data: " + llvm::Twine(need) +
                " bytes expected, " + llvm::Twine(bytes.size() - dataStart) +
                " present");
  array.data.assign(bytes.begin() + dataStart,
                    bytes.begin() + dataStart + need);
  return array;
}

llvm::Error mlir::effattn::writeNpy(llvm::StringRef path, llvm::StringRef dtype,
                                    llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<char> data) {
  std::string dims;
  for (auto [index, size] : llvm::enumerate(shape))
    dims += (index ? ", " : "") + std::to_string(size);
  if (shape.size() == 1)
    dims += ","; // a one-element tuple
  std::string header = "{'descr': '" + dtype.str() +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so the data starts at a multiple of 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  // Written next to `path` and renamed into place: a failure (a full disk)
  // leaves no partial file behind.
  std::string partial = (path + ".partial").str();
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(partial, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot write " + path + ": " + ec.message());
    os << "\x93NUMPY" << '\x01' << '\x00';
    os << static_cast<char>(header.size() & 0xff)
       << static_cast<char>(header.size() >> 8);
    os << header;
    os.write(data.data(), data.size());
    os.close();
    if (os.has_error()) {
      ec = os.error();
      os.clear_error();
    }
  }
  if (!ec)
    ec = llvm::sys::fs::rename(partial, path);
  if (ec) {
    llvm::sys::fs::remove(partial);
    return fail("cannot write " + path + ": " + ec.message());
  }
  return llvm::Error::success();
}
