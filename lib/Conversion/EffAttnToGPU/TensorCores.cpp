//===- TensorCores.cpp - contractions as mma.sync kernels -----------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// A contraction C[b..., m, n] += A[b..., m, k] * B[b..., k, n] (any operand
// layout) with f16 or bf16 operands and an f32 accumulator becomes one kernel
// of tileM x 64 output tiles, one block (tileM / 16 warps) per tile and batch
// index. Per 32-deep slice of k the block stages A as [m][k] and B as [n][k]
// in workgroup memory (zero outside the operands, so ragged edges need no
// masks), then each warp accumulates its 16x64 slab with 16x8x16
// vector.contracts on vector.transfer_reads of the staged tiles: the shapes
// and maps that convert-vector-to-gpu{use-nvgpu} turns into ldmatrix and
// mma.sync. The accumulators are written to workgroup memory and added to C
// in runs of 4 columns: one 16-byte load and store where C's rows are
// 16-byte aligned and the run is inside C, else element by element.
//
// bf16: upstream's vector-to-nvgpu conversion only types f16 fragments, and
// the f16 and bf16 m16n8k16 fragments have the same layout. So the mma code
// reads the staged bf16 tiles through f16 views of the same bytes (ldmatrix
// moves bits), and each resulting nvgpu.mma.sync becomes an nvvm.mma.sync
// on bf16 (retypeMmaSyncToBF16).
//
// The slices go through `stages` buffers: slice i + stages - 1 is staged
// while slice i is multiplied. Where both operands are contiguous along k
// and 16-byte aligned (checked at run time on the host), a thread stages
// 8 elements at once with a masked 1-D vector.transfer_read (the mask zero
// fills ragged edges), which nvgpu::createAsyncGroups turns into a 16-byte
// cp.async; each slice is one async group, waited for `stages - 1` groups
// later. Otherwise threads stage element by element.
//
// With `emitLaunch` unset, the same vector code runs on the CPU: blocks
// become an scf.parallel, each phase between barriers a loop over threads
// or warps, the accumulators live in the staged C tile between slices, and
// the contractions take their f16 operands extended to f32 (exact products,
// as mma.sync computes them; the CPU lowering has no mixed-precision
// contraction).
//
//===----------------------------------------------------------------------===//

#include "effattn/Conversion/EffAttnToGPU/EffAttnToGPU.h"
#include "effattn/Tuning/TuningTable.h"

#include "mlir/Conversion/VectorToGPU/VectorToGPU.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/NVGPU/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::effattn;

using TC = TensorCoreConfig;

namespace {
// One mma.sync; the bytes of one vector access, the f16 elements of one
// copy and the f32 elements of one access to C.
constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 16;
constexpr int64_t kMmasN = TC::kTileN / kMmaN;
constexpr int64_t kVectorBytes = 16, kCopyElements = 8, kStoreElements = 4;

/// What the kernel builder needs of a matched contraction.
struct Contraction {
  linalg::LinalgOp op;
  linalg::ContractionDimensions dims;
  // f16 or bf16, both operands.
  Type operandType;
};

/// Builds the kernel of one contraction.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, Contraction c, TC config)
      : threads(config.threads()), b(b), loc(loc), c(c), tileM(config.tileM),
        stages(config.stages), warps(config.warps()) {}

  /// Loop sizes, grid, workgroup buffer types and whether the operands can
  /// be copied in vectors: host code, call first.
  void computeSizes();
  Value gridX, gridY, gridZ;
  MemRefType tileAType, tileBType, tileCType;
  int64_t threads;

  /// Block (bx, by, bz) with its staged tiles: the GPU form (one thread
  /// `tid`; the returned barrier ends the main loop) or the CPU form (all
  /// threads in turn).
  /// `mmaA` and `mmaB` are `sA` and `sB` as the mma reads them (f16 views
  /// of bf16 tiles).
  gpu::BarrierOp buildGPUBlock(Value bx, Value by, Value bz, Value tid,
                               Value sA, Value sB, Value sC, Value mmaA,
                               Value mmaB);
  void buildCPUBlock(Value bx, Value by, Value bz, Value sA, Value sB,
                     Value sC);
  /// The GPU form's addition of the staged C tile into C, built after the
  /// mma code is converted (its scalar arithmetic would stop the conversion).
  void buildGPUEpilogue(Value bx, Value by, Value bz, Value tid);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value apply(AffineExpr e, ValueRange operands) {
    return affine::AffineApplyOp::create(
        b, loc, AffineMap::get(operands.size(), 0, e), operands);
  }
  void setBlock(Value bx, Value by, Value bz);
  /// Operand `operand`'s indices at the loop indices `ivs` (by loop dim).
  SmallVector<Value> operandIndices(unsigned operand, ArrayRef<Value> ivs);
  /// The loop indices of the block's batch, with `row` along `rowDim` and
  /// `k` along k.
  SmallVector<Value> loopIndices(unsigned rowDim, Value row, Value k);
  Value inBounds(Value i, Value size);
  /// Whether `operand` can be accessed in 16-byte vectors along loop dim
  /// `dim`: contiguous along it in its type, and (at run time) its rows
  /// 16-byte aligned.
  Value canUseVectors(unsigned operand, unsigned dim);
  /// Thread `tid`'s share of staging the slice at `kt` of A and B into
  /// buffer `buffer`.
  void stageSlice(Value kt, Value buffer, Value tid);
  void stageVectors(unsigned operand, Value tile, unsigned rowDim, Value origin,
                    int64_t rows, Value kt, Value buffer, Value tid);
  void stageElements(unsigned operand, Value tile, unsigned rowDim,
                     Value origin, int64_t rows, Value kt, Value buffer,
                     Value tid);
  /// The buffer of the slice at `kt` plus `ahead` slices.
  Value bufferOf(Value kt, int64_t ahead);
  /// Warp `warp`'s mma of the slice staged in buffer `buffer`.
  SmallVector<Value> multiply(Value warp, Value buffer, ValueRange accs);
  /// Thread `tid`'s share of adding the staged C tile into C.
  void addTile(Value tid);

