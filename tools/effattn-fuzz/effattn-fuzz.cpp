//===- effattn-fuzz.cpp - libFuzzer harness for the effattn compiler ------===//
//
// Part of the effattn project, under the Apache License v2.0 with LLVM
// Exceptions.
//
// The input bytes are MLIR text. They are parsed with every dialect of
// InitAll registered and verified; a module that verifies is printed and
// parsed again (custom and generic form), then every lowering runs on its
// own copy: effattn-decompose, effattn-schedule (tiles picked from the
// input's hash), convert-effattn-to-linalg, and effattn-to-llvm in reference
// and scheduled mode, followed by the translation to LLVM IR. Diagnostics
// are captured, never printed: invalid input is rejected, not reported.
//
// What counts as a finding: a crash (a sanitizer report, an assert, an
// abort), a verified module that does not survive its own round trip, and a
// single effattn pass that succeeds but leaves IR that does not verify.
//
// Built with -DEFFATTN_ENABLE_FUZZER=ON (scripts/fuzz.sh).
//
//===----------------------------------------------------------------------===//

#include "effattn/Conversion/Passes.h"
#include "effattn/Dialect/EffAttn/IR/EffAttnDialect.h"
#include "effattn/Dialect/EffAttn/Transforms/Passes.h"
#include "effattn/InitAll.h"
#include "effattn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace mlir;

/// Stops with the message and the module: libFuzzer records the input.
[[noreturn]] static void finding(llvm::StringRef what, Operation *op,
                                 llvm::StringRef diagnostics) {
  llvm::errs() << "effattn-fuzz: " << what << "\n";
  if (!diagnostics.empty())
    llvm::errs() << "diagnostics:\n" << diagnostics << "\n";
  if (op)
    op->print(llvm::errs(), OpPrintingFlags().printGenericOpForm());
  llvm::errs() << "\n";
  std::abort();
}

static DialectRegistry &getRegistry() {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    effattn::registerAllDialects(*r);
    return r;
  }();
  return *registry;
}

