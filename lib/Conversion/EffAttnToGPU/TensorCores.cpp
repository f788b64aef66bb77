//===- TensorCores.cpp - contractions as mma.sync kernels -----------------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// A contraction C[b..., m, n] += A[b..., m, k] * B[b..., k, n] (any operand
// layout) with f16 operands and an f32 accumulator becomes one kernel of
// 64x64 output tiles, one block (4 warps) per tile and batch index. Per
// 32-deep slice of k the block stages A as [m][k] and B as [n][k] in
// workgroup memory (zero outside the operands, so ragged edges need no
// masks), then each warp accumulates its 16x64 slab with 16x8x16
// vector.contracts on vector.transfer_reads of the staged tiles: the shapes
// and maps that convert-vector-to-gpu{use-nvgpu} turns into ldmatrix and
// mma.sync. The accumulators are written to workgroup memory and added to C
// with bounds checks.
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

#include "mlir/Conversion/VectorToGPU/VectorToGPU.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::effattn;

namespace {
// Tile of one block and of one mma.sync.
constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 32;
constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 16;
constexpr int64_t kWarps = kTileM / kMmaM, kThreads = kWarps * 32;
constexpr int64_t kMmasN = kTileN / kMmaN;

/// What the kernel builder needs of a matched contraction.
struct Contraction {
  linalg::LinalgOp op;
  linalg::ContractionDimensions dims;
};

/// Builds the kernel of one contraction.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, Contraction c)
      : b(b), loc(loc), c(c) {}

  /// Loop sizes, grid and workgroup buffer types; call first.
  void computeSizes();
  Value gridX, gridY, gridZ;
  MemRefType tileAType, tileBType, tileCType;

  /// Block (bx, by, bz) with its staged tiles: the GPU form (one thread
  /// `tid` of a 128-thread block) or the CPU form (all threads in turn).
  void buildGPUBlock(Value bx, Value by, Value bz, Value tid, Value sA,
                     Value sB, Value sC);
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
  Value inBounds(Value i, Value size);
  /// Thread `tid`'s share of staging the slice at `kt` of A and B.
  void stageSlice(Value kt, Value tid);
  /// Warp `warp`'s mma of the staged slice.
  SmallVector<Value> multiply(Value warp, ValueRange accs);
  /// Thread `tid`'s share of adding the staged C tile into C.
  void addTile(Value tid);

  OpBuilder &b;
  Location loc;
  Contraction c;
  SmallVector<Value> loopSizes;
  Value sizeM, sizeN, sizeK;
  Value sA, sB, sC;
  // Contract in f32 (the CPU form: the vector-to-LLVM lowering has no mixed
  // precision contraction; f16 products are exact in f32 either way).
  bool extendOperands = false;
  // The block's batch indices (by loop dim) and tile origins.
  DenseMap<unsigned, Value> batchIndex;
  Value m0, n0;
};
} // namespace

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
  if (!elementType(0).isF16() || !elementType(1).isF16() ||
      !elementType(2).isF32())
    return failure();
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return failure();
  return Contraction{op, *dims};
}

bool mlir::effattn::isTensorCoreContraction(linalg::LinalgOp op) {
  return succeeded(matchContraction(op));
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
  gridX = blocks(sizeN, kTileN);
  gridY = blocks(sizeM, kTileM);
  gridZ = one;
  for (unsigned d : c.dims.batch)
    gridZ = b.createOrFold<arith::MulIOp>(loc, gridZ, loopSizes[d]);
  gridZ = b.createOrFold<arith::MaxUIOp>(loc, gridZ, one);
  Type f16 = b.getF16Type(), f32 = b.getF32Type();
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  tileAType = MemRefType::get({kTileM, kTileK}, f16, AffineMap(), workgroup);
  tileBType = MemRefType::get({kTileN, kTileK}, f16, AffineMap(), workgroup);
  tileCType = MemRefType::get({kTileM, kTileN}, f32, AffineMap(), workgroup);
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
  m0 = apply(e * kTileM, by);
  n0 = apply(e * kTileN, bx);
}

SmallVector<Value> KernelBuilder::operandIndices(unsigned operand,
                                                 ArrayRef<Value> ivs) {
  AffineMap map = c.op.getIndexingMapsArray()[operand];
  SmallVector<Value> indices;
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i)
    indices.push_back(ivs[map.getDimPosition(i)]);
  return indices;
}

Value KernelBuilder::inBounds(Value i, Value size) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i, size);
}