  OpBuilder &b;
  Location loc;
  Contraction c;
  int64_t tileM, stages, warps;
  SmallVector<Value> loopSizes;
  Value sizeM, sizeN, sizeK;
  // Whether A and B can be staged in vectors (false when statically known),
  // and the condition the staging branches on: both where both may.
  Value copyA, copyB, copyVectors, storeVectors;
  Value sA, sB, sC, mmaA, mmaB;
  // Contract in f32 (the CPU form: the vector-to-LLVM lowering has no mixed
  // precision contraction; f16 products are exact in f32 either way).
  bool extendOperands = false;
  // The block's batch indices (by loop dim) and tile origins.
  DenseMap<unsigned, Value> batchIndex;
  Value m0, n0;
};
} // namespace

int64_t TensorCoreConfig::sharedMemoryBytes() const {
  // The staged slices, and (aliasing them after the main loop) the C tile.
  int64_t slices = stages * (tileM + kTileN) * kTileK * 2;
  return std::max(slices, tileM * kTileN * 4);
}

std::string TensorCoreConfig::check() const {
  if (tileM != 16 && tileM != 32 && tileM != 64 && tileM != 128)
    return "warps must be 1, 2, 4 or 8, got " + std::to_string(warps());
  if (stages < 1 || stages > 4)
    return "stages must be in [1, 4], got " + std::to_string(stages);
  if (sharedMemoryBytes() > kMaxSharedMemoryBytes)
    return std::to_string(warps()) + " warps with " + std::to_string(stages) +
           " stages needs " + std::to_string(sharedMemoryBytes()) +
           " bytes of workgroup memory, over the " +
           std::to_string(kMaxSharedMemoryBytes) + "-byte limit";
  return "";
}

/// Matches the contractions the kernel serves.
static FailureOr<Contraction> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.size() != 1)
    return failure();
  // The innermost m and n dims make the tiles; any other m or n dim (the
  // query groups of grouped-query attention) joins the batch dims of the
  // grid, indexing only the operands that have it.
  for (auto *group : {&dims->m, &dims->n}) {
    llvm::sort(*group);
    dims->batch.append(group->begin(), group->end() - 1);
    group->erase(group->begin(), group->end() - 1);
  }
  auto elementType = [&](unsigned i) {
    return cast<MemRefType>(op->getOperand(i).getType()).getElementType();
  };
  Type operandType = elementType(0);
  if (!(operandType.isF16() || operandType.isBF16()) ||
      elementType(1) != operandType || !elementType(2).isF32())
    return failure();
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return failure();
  return Contraction{op, *dims, operandType};
}

bool mlir::effattn::isTensorCoreContraction(linalg::LinalgOp op) {
  return succeeded(matchContraction(op));
}

std::optional<TensorCoreConfig>
mlir::effattn::getTensorCoreConfig(Operation *op,
                                   const GPUMappingOptions &options) {
  TensorCoreConfig config;
  if (auto chosen = op->getAttrOfType<DictionaryAttr>(kTensorCoreAttrName)) {
    if (auto mma = chosen.getAs<StringAttr>("mma"); mma && mma == "none")
      return std::nullopt;
    auto field = [&](StringRef name) -> int64_t {
      auto value = chosen.getAs<IntegerAttr>(name);
      return value ? value.getInt() : 0;
    };
    config = config.withOverrides(field("warps"), field("stages"));
  }
  return config.withOverrides(options.tensorCoreWarps,
                              options.tensorCoreStages);
}

