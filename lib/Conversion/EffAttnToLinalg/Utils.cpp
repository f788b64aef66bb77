//===- Utils.cpp - shared builders of the effattn to linalg lowering ------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "effattn/Dialect/EffAttn/IR/EffAttnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::effattn;

SmallVector<OpFoldResult> lowering::getDims(OpBuilder &b, Location loc,
                                            Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value lowering::getDimValue(OpBuilder &b, Location loc, Value tensor,
                            int64_t dim) {
  return b.createOrFold<tensor::DimOp>(loc, tensor, dim);
}

Value lowering::createEmpty(OpBuilder &b, Location loc,
                            ArrayRef<OpFoldResult> shape, Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value lowering::createFilled(OpBuilder &b, Location loc,
                             ArrayRef<OpFoldResult> shape, Type elementType,
                             double value) {
  Value empty = createEmpty(b, loc, shape, elementType);
  Value scalar =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, value));
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value lowering::toF32(OpBuilder &b, Location loc, Value scalar) {
  if (scalar.getType().isF32())
    return scalar;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), scalar);
}

Value lowering::fromF32(OpBuilder &b, Location loc, Value scalar, Type type) {
  if (type.isF32())
    return scalar;
  return arith::TruncFOp::create(b, loc, type, scalar);
}

Value lowering::f32Const(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value lowering::buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                             Value init, unsigned numLoops,
                             ArrayRef<SmallVector<AffineExpr>> indexing,
                             ArrayRef<utils::IteratorType> iterators,
                             GenericBody body) {
  SmallVector<AffineMap> maps;
  for (ArrayRef<AffineExpr> exprs : indexing)
    maps.push_back(AffineMap::get(numLoops, 0, exprs, b.getContext()));
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

SmallVector<AffineExpr> lowering::dims(MLIRContext *ctx,
                                       ArrayRef<unsigned> positions) {
  SmallVector<AffineExpr> exprs;
  for (unsigned position : positions)
    exprs.push_back(getAffineDimExpr(position, ctx));
  return exprs;
}

SmallVector<AffineExpr> lowering::broadcastExprs(Value operand,
                                                 ArrayRef<AffineExpr> exprs) {
  auto type = cast<RankedTensorType>(operand.getType());
  SmallVector<AffineExpr> result(exprs);
  MLIRContext *ctx = operand.getContext();
  for (auto [index, size] : llvm::enumerate(type.getShape()))
    if (size == 1)
      result[index] = getAffineConstantExpr(0, ctx);
  return result;
}

FailureOr<int64_t> lowering::getHeadGroup(Value q, Value k) {
  int64_t h = cast<RankedTensorType>(q.getType()).getDimSize(1);
  int64_t hk = cast<RankedTensorType>(k.getType()).getDimSize(1);
  if (ShapedType::isDynamic(h) || ShapedType::isDynamic(hk)) {
    if (h == hk && !ShapedType::isDynamic(h))
      return 1;
    return failure();
  }
  return h / hk;
}

LogicalResult lowering::checkLowerable(Operation *root) {
  bool ok = true;
  root->walk([&](Operation *op) {
    Value q, k;
    if (auto attn = dyn_cast<SoftmaxAttentionOp>(op))
      q = attn.getQ(), k = attn.getK();
    else if (auto attn = dyn_cast<QuadAttentionOp>(op))
      q = attn.getQ(), k = attn.getK();
    else if (auto attn = dyn_cast<LinearAttentionOp>(op))
      q = attn.getQ(), k = attn.getK();
    else if (auto attn = dyn_cast<LowrankAttentionOp>(op))
      q = attn.getQ(), k = attn.getK();
    else if (auto attn = dyn_cast<LowrankKernelAttentionOp>(op))
      q = attn.getQ(), k = attn.getK();
    if (q && failed(getHeadGroup(q, k))) {
      op->emitError() << "lowering needs static head counts H and Hk to map "
                         "query heads to key/value heads";
      ok = false;
    }
  });
  return success(ok);
}

SmallVector<OpFoldResult> lowering::foldSizes(OpBuilder &b,
                                              ArrayRef<OpFoldResult> shape) {
  SmallVector<OpFoldResult> folded;
  for (OpFoldResult size : shape) {
    std::optional<int64_t> constant = getConstantIntValue(size);
    folded.push_back(constant ? b.getIndexAttr(*constant) : size);
  }
  return folded;
}

Value lowering::castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}