void KernelBuilder::stageSlice(Value kt, Value tid) {
  MLIRContext *ctx = b.getContext();
  AffineExpr e = getAffineDimExpr(0, ctx);
  Value zero = arith::ConstantOp::create(b, loc, b.getF16FloatAttr(0.0));
  unsigned numLoops = loopSizes.size();
  // One tile: `rows` x kTileK elements, row r of operand `operand` at loop
  // index origin + r along `rowDim`, column c at kt + c along k.
  auto stage = [&](unsigned operand, Value tile, unsigned rowDim, Value origin,
                   int64_t rows) {
    auto loop =
        scf::ForOp::create(b, loc, tid, index(rows * kTileK), index(kThreads));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value flat = loop.getInductionVar();
    Value r = apply(e.floorDiv(kTileK), flat);
    Value col = apply(e % kTileK, flat);
    AffineExpr sum = e + getAffineDimExpr(1, ctx);
    Value row = apply(sum, {origin, r});
    Value k = apply(sum, {kt, col});
    SmallVector<Value> ivs(numLoops);
    for (auto [d, v] : batchIndex)
      ivs[d] = v;
    ivs[rowDim] = row;
    ivs[c.dims.k[0]] = k;
    Value ok = arith::AndIOp::create(b, loc, inBounds(row, loopSizes[rowDim]),
                                     inBounds(k, sizeK));
    auto ifOp = scf::IfOp::create(
        b, loc, ok,
        [&](OpBuilder &nb, Location l) {
          Value v = memref::LoadOp::create(nb, l, c.op->getOperand(operand),
                                           operandIndices(operand, ivs));
          scf::YieldOp::create(nb, l, v);
        },
        [&](OpBuilder &nb, Location l) { scf::YieldOp::create(nb, l, zero); });
    memref::StoreOp::create(b, loc, ifOp.getResult(0), tile,
                            ValueRange{r, col});
  };
  stage(0, sA, c.dims.m[0], m0, kTileM);
  stage(1, sB, c.dims.n[0], n0, kTileN);
}