void KernelBuilder::computeSizes() {
  for (Range range : c.op.createLoopRanges(b, loc))
    loopSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  sizeM = loopSizes[c.dims.m[0]];
  sizeN = loopSizes[c.dims.n[0]];
  sizeK = loopSizes[c.dims.k[0]];
  Value one = index(1);
  auto blocks = [&](Value size, int64_t tile) {
    Value n = b.createOrFold<arith::CeilDivUIOp>(loc, size, index(tile));
    // CUDA rejects an empty grid: an empty contraction runs one idle block.
    return b.createOrFold<arith::MaxUIOp>(loc, n, one);
  };
  gridX = blocks(sizeN, TC::kTileN);
  gridY = blocks(sizeM, tileM);
  gridZ = one;
  for (unsigned d : c.dims.batch)
    gridZ = b.createOrFold<arith::MulIOp>(loc, gridZ, loopSizes[d]);
  gridZ = b.createOrFold<arith::MaxUIOp>(loc, gridZ, one);
  unsigned k = c.dims.k[0];
  copyA = canUseVectors(0, k);
  copyB = canUseVectors(1, k);
  if (!isConstantIntValue(copyA, 0) && !isConstantIntValue(copyB, 0))
    copyVectors = arith::AndIOp::create(b, loc, copyA, copyB);
  else
    copyVectors = isConstantIntValue(copyA, 0) ? copyB : copyA;
  storeVectors = canUseVectors(2, c.dims.n[0]);
  Type operand = c.operandType, f32 = b.getF32Type();
  tileAType = MemRefType::get({stages, tileM, TC::kTileK}, operand);
  tileBType = MemRefType::get({stages, TC::kTileN, TC::kTileK}, operand);
  tileCType = MemRefType::get({tileM, TC::kTileN}, f32);
}

Value KernelBuilder::canUseVectors(unsigned operand, unsigned dim) {
  Value memref = c.op->getOperand(operand);
  auto type = cast<MemRefType>(memref.getType());
  AffineMap map = c.op.getIndexingMapsArray()[operand];
  SmallVector<int64_t> strides;
  int64_t offset;
  if (map.getNumResults() == 0 ||
      map.getDimPosition(map.getNumResults() - 1) != dim ||
      failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return arith::ConstantIntOp::create(b, loc, 0, 1);
  // Every row starts 16 bytes aligned: the aligned pointer plus the offset,
  // and every outer stride, in bytes, multiples of 16.
  int64_t bytes = type.getElementTypeBitWidth() / 8;
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value address = arith::AddIOp::create(
      b, loc, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref),
      arith::MulIOp::create(b, loc, metadata.getOffset(), index(bytes)));
  Value zero = index(0);
  auto divisible = [&](Value v, int64_t by) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                 arith::RemUIOp::create(b, loc, v, index(by)),
                                 zero);
  };
  Value ok = divisible(address, kVectorBytes);
  for (Value stride : metadata.getStrides().drop_back())
    ok = arith::AndIOp::create(b, loc, ok,
                               divisible(stride, kVectorBytes / bytes));
  return ok;
}

void KernelBuilder::setBlock(Value bx, Value by, Value bz) {
  // Index arithmetic stays affine (or uses arith ops that have no
  // gpu.subgroup_mma_elementwise counterpart): convert-vector-to-gpu sweeps
  // everything the accumulator loop uses into its slice and fails on addi,
  // muli, divui.
  // bz enumerates the batch dims, the last fastest.
  Value rest = bz;
  for (unsigned d : llvm::reverse(c.dims.batch)) {
    batchIndex[d] = arith::RemUIOp::create(b, loc, rest, loopSizes[d]);
    rest = arith::FloorDivSIOp::create(b, loc, rest, loopSizes[d]);
  }
  AffineExpr e = getAffineDimExpr(0, b.getContext());
  m0 = apply(e * tileM, by);
  n0 = apply(e * TC::kTileN, bx);
}

SmallVector<Value> KernelBuilder::operandIndices(unsigned operand,
                                                 ArrayRef<Value> ivs) {
  AffineMap map = c.op.getIndexingMapsArray()[operand];
  SmallVector<Value> indices;
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i)
    indices.push_back(ivs[map.getDimPosition(i)]);
  return indices;
}

SmallVector<Value> KernelBuilder::loopIndices(unsigned rowDim, Value row,
                                              Value k) {
  SmallVector<Value> ivs(loopSizes.size());
  for (auto [d, v] : batchIndex)
    ivs[d] = v;
  ivs[rowDim] = row;
  ivs[c.dims.k[0]] = k;
  return ivs;
}

Value KernelBuilder::inBounds(Value i, Value size) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i, size);
}

Value KernelBuilder::bufferOf(Value kt, int64_t ahead) {
  AffineExpr e = getAffineDimExpr(0, b.getContext());
  return apply((e.floorDiv(TC::kTileK) + ahead) % stages, kt);
}