/// Whether the module holds an effattn op.
static bool hasEffAttnOps(ModuleOp module) {
  bool found = false;
  module.walk([&](Operation *op) {
    if (isa_and_nonnull<effattn::EffAttnDialect>(op->getDialect())) {
      found = true;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

/// Whether every op is from a dialect the effattn pipelines are meant to
/// take (effattn, func, arith, tensor, builtin). Other dialects' ops are
/// parsed and verified, but not lowered: a crash in an upstream pass on
/// upstream IR is not what this harness is after.
static bool onlyPipelineInput(ModuleOp module) {
  bool ok = true;
  module.walk([&](Operation *op) {
    Dialect *dialect = op->getDialect();
    if (!dialect ||
        !isa<effattn::EffAttnDialect, func::FuncDialect, arith::ArithDialect,
             tensor::TensorDialect, BuiltinDialect>(dialect)) {
      ok = false;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return ok;
}

/// Prints `module` (custom or generic form) and parses the text again; a
/// verified module must come back.
static void checkRoundTrip(ModuleOp module, bool generic,
                           std::string &diagnostics) {
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    OpPrintingFlags flags;
    if (generic)
      flags.printGenericOpForm();
    module->print(os, flags);
  }
  ParserConfig config(module->getContext());
  OwningOpRef<ModuleOp> reparsed = parseSourceString<ModuleOp>(text, config);
  if (!reparsed)
    finding(generic ? "the generic form of a verified module does not parse"
                    : "the custom form of a verified module does not parse",
            module, diagnostics + "printed as:\n" + text);
  // And it must come back as the same IR.
  auto genericText = [](ModuleOp m) {
    std::string out;
    llvm::raw_string_ostream os(out);
    m->print(os, OpPrintingFlags().printGenericOpForm());
    return out;
  };
  if (genericText(module) != genericText(*reparsed))
    finding(generic ? "the generic form of a module parses as different IR"
                    : "the custom form of a module parses as different IR",
            module,
            "printed as:\n" + text + "\nparsed as:\n" + genericText(*reparsed));
}

/// Runs the passes `populate` adds on a copy of `module`. With
/// `strictVerify`, the pass manager does not verify; a run that succeeds
/// must leave IR that verifies.
static void runOnCopy(ModuleOp module, llvm::StringRef name,
                      const std::function<void(OpPassManager &)> &populate,
                      bool strictVerify, bool translate,
                      std::string &diagnostics) {
  OwningOpRef<ModuleOp> copy = module.clone();
  PassManager pm(module->getContext());
  pm.enableVerifier(!strictVerify);
  populate(pm);
  size_t before = diagnostics.size();
  if (failed(pm.run(*copy)))
    return;
  if (strictVerify && failed(verify(*copy)))
    finding(("'" + name + "' succeeded but left IR that does not verify").str(),
            *copy, llvm::StringRef(diagnostics).drop_front(before));
  // The printer must cope with whatever the pass produced.
  std::string text;
  llvm::raw_string_ostream os(text);
  copy->print(os);
  if (translate) {
    llvm::LLVMContext llvmContext;
    (void)translateModuleToLLVMIR(*copy, llvmContext);
  }
}

//===----------------------------------------------------------------------===//
// Mutations that keep the text MLIR
//===----------------------------------------------------------------------===//
//
// libMLIR.so carries no coverage instrumentation, so libFuzzer cannot see a
// byte-level mutation get further into the parser; most of them just fail to
// parse. Three in four mutations are therefore made on the text's tokens,
// where the verifiers and lowerings are: sizes in shapes and attributes
// (edge values, `?`), element types, float attributes (0, NaN, inf, huge),
// keywords of the custom assembly formats, operand order, and whole lines.

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {
/// A token of the input: a run of digits, a `?`, or an identifier.
struct Token {
  size_t begin, end;
};

/// Picks a random element of a non-empty list.
template <typename T> const T &pick(std::mt19937 &rng, llvm::ArrayRef<T> list) {
  return list[rng() % list.size()];
}
} // namespace

static bool isIdentChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$';
}

/// Positions of the tokens `accept` takes.
static std::vector<Token>
findTokens(llvm::StringRef text,
           llvm::function_ref<bool(llvm::StringRef)> accept) {
  std::vector<Token> tokens;
  for (size_t i = 0; i < text.size();) {
    size_t end = i + 1;
    if (llvm::isDigit(text[i]))
      while (end < text.size() && llvm::isDigit(text[end]))
        ++end;
    else if (isIdentChar(text[i]) || text[i] == '%')
      while (end < text.size() && isIdentChar(text[end]))
        ++end;
    if (accept(text.slice(i, end)))
      tokens.push_back({i, end});
    i = end;
  }
  return tokens;
}

/// Replaces a random token `accept` takes by `replacement(token)`.
static bool
replaceToken(std::string &text, std::mt19937 &rng,
             llvm::function_ref<bool(llvm::StringRef)> accept,
             llvm::function_ref<std::string(llvm::StringRef)> replacement) {
  std::vector<Token> tokens = findTokens(text, accept);
  if (tokens.empty())
    return false;
  Token t = tokens[rng() % tokens.size()];
  std::string with = replacement(llvm::StringRef(text).slice(t.begin, t.end));
  text.replace(t.begin, t.end - t.begin, with);
  return true;
}

static bool mutateTokens(std::string &text, std::mt19937 &rng) {
  static const llvm::StringRef sizes[] = {"0",
                                          "1",
                                          "2",
                                          "3",
                                          "4",
                                          "5",
                                          "7",
                                          "8",
                                          "16",
                                          "17",
                                          "63",
                                          "64",
                                          "127",
                                          "256",
                                          "1023",
                                          "65536",
                                          "2147483647",
                                          "2147483648",
                                          "4294967296",
                                          "4611686018427387904",
                                          "9223372036854775807"};
  static const llvm::StringRef floats[] = {"0.0",
                                           "-0.0",
                                           "1.0",
                                           "-1.0",
                                           "1e-30",
                                           "1.0e+308",
                                           "3e38",
                                           "0x7FF8000000000000",
                                           "0x7FF0000000000000",
                                           "0xFFF0000000000000"};
  static const llvm::StringRef types[] = {"f32", "f16", "bf16",
                                          "f64", "i32", "i1"};
  static const llvm::StringRef keywords[] = {
      " causal",
      " activation laplace",
      " activation relu2",
      " scale_mode outside",
      " scale = 0.0",
      " scale = 0x7FF8000000000000",
      " chunk_size = 1",
      " chunk_size = 0",
      " chunk_size = 9223372036854775807",
      " feature_map favor",
      " feature_map relu",
      " feature_map identity",
      " feature_map elu_plus_one",
      " normalize = false",
      " eps = 0.0",
      " lin_scale_mode none",
      " lin_scale_mode inverse_chunk",
      " score sigmoid",
      " bidirectional = false",
      " num_buckets = 1",
      " max_distance = 0"};
  auto isNumber = [](llvm::StringRef t) { return llvm::isDigit(t.front()); };
  switch (rng() % 8) {
  case 0: // A size or integer attribute: an edge value.
    return replaceToken(text, rng, isNumber, [&](llvm::StringRef) {
      return pick<llvm::StringRef>(rng, sizes).str();
    });
  case 1: // A size: a small neighbour.
    return replaceToken(text, rng, isNumber, [&](llvm::StringRef t) {
      int64_t v = 0;
      (void)t.getAsInteger(10, v);
      v = std::min<int64_t>(v, std::numeric_limits<int64_t>::max() - 2);
      return std::to_string(v + (static_cast<int64_t>(rng() % 5) - 2));
    });
  case 2: // A static size becomes dynamic, or the other way around.
    if (rng() % 2)
      return replaceToken(
          text, rng, [](llvm::StringRef t) { return t == "?"; },
          [&](llvm::StringRef) {
            return pick<llvm::StringRef>(rng, sizes).str();
          });
    return replaceToken(text, rng, isNumber,
                        [](llvm::StringRef) { return std::string("?"); });
  case 3: { // An element type (at the end of `1x2xf32`, or on its own).
    return replaceToken(
        text, rng,
        [](llvm::StringRef t) {
          return llvm::is_contained(types, t) || t.ends_with("xf32") ||
                 t.ends_with("xf16") || t.ends_with("xbf16");
        },
        [&](llvm::StringRef t) {
          size_t x = t.rfind('x');
          std::string prefix =
              x == llvm::StringRef::npos ? "" : t.take_front(x + 1).str();
          return prefix + pick<llvm::StringRef>(rng, types).str();
        });
  }
  case 4: { // A float attribute.
    size_t eq = text.find(" = ", rng() % (text.size() + 1));
    if (eq == std::string::npos)
      eq = text.find(" = ");
    if (eq == std::string::npos)
      return false;
    size_t begin = eq + 3, end = begin;
    while (end < text.size() && (llvm::isAlnum(text[end]) || text[end] == '.' ||
                                 text[end] == '-' || text[end] == '+'))
      ++end;
    text.replace(begin, end - begin, pick<llvm::StringRef>(rng, floats).str());
    return true;
  }
  case 5: { // A keyword of the custom formats, before a ` : `.
    size_t colon = text.find(" : ", rng() % (text.size() + 1));
    if (colon == std::string::npos)
      colon = text.find(" : ");
    if (colon == std::string::npos)
      return false;
    text.insert(colon, pick<llvm::StringRef>(rng, keywords).str());
    return true;
  }
  case 6: { // Two SSA values trade places.
    std::vector<Token> values =
        findTokens(text, [](llvm::StringRef t) { return t.starts_with("%"); });
    if (values.size() < 2)
      return false;
    Token a = values[rng() % values.size()], b = values[rng() % values.size()];
    if (a.begin > b.begin)
      std::swap(a, b);
    if (a.end > b.begin)
      return false;
    std::string first = text.substr(a.begin, a.end - a.begin);
    std::string second = text.substr(b.begin, b.end - b.begin);
    text.replace(b.begin, b.end - b.begin, first);
    text.replace(a.begin, a.end - a.begin, second);
    return true;
  }
  default: { // A line is dropped or repeated.
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(text).split(lines, '\n');
    size_t at = rng() % lines.size();
    std::string out;
    for (auto [i, line] : llvm::enumerate(lines)) {
      if (i == at && rng() % 2)
        continue;
      out += line.str() + "\n";
      if (i == at)
        out += line.str() + "\n";
    }
    text = std::move(out);
    return true;
  }
  }
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::mt19937 rng(seed);
  if (rng() % 4 == 0 || size == 0)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::string text(reinterpret_cast<const char *>(data), size);
  for (unsigned n = 1 + rng() % 3; n > 0; --n)
    (void)mutateTokens(text, rng);
  if (text.size() > maxSize || text.empty())
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, text.data(), text.size());
  return text.size();
}

//===----------------------------------------------------------------------===//
// The target
//===----------------------------------------------------------------------===//

/// Whether the text names a result number beyond what MLIR's parser handles
/// gracefully: for `%r#N` and `%r:N` it allocates O(N) before it checks N,
/// so `%r#2147483647` is an out-of-memory abort in libMLIR.so, not in
/// effattn. Such inputs are skipped.
static bool exceedsParserLimits(llvm::StringRef text) {
  constexpr uint64_t kMaxResultNumber = 1 << 16;
  for (size_t i = text.find('%'); i != llvm::StringRef::npos;
       i = text.find('%', i + 1)) {
    size_t end = i + 1;
    while (end < text.size() && isIdentChar(text[end]))
      ++end;
    if (end + 1 >= text.size() || (text[end] != '#' && text[end] != ':'))
      continue;
    llvm::StringRef digits = text.drop_front(end + 1).take_while(llvm::isDigit);
    uint64_t n;
    if (!digits.empty() && (digits.getAsInteger(10, n) || n > kMaxResultNumber))
      return true;
  }
  return false;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(getRegistry(), MLIRContext::Threading::DISABLED);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });

  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  if (exceedsParserLimits(text))
    return -1;
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz-input"), llvm::SMLoc());
  ParserConfig config(&context, /*verifyAfterParse=*/false);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, config);
  if (!module)
    return -1; // Not MLIR: not worth adding to the corpus.
  // A module that parses but does not verify stays in the corpus when it
  // reached new verifier code: a mutation away from a valid one.
  if (failed(verify(*module)))
    return 0;

  bool effattnOps = hasEffAttnOps(*module);
  if (effattnOps) {
    checkRoundTrip(*module, /*generic=*/false, diagnostics);
    checkRoundTrip(*module, /*generic=*/true, diagnostics);
  }
  if (!effattnOps || !onlyPipelineInput(*module))
    return 0;

  // Tiles and chunks from the input's hash: 0 (the tuning table) or small
  // sizes that leave partial tiles.
  uint64_t hash = llvm::hash_value(text);
  int64_t queryTile = hash % 5, keyTile = (hash >> 8) % 5,
          chunkSize = (hash >> 16) % 4;

  runOnCopy(
      *module, "effattn-decompose",
      [](OpPassManager &pm) {
        pm.addPass(effattn::createEffAttnDecomposePass());
      },
      /*strictVerify=*/true, /*translate=*/false, diagnostics);
  runOnCopy(
      *module, "effattn-schedule",
      [&](OpPassManager &pm) {
        effattn::EffAttnSchedulePassOptions options;
        options.queryTile = queryTile;
        options.keyTile = keyTile;
        options.chunkSize = chunkSize;
        pm.addPass(effattn::createEffAttnSchedulePass(options));
      },
      /*strictVerify=*/true, /*translate=*/false, diagnostics);
  runOnCopy(
      *module, "convert-effattn-to-linalg",
      [](OpPassManager &pm) {
        pm.addPass(effattn::createConvertEffAttnToLinalgPass());
      },
      /*strictVerify=*/true, /*translate=*/false, diagnostics);
  for (bool reference : {true, false}) {
    runOnCopy(
        *module, "effattn-to-llvm",
        [&](OpPassManager &pm) {
          effattn::EffAttnToLLVMPipelineOptions options;
          options.reference = reference;
          if (!reference) {
            options.queryTile = queryTile;
            options.keyTile = keyTile;
            options.chunkSize = chunkSize;
          }
          effattn::buildEffAttnToLLVMPipeline(pm, options);
        },
        /*strictVerify=*/false, /*translate=*/true, diagnostics);
  }
  return 0;
}