SmallVector<Value> KernelBuilder::multiply(Value warp, ValueRange accs) {
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
  Type f16 = b.getF16Type();
  auto aType = VectorType::get({kMmaM, kMmaK}, f16);
  auto bType = VectorType::get({kMmaN, kMmaK}, f16);
  Value pad = arith::ConstantOp::create(b, loc, b.getF16FloatAttr(0.0));
  // Index arithmetic on the warp id stays affine: convert-vector-to-gpu
  // cannot follow arith ops on thread ids into the reads.
  Value row = apply(getAffineDimExpr(0, ctx) * kMmaM, warp);
  SmallVector<Value> result(accs.begin(), accs.end());
  for (int64_t ks = 0; ks < kTileK; ks += kMmaK) {
    Value kIndex = index(ks);
    Value a = vector::TransferReadOp::create(b, loc, aType, sA,
                                             ValueRange{row, kIndex}, pad,
                                             ArrayRef<bool>{true, true});
    for (int64_t j = 0; j < kMmasN; ++j) {
      Value bv = vector::TransferReadOp::create(
          b, loc, bType, sB, ValueRange{index(j * kMmaN), kIndex}, pad,
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
  AffineExpr e = getAffineDimExpr(0, b.getContext());
  auto loop =
      scf::ForOp::create(b, loc, tid, index(kTileM * kTileN), index(kThreads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value flat = loop.getInductionVar();
  Value r = apply(e.floorDiv(kTileN), flat);
  Value col = apply(e % kTileN, flat);
  AffineExpr plus = e + getAffineDimExpr(1, b.getContext());
  Value row = apply(plus, {m0, r});
  Value column = apply(plus, {n0, col});
  Value ok = arith::AndIOp::create(b, loc, inBounds(row, sizeM),
                                   inBounds(column, sizeN));
  auto ifOp = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifOp.thenBlock());
  SmallVector<Value> ivs(loopSizes.size());
  for (auto [d, v] : batchIndex)
    ivs[d] = v;
  ivs[c.dims.m[0]] = row;
  ivs[c.dims.n[0]] = column;
  Value out = c.op->getOperand(2);
  SmallVector<Value> indices = operandIndices(2, ivs);
  Value sum = arith::AddFOp::create(
      b, loc, memref::LoadOp::create(b, loc, out, indices),
      memref::LoadOp::create(b, loc, sC, ValueRange{r, col}));
  memref::StoreOp::create(b, loc, sum, out, indices);
}

void KernelBuilder::buildGPUBlock(Value bx, Value by, Value bz, Value tid,
                                  Value tileA, Value tileB, Value tileC) {
  sA = tileA;
  sB = tileB;
  sC = tileC;
  setBlock(bx, by, bz);
  Value warp = apply(getAffineDimExpr(0, b.getContext()).floorDiv(32), tid);
  auto accType = VectorType::get({kMmaM, kMmaN}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0)));
  SmallVector<Value> init(kMmasN, zero);
  auto loop =
      scf::ForOp::create(b, loc, index(0), sizeK, index(kTileK), init,
                         [&](OpBuilder &, Location, Value kt, ValueRange accs) {
                           stageSlice(kt, tid);
                           gpu::BarrierOp::create(b, loc);
                           SmallVector<Value> next = multiply(warp, accs);
                           // The next slice overwrites the tiles.
                           gpu::BarrierOp::create(b, loc);
                           scf::YieldOp::create(b, loc, next);
                         });
  for (int64_t j = 0; j < kMmasN; ++j)
    vector::TransferWriteOp::create(
        b, loc, loop.getResult(j), sC,
        ValueRange{apply(getAffineDimExpr(0, b.getContext()) * kMmaM, warp),
                   index(j * kMmaN)},
        ArrayRef<bool>{true, true});
  gpu::BarrierOp::create(b, loc);
}

void KernelBuilder::buildGPUEpilogue(Value bx, Value by, Value bz, Value tid) {
  // The block's indices again: the conversion may have folded the first ones.
  setBlock(bx, by, bz);
  addTile(tid);
}

void KernelBuilder::buildCPUBlock(Value bx, Value by, Value bz, Value tileA,
                                  Value tileB, Value tileC) {
  sA = tileA;
  sB = tileB;
  sC = tileC;
  extendOperands = true;
  setBlock(bx, by, bz);
  MLIRContext *ctx = b.getContext();
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
  auto kLoop = scf::ForOp::create(b, loc, index(0), sizeK, index(kTileK));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value kt = kLoop.getInductionVar();
    forAll(kThreads, [&](Value tid) { stageSlice(kt, tid); });
    forAll(kWarps, [&](Value warp) {
      Value row = apply(getAffineDimExpr(0, ctx) * kMmaM, warp);
      SmallVector<Value> accs;
      for (int64_t j = 0; j < kMmasN; ++j)
        accs.push_back(vector::TransferReadOp::create(
            b, loc, accType, sC, ValueRange{row, index(j * kMmaN)}, zeroF32,
            ArrayRef<bool>{true, true}));
      SmallVector<Value> next = multiply(warp, accs);
      for (int64_t j = 0; j < kMmasN; ++j)
        vector::TransferWriteOp::create(b, loc, next[j], sC,
                                        ValueRange{row, index(j * kMmaN)},
                                        ArrayRef<bool>{true, true});
    });
  }
  forAll(kThreads, [&](Value tid) { addTile(tid); });
}

FailureOr<Operation *>
mlir::effattn::mapContractionToTensorCores(RewriterBase &rewriter,
                                           linalg::LinalgOp op,
                                           const GPUMappingOptions &options) {
  FailureOr<Contraction> contraction = matchContraction(op);
  if (failed(contraction))
    return rewriter.notifyMatchFailure(op, "not an f16 x f16 -> f32 "
                                           "contraction with one m, n, k");
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  KernelBuilder kernel(rewriter, loc, *contraction);
  kernel.computeSizes();
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Operation *mapped;
  if (options.emitLaunch) {
    auto launch = gpu::LaunchOp::create(
        rewriter, loc, kernel.gridX, kernel.gridY, kernel.gridZ,
        arith::ConstantIndexOp::create(rewriter, loc, kThreads), one, one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/{},
        TypeRange{kernel.tileAType, kernel.tileBType, kernel.tileCType});
    rewriter.setInsertionPointToEnd(&launch.getBody().front());
    ArrayRef<BlockArgument> tiles = launch.getWorkgroupAttributions();
    kernel.buildGPUBlock(launch.getBlockIds().x, launch.getBlockIds().y,
                         launch.getBlockIds().z, launch.getThreadIds().x,
                         tiles[0], tiles[1], tiles[2]);
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
    // The conversion leaves the vector ops it replaced behind.
    (void)runRegionDCE(rewriter, launch->getRegions());
    bool contractsLeft = false, mmas = false;
    launch.walk([&](Operation *inner) {
      contractsLeft |= isa<vector::ContractionOp>(inner);
      mmas |= inner->getName().getStringRef() == "nvgpu.mma.sync";
    });
    if (contractsLeft || !mmas)
      return launch.emitError(
          "tensor-core kernel: vector.contract not converted to mma.sync");
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
    auto host = [&](MemRefType type) {
      return memref::AllocOp::create(
          rewriter, loc,
          MemRefType::get(type.getShape(), type.getElementType()));
    };
    Value sA = host(kernel.tileAType), sB = host(kernel.tileBType),
          sC = host(kernel.tileCType);
    SmallVector<Value> ivs(blocks.getInductionVars());
    kernel.buildCPUBlock(ivs[2], ivs[1], ivs[0], sA, sB, sC);
    for (Value tile : {sA, sB, sC})
      memref::DeallocOp::create(rewriter, loc, tile);
    mapped = blocks;
  }
  rewriter.eraseOp(op);
  return mapped;
}