void KernelBuilder::stageVectors(unsigned operand, Value tile, unsigned rowDim,
                                 Value origin, int64_t rows, Value kt,
                                 Value buffer, Value tid) {
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2, d3;
  bindDims(ctx, d0, d1, d2, d3);
  constexpr int64_t perRow = TC::kTileK / kCopyElements;
  auto vectorType = VectorType::get({kCopyElements}, c.operandType);
  auto maskType = VectorType::get({kCopyElements}, b.getI1Type());
  Value pad =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(c.operandType, 0.0));
  // Straight-line code, so that all copies of the slice form one async
  // group.
  for (int64_t j = 0, e = rows * perRow / threads; j < e; ++j) {
    Value flat = apply(d0 + j * threads, tid);
    Value r = apply(d0.floorDiv(perRow), flat);
    Value col = apply((d0 % perRow) * kCopyElements, flat);
    Value row = apply(d0 + d1, {origin, r});
    Value k = apply(d0 + d1, {kt, col});
    // Elements in bounds: min(8, K - k), none past the last row (affine: no
    // arithmetic convert-vector-to-gpu would take for matrix arithmetic).
    Value size = loopSizes[rowDim];
    Value count = affine::AffineMinOp::create(
        b, loc,
        AffineMap::get(4, 0,
                       {getAffineConstantExpr(kCopyElements, ctx), d0 - d1,
                        (d2 - d3) * kCopyElements},
                       ctx),
        ValueRange{sizeK, k, size, row});
    count = affine::AffineMaxOp::create(
        b, loc, AffineMap::get(1, 0, {getAffineConstantExpr(0, ctx), d0}, ctx),
        count);
    Value mask = vector::CreateMaskOp::create(b, loc, maskType, count);
    Value source = c.op->getOperand(operand);
    auto read = vector::TransferReadOp::create(
        b, loc, vectorType, source,
        operandIndices(operand, loopIndices(rowDim, row, k)), pad,
        ArrayRef<bool>{true});
    read.getMaskMutable().assign(mask);
    Value v = read;
    vector::TransferWriteOp::create(b, loc, v, tile, ValueRange{buffer, r, col},
                                    ArrayRef<bool>{true});
  }
}

