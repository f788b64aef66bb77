//===- ShapeContract.cpp - symbolic shape checks for effattn ops ----------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "effattn/Dialect/EffAttn/IR/ShapeContract.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::effattn;

static std::string formatSpec(ArrayRef<DimSpec> dims) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(dims, os);
  os << "]";
  return s;
}

static std::string formatSizes(ArrayRef<int64_t> sizes) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(sizes, os, [&](int64_t size) {
    if (ShapedType::isDynamic(size))
      os << "?";
    else
      os << size;
  });
  os << "]";
  return s;
}

RankedTensorType ShapeContract::getRanked(StringRef name, Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    op->emitOpError() << "'" << name << "' must be a ranked tensor, got "
                      << value.getType();
  return type;
}

LogicalResult ShapeContract::check(StringRef name, Value value,
                                   ArrayRef<DimSpec> dims) {
  if (!value)
    return success();
  RankedTensorType type = getRanked(name, value);
  if (!type)
    return failure();
  Type elt = type.getElementType();
  if (!isa<Float32Type, Float16Type, BFloat16Type>(elt))
    return op->emitOpError() << "'" << name << "' has element type " << elt
                             << ", but effattn ops take f32, f16 or bf16";
  if (!elementType) {
    elementType = elt;
    elementTypeOrigin = name.str();
  } else if (elt != elementType) {
    return op->emitOpError()
           << "'" << name << "' has element type " << elt << ", but '"
           << elementTypeOrigin << "' has " << elementType
           << " (all floating operands and results share one element type)";
  }
  return checkShape(name, type, dims);
}

LogicalResult ShapeContract::checkInt(StringRef name, Value value,
                                      ArrayRef<DimSpec> dims,
                                      unsigned bitWidth) {
  if (!value)
    return success();
  RankedTensorType type = getRanked(name, value);
  if (!type)
    return failure();
  if (!type.getElementType().isSignlessInteger(bitWidth))
    return op->emitOpError()
           << "'" << name << "' has element type " << type.getElementType()
           << ", but must have i" << bitWidth;
  return checkShape(name, type, dims);
}

LogicalResult ShapeContract::checkShape(StringRef name, RankedTensorType type,
                                        ArrayRef<DimSpec> dims) {
  bool hasBatch = !dims.empty() && dims.front() == "...";
  ArrayRef<DimSpec> named = hasBatch ? dims.drop_front() : dims;
  int64_t rank = type.getRank();
  if (hasBatch ? rank < static_cast<int64_t>(named.size())
               : rank != static_cast<int64_t>(named.size())) {
    InFlightDiagnostic diag = op->emitOpError() << "'" << name << "' must be ";
    if (hasBatch)
      diag << "a tensor of rank >= " << named.size();
    else
      diag << "a " << named.size() << "-D tensor";
    return diag << " " << formatSpec(dims) << ", got " << type;
  }

  ArrayRef<int64_t> shape = type.getShape();
  if (hasBatch) {
    ArrayRef<int64_t> prefix = shape.drop_back(named.size());
    std::string origin = llvm::formatv("'{0}' batch dims", name).str();
    if (!batch) {
      batch = SmallVector<int64_t>(prefix);
      batchOrigin = origin;
    } else {
      bool agree = batch->size() == prefix.size();
      for (auto [a, b] : llvm::zip(*batch, prefix))
        agree &= ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
      if (!agree)
        return op->emitOpError()
               << origin << " " << formatSizes(prefix) << " do not match "
               << batchOrigin << " " << formatSizes(*batch);
    }
    shape = shape.take_back(named.size());
  }

  for (auto [index, spec] : llvm::enumerate(named)) {
    int64_t dim = hasBatch ? type.getRank() - named.size() + index : index;
    std::string origin =
        llvm::formatv("'{0}' dim {1} ({2})", name, dim, spec).str();
    auto [symbol, alt] = spec.split('|');
    int64_t size = shape[index];
    // A broadcastable dimension of size 1 matches anything.
    if (alt == "1" && size == 1)
      continue;
    if (failed(checkDim(symbol, size, origin)))
      return failure();
  }
  return success();
}

LogicalResult ShapeContract::checkDim(StringRef symbol, int64_t size,
                                      StringRef origin) {
  bool dynamic = ShapedType::isDynamic(size);
  auto [it, inserted] = bindings.try_emplace(
      symbol, Binding{size, origin.str(), dynamic ? origin.str() : ""});
  if (inserted)
    return success();
  Binding &bound = it->second;
  if (dynamic) {
    if (bound.dynamicOrigin.empty())
      bound.dynamicOrigin = origin.str();
    return success();
  }
  if (ShapedType::isDynamic(bound.size)) {
    bound.size = size;
    bound.origin = origin.str();
    return success();
  }
  if (bound.size == size)
    return success();
  return op->emitOpError() << origin << " is " << size << ", but "
                           << bound.origin << " is " << bound.size;
}

LogicalResult ShapeContract::bind(StringRef symbol, int64_t size,
                                  StringRef what) {
  return checkDim(symbol, size, what);
}

LogicalResult ShapeContract::requireStatic(StringRef symbol) {
  auto it = bindings.find(symbol);
  if (it == bindings.end() || it->second.dynamicOrigin.empty())
    return success();
  return op->emitOpError() << it->second.dynamicOrigin << " must be static";
}

LogicalResult ShapeContract::requireMultiple(StringRef multiple,
                                             StringRef divisor) {
  std::optional<int64_t> m = size(multiple), d = size(divisor);
  if (!m || !d || (*d > 0 && *m % *d == 0))
    return success();
  return op->emitOpError() << bindings.find(multiple)->second.origin << " is "
                           << *m << ", which is not a multiple of "
                           << bindings.find(divisor)->second.origin << " = "
                           << *d;
}

std::optional<int64_t> ShapeContract::size(StringRef symbol) const {
  auto it = bindings.find(symbol);
  if (it == bindings.end() || ShapedType::isDynamic(it->second.size))
    return std::nullopt;
  return it->second.size;
}