void KernelBuilder::stageElements(unsigned operand, Value tile, unsigned rowDim,
                                  Value origin, int64_t rows, Value kt,
                                  Value buffer, Value tid) {
  MLIRContext *ctx = b.getContext();
  AffineExpr e = getAffineDimExpr(0, ctx);
  Value zero =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(c.operandType, 0.0));
  auto loop =
      scf::ForOp::create(b, loc, tid, index(rows * TC::kTileK), index(threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value flat = loop.getInductionVar();
  Value r = apply(e.floorDiv(TC::kTileK), flat);
  Value col = apply(e % TC::kTileK, flat);
  AffineExpr sum = e + getAffineDimExpr(1, ctx);
  Value row = apply(sum, {origin, r});
  Value k = apply(sum, {kt, col});
  Value ok = arith::AndIOp::create(b, loc, inBounds(row, loopSizes[rowDim]),
                                   inBounds(k, sizeK));
  auto ifOp = scf::IfOp::create(
      b, loc, ok,
      [&](OpBuilder &nb, Location l) {
        Value v = memref::LoadOp::create(
            nb, l, c.op->getOperand(operand),
            operandIndices(operand, loopIndices(rowDim, row, k)));
        scf::YieldOp::create(nb, l, v);
      },
      [&](OpBuilder &nb, Location l) { scf::YieldOp::create(nb, l, zero); });
  memref::StoreOp::create(b, loc, ifOp.getResult(0), tile,
                          ValueRange{buffer, r, col});
}

void KernelBuilder::stageSlice(Value kt, Value buffer, Value tid) {
  // An operand that can never be copied in vectors (its layout is not
  // contiguous along k) is staged element by element on both branches, so
  // the other one still gets 16-byte copies; each branch holds at most one
  // async group per slice.
  auto stage = [&](bool vectorsA, bool vectorsB) {
    (this->*(vectorsA ? &KernelBuilder::stageVectors
                      : &KernelBuilder::stageElements))(0, sA, c.dims.m[0], m0,
                                                        tileM, kt, buffer, tid);
    (this->*(vectorsB ? &KernelBuilder::stageVectors
                      : &KernelBuilder::stageElements))(
        1, sB, c.dims.n[0], n0, TC::kTileN, kt, buffer, tid);
  };
  if (isConstantIntValue(copyVectors, 0))
    return stage(false, false);
  auto ifOp = scf::IfOp::create(b, loc, copyVectors, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  stage(!isConstantIntValue(copyA, 0), !isConstantIntValue(copyB, 0));
  b.setInsertionPointToStart(ifOp.elseBlock());
  stage(false, false);
}

SmallVector<Value> KernelBuilder::multiply(Value warp, Value buffer,
                                           ValueRange accs) {
  MLIRContext *ctx = b.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto maps = b.getAffineMapArrayAttr({AffineMap::get(3, 0, {m, k}, ctx),
                                       AffineMap::get(3, 0, {n, k}, ctx),
                                       AffineMap::get(3, 0, {m, n}, ctx)});
  auto iterators = b.getArrayAttr(
      {vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
       vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
       vector::IteratorTypeAttr::get(ctx, vector::IteratorType::reduction)});
  // The slice of each operand, as the 2-D tile the conversion to ldmatrix
  // expects.
  auto slice = [&](Value tile) {
    auto type = cast<MemRefType>(tile.getType());
    SmallVector<OpFoldResult> offsets = {buffer, b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                       b.getIndexAttr(type.getDimSize(1)),
                                       b.getIndexAttr(type.getDimSize(2))};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    auto resultType = memref::SubViewOp::inferRankReducedResultType(
        {type.getDimSize(1), type.getDimSize(2)}, type, offsets, sizes,
        strides);
    return memref::SubViewOp::create(b, loc, cast<MemRefType>(resultType), tile,
                                     offsets, sizes, strides);
  };
  Value tileA = slice(mmaA), tileB = slice(mmaB);
  Type fragment = cast<MemRefType>(mmaA.getType()).getElementType();
  auto aType = VectorType::get({kMmaM, kMmaK}, fragment);
  auto bType = VectorType::get({kMmaN, kMmaK}, fragment);
  Value pad = arith::ConstantOp::create(b, loc, b.getFloatAttr(fragment, 0.0));
  // Index arithmetic on the warp id stays affine: convert-vector-to-gpu
  // cannot follow arith ops on thread ids into the reads.
  Value row = apply(getAffineDimExpr(0, ctx) * kMmaM, warp);
  SmallVector<Value> result(accs.begin(), accs.end());
  for (int64_t ks = 0; ks < TC::kTileK; ks += kMmaK) {
    Value kIndex = index(ks);
    Value a = vector::TransferReadOp::create(b, loc, aType, tileA,
                                             ValueRange{row, kIndex}, pad,
                                             ArrayRef<bool>{true, true});
    for (int64_t j = 0; j < kMmasN; ++j) {
      Value bv = vector::TransferReadOp::create(
          b, loc, bType, tileB, ValueRange{index(j * kMmaN), kIndex}, pad,
          ArrayRef<bool>{true, true});
      Value lhs = a, rhs = bv;
      if (extendOperands) {
        lhs = arith::ExtFOp::create(
            b, loc, VectorType::get(aType.getShape(), b.getF32Type()), a);
        rhs = arith::ExtFOp::create(
            b, loc, VectorType::get(bType.getShape(), b.getF32Type()), bv);
      }
      result[j] = vector::ContractionOp::create(b, loc, lhs, rhs, result[j],
                                                maps, iterators);
    }
  }
  return result;
}

void KernelBuilder::addTile(Value tid) {
  // Per thread, runs of 4 columns: one 16-byte load and store of C where C
  // allows (storeVectors) and the run is inside C, else element by element.
  MLIRContext *ctx = b.getContext();
  AffineExpr e = getAffineDimExpr(0, ctx), f = getAffineDimExpr(1, ctx);
  constexpr int64_t perRow = TC::kTileN / kStoreElements;
  auto loop =
      scf::ForOp::create(b, loc, tid, index(tileM * perRow), index(threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value flat = loop.getInductionVar();
  Value r = apply(e.floorDiv(perRow), flat);
  Value col = apply((e % perRow) * kStoreElements, flat);
  Value row = apply(e + f, {m0, r});
  Value column = apply(e + f, {n0, col});
  Value rowIn = inBounds(row, sizeM);
  Value out = c.op->getOperand(2);
  auto indicesAt = [&](Value n) {
    SmallVector<Value> ivs(loopSizes.size());
    for (auto [d, v] : batchIndex)
      ivs[d] = v;
    ivs[c.dims.m[0]] = row;
    ivs[c.dims.n[0]] = n;
    return operandIndices(2, ivs);
  };
  Value runIn = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                      apply(e + kStoreElements, column), sizeN);
  Value vectors = arith::AndIOp::create(
      b, loc, storeVectors, arith::AndIOp::create(b, loc, rowIn, runIn));
  auto ifOp = scf::IfOp::create(b, loc, vectors, /*withElseRegion=*/true);
  b.setInsertionPointToStart(ifOp.thenBlock());
  auto vectorType = VectorType::get({kStoreElements}, b.getF32Type());
  llvm::MaybeAlign align(kVectorBytes);
  SmallVector<Value> indices = indicesAt(column);
  Value sum = arith::AddFOp::create(
      b, loc,
      vector::LoadOp::create(b, loc, vectorType, out, indices, false, align),
      vector::LoadOp::create(b, loc, vectorType, sC, ValueRange{r, col}, false,
                             align));
  vector::StoreOp::create(b, loc, sum, out, indices, false, align);
  b.setInsertionPointToStart(ifOp.elseBlock());
  for (int64_t i = 0; i < kStoreElements; ++i) {
    Value n = apply(e + i, column);
    Value ok = arith::AndIOp::create(b, loc, rowIn, inBounds(n, sizeN));
    auto inside = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard elementGuard(b);
    b.setInsertionPointToStart(inside.thenBlock());
    SmallVector<Value> at = indicesAt(n);
    Value element = arith::AddFOp::create(
        b, loc, memref::LoadOp::create(b, loc, out, at),
        memref::LoadOp::create(b, loc, sC, ValueRange{r, apply(e + i, col)}));
    memref::StoreOp::create(b, loc, element, out, at);
  }
}

gpu::BarrierOp KernelBuilder::buildGPUBlock(Value bx, Value by, Value bz,
                                            Value tid, Value tileA, Value tileB,
                                            Value tileC, Value mmaTileA,
                                            Value mmaTileB) {
  sA = tileA;
  sB = tileB;
  sC = tileC;
  mmaA = mmaTileA;
  mmaB = mmaTileB;
  setBlock(bx, by, bz);
  AffineExpr e = getAffineDimExpr(0, b.getContext());
  Value warp = apply(e.floorDiv(32), tid);
  auto accType = VectorType::get({kMmaM, kMmaN}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0)));
  SmallVector<Value> init(kMmasN, zero);
  // Prologue: the first stages - 1 slices.
  for (int64_t s = 0; s + 1 < stages; ++s)
    stageSlice(index(s * TC::kTileK), index(s), tid);
  auto loop =
      scf::ForOp::create(b, loc, index(0), sizeK, index(TC::kTileK), init,
                         [&](OpBuilder &, Location, Value kt, ValueRange accs) {
                           // Slices past K are staged too (as zeros): every
                           // iteration commits one group, so waiting for all
                           // but stages - 1 of them is the slice about to be
                           // multiplied.
                           stageSlice(apply(e + (stages - 1) * TC::kTileK, kt),
                                      bufferOf(kt, stages - 1), tid);
                           gpu::BarrierOp::create(b, loc);
                           SmallVector<Value> next =
                               multiply(warp, bufferOf(kt, 0), accs);
                           // A later slice overwrites the buffer.
                           gpu::BarrierOp::create(b, loc);
                           scf::YieldOp::create(b, loc, next);
                         });
  // The C tile aliases the slices: no copy may still be in flight.
  auto drained = gpu::BarrierOp::create(b, loc);
  for (int64_t j = 0; j < kMmasN; ++j)
    vector::TransferWriteOp::create(
        b, loc, loop.getResult(j), sC,
        ValueRange{apply(e * kMmaM, warp), index(j * kMmaN)},
        ArrayRef<bool>{true, true});
  gpu::BarrierOp::create(b, loc);
  return drained;
}

void KernelBuilder::buildGPUEpilogue(Value bx, Value by, Value bz, Value tid) {
  // The block's indices again: the conversion may have folded the first ones.
  setBlock(bx, by, bz);
  addTile(tid);
}

void KernelBuilder::buildCPUBlock(Value bx, Value by, Value bz, Value tileA,
                                  Value tileB, Value tileC) {
  sA = mmaA = tileA;
  sB = mmaB = tileB;
  sC = tileC;
  extendOperands = true;
  setBlock(bx, by, bz);
  MLIRContext *ctx = b.getContext();
  AffineExpr e = getAffineDimExpr(0, ctx);
  auto accType = VectorType::get({kMmaM, kMmaN}, b.getF32Type());
  Value zeroF32 = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  linalg::FillOp::create(b, loc, zeroF32, sC);
  // Each phase between two barriers of the GPU form, over all threads (or
  // warps) in turn.
  auto forAll = [&](int64_t count, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, loc, index(0), index(count), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  };
  for (int64_t s = 0; s + 1 < stages; ++s)
    forAll(threads, [&](Value tid) {
      stageSlice(index(s * TC::kTileK), index(s), tid);
    });
  auto kLoop = scf::ForOp::create(b, loc, index(0), sizeK, index(TC::kTileK));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value kt = kLoop.getInductionVar();
    forAll(threads, [&](Value tid) {
      stageSlice(apply(e + (stages - 1) * TC::kTileK, kt),
                 bufferOf(kt, stages - 1), tid);
    });
    forAll(warps, [&](Value warp) {
      Value row = apply(e * kMmaM, warp);
      SmallVector<Value> accs;
      for (int64_t j = 0; j < kMmasN; ++j)
        accs.push_back(vector::TransferReadOp::create(
            b, loc, accType, sC, ValueRange{row, index(j * kMmaN)}, zeroF32,
            ArrayRef<bool>{true, true}));
      SmallVector<Value> next = multiply(warp, bufferOf(kt, 0), accs);
      for (int64_t j = 0; j < kMmasN; ++j)
        vector::TransferWriteOp::create(b, loc, next[j], sC,
                                        ValueRange{row, index(j * kMmaN)},
                                        ArrayRef<bool>{true, true});
    });
  }
  forAll(threads, [&](Value tid) { addTile(tid); });
}

/// Replaces each nvgpu.mma.sync of `root`, whose f16 fragments hold bf16
/// bits, by the nvvm.mma.sync on bf16 with the same fragments: A's and B's
/// rows packed in 32-bit registers, C's and D's elements row by row.
static LogicalResult retypeMmaSyncToBF16(RewriterBase &rewriter,
                                         Operation *root) {
  SmallVector<nvgpu::MmaSyncOp> mmas;
  root->walk([&](nvgpu::MmaSyncOp mma) { mmas.push_back(mma); });
  MLIRContext *ctx = rewriter.getContext();
  Type f16 = rewriter.getF16Type(), f32 = rewriter.getF32Type();
  auto aType = VectorType::get({4, 2}, f16),
       bType = VectorType::get({2, 2}, f16);
  auto cType = VectorType::get({2, 2}, f32);
  auto wordType = VectorType::get({1}, rewriter.getI32Type());
  auto resultType = LLVM::LLVMStructType::getLiteral(ctx, {f32, f32, f32, f32});
  for (nvgpu::MmaSyncOp mma : mmas) {
    if (mma.getMatrixA().getType() != aType ||
        mma.getMatrixB().getType() != bType ||
        mma.getMatrixC().getType() != cType ||
        mma.getMmaShapeAsArray() != std::array<int64_t, 3>{kMmaM, kMmaN, kMmaK})
      return mma.emitError("tensor-core kernel: unexpected mma.sync fragments "
                           "for bf16");
    rewriter.setInsertionPoint(mma);
    Location loc = mma.getLoc();
    auto words = [&](Value fragment, int64_t rows) {
      SmallVector<Value> result;
      for (int64_t i = 0; i < rows; ++i) {
        Value row = vector::ExtractOp::create(rewriter, loc, fragment, i);
        Value word = vector::BitCastOp::create(rewriter, loc, wordType, row);
        result.push_back(vector::ExtractOp::create(rewriter, loc, word, 0));
      }
      return result;
    };
    SmallVector<Value> aWords = words(mma.getMatrixA(), 4);
    SmallVector<Value> bWords = words(mma.getMatrixB(), 2);
    SmallVector<Value> acc;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 2; ++j)
        acc.push_back(vector::ExtractOp::create(rewriter, loc, mma.getMatrixC(),
                                                ArrayRef<int64_t>{i, j}));
    auto bf16 = NVVM::MMATypes::bf16;
    Value d = NVVM::MmaOp::create(
        rewriter, loc, resultType, aWords, bWords, acc, {kMmaM, kMmaN, kMmaK},
        /*b1Op=*/std::nullopt, /*intOverflow=*/std::nullopt,
        std::array<NVVM::MMATypes, 2>{bf16, bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> elements;
    for (int64_t i = 0; i < 4; ++i)
      elements.push_back(LLVM::ExtractValueOp::create(rewriter, loc, d, i));
    rewriter.replaceOpWithNewOp<vector::FromElementsOp>(mma, cType, elements);
  }
  return success();
}

/// Turns the vector copies of `launch` into cp.async groups, each waited for
/// `stages - 1` groups later in the main loop and drained before `drained`.
static void pipelineCopies(RewriterBase &rewriter, gpu::LaunchOp launch,
                           gpu::BarrierOp drained, int64_t stages) {
  nvgpu::createAsyncGroups(rewriter, launch, /*bypassL1=*/true);
  Operation *mainLoop = drained->getPrevNode();
  launch.walk([&](nvgpu::DeviceAsyncWaitOp wait) {
    if (mainLoop->isProperAncestor(wait))
      wait.setNumGroups(stages - 1);
  });
  // Waiting for an (empty) last group waits for all of them.
  rewriter.setInsertionPoint(drained);
  Location loc = drained.getLoc();
  auto tokenType = nvgpu::DeviceAsyncTokenType::get(rewriter.getContext());
  Value last = nvgpu::DeviceAsyncCreateGroupOp::create(rewriter, loc, tokenType,
                                                       ValueRange{});
  nvgpu::DeviceAsyncWaitOp::create(rewriter, loc, last,
                                   rewriter.getI32IntegerAttr(0));
}

FailureOr<Operation *>
mlir::effattn::mapContractionToTensorCores(RewriterBase &rewriter,
                                           linalg::LinalgOp op,
                                           const GPUMappingOptions &options) {
  FailureOr<Contraction> contraction = matchContraction(op);
  if (failed(contraction))
    return rewriter.notifyMatchFailure(op, "not an f16 or bf16 contraction "
                                           "into f32 with one m, n, k");
  std::optional<TensorCoreConfig> chosen = getTensorCoreConfig(op, options);
  if (!chosen)
    return rewriter.notifyMatchFailure(op, "the tuning table chose no "
                                           "tensor cores");
  const TensorCoreConfig &config = *chosen;
  if (std::string error = config.check(); !error.empty())
    return op->emitError("tensor-core kernel: ") << error;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  KernelBuilder kernel(rewriter, loc, *contraction, config);
  kernel.computeSizes();
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Operation *mapped;
  if (options.emitLaunch) {
    auto workgroup = gpu::AddressSpaceAttr::get(rewriter.getContext(),
                                                gpu::AddressSpace::Workgroup);
    // Dynamic workgroup memory: its lowering aligns it to 16 bytes, as
    // ldmatrix and the 16-byte cp.async need (a static attribution of bytes
    // is only byte aligned).
    Value sharedBytes = arith::ConstantIntOp::create(
        rewriter, loc, config.sharedMemoryBytes(), /*width=*/32);
    auto launch = gpu::LaunchOp::create(
        rewriter, loc, kernel.gridX, kernel.gridY, kernel.gridZ,
        arith::ConstantIndexOp::create(rewriter, loc, kernel.threads), one, one,
        sharedBytes);
    rewriter.setInsertionPointToEnd(&launch.getBody().front());
    Value bytes = gpu::DynamicSharedMemoryOp::create(
        rewriter, loc,
        MemRefType::get({ShapedType::kDynamic}, rewriter.getI8Type(),
                        AffineMap(), workgroup));
    // A and B slices side by side; C at the start, once the slices are done.
    auto view = [&](MemRefType type, int64_t offset, Type elementType) {
      return memref::ViewOp::create(
          rewriter, loc,
          MemRefType::get(type.getShape(), elementType, AffineMap(), workgroup),
          bytes, arith::ConstantIndexOp::create(rewriter, loc, offset),
          ValueRange{});
    };
    int64_t offsetB = kernel.tileAType.getNumElements() * 2;
    Type operand = contraction->operandType, f16 = rewriter.getF16Type();
    Value sA = view(kernel.tileAType, 0, operand);
    Value sB = view(kernel.tileBType, offsetB, operand);
    Value sC = view(kernel.tileCType, 0, rewriter.getF32Type());
    Value mmaA = operand == f16 ? sA : view(kernel.tileAType, 0, f16);
    Value mmaB = operand == f16 ? sB : view(kernel.tileBType, offsetB, f16);
    gpu::BarrierOp drained = kernel.buildGPUBlock(
        launch.getBlockIds().x, launch.getBlockIds().y, launch.getBlockIds().z,
        launch.getThreadIds().x, sA, sB, sC, mmaA, mmaB);
    gpu::TerminatorOp::create(rewriter, loc);
    // vector.contract -> nvgpu.mma.sync, reads of the staged tiles ->
    // nvgpu.ldmatrix, here where the kernel holds nothing else: the upstream
    // conversion gives up on a kernel with scalar arithmetic it takes for
    // matrix arithmetic.
    RewritePatternSet patterns(rewriter.getContext());
    populatePrepareVectorToMMAPatterns(patterns, /*useNvGpu=*/true);
    if (failed(applyPatternsGreedily(launch, std::move(patterns))))
      return launch.emitError("tensor-core kernel: mma preparation failed");
    if (failed(convertVectorToNVVMCompatibleMMASync(rewriter, launch)))
      return launch.emitError("tensor-core kernel: mma conversion failed");
    pipelineCopies(rewriter, launch, drained, config.stages);
    // Both conversions leave the vector ops they replaced behind.
    (void)runRegionDCE(rewriter, launch->getRegions());
    bool contractsLeft = false, mmas = false;
    launch.walk([&](Operation *inner) {
      contractsLeft |= isa<vector::ContractionOp>(inner);
      mmas |= isa<nvgpu::MmaSyncOp>(inner);
    });
    if (contractsLeft || !mmas)
      return launch.emitError(
          "tensor-core kernel: vector.contract not converted to mma.sync");
    if (operand.isBF16() && failed(retypeMmaSyncToBF16(rewriter, launch)))
      return failure();
    rewriter.setInsertionPoint(launch.getBody().front().getTerminator());
    kernel.buildGPUEpilogue(launch.getBlockIds().x, launch.getBlockIds().y,
                            launch.getBlockIds().z, launch.getThreadIds().x);
    mapped = launch;
  } else {
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    auto blocks = scf::ParallelOp::create(
        rewriter, loc, ValueRange{zero, zero, zero},
        ValueRange{kernel.gridZ, kernel.gridY, kernel.gridX},
        ValueRange{one, one, one});
    rewriter.setInsertionPoint(blocks.getBody()->getTerminator());
    // The CPU form keeps the accumulators in C between slices: no aliasing.
    auto alloc = [&](MemRefType type) {
      return memref::AllocOp::create(rewriter, loc, type,
                                     rewriter.getI64IntegerAttr(kVectorBytes));
    };
    Value sA = alloc(kernel.tileAType), sB = alloc(kernel.tileBType),
          sC = alloc(kernel.tileCType);
    SmallVector<Value> ivs(blocks.getInductionVars());
    kernel.buildCPUBlock(ivs[2], ivs[1], ivs[0], sA, sB, sC);
    for (Value tile : {sA, sB, sC})
      memref::DeallocOp::create(rewriter, loc, tile);
    mapped = blocks;
  }
  rewriter.eraseOp(op);
  return mapped;
}
