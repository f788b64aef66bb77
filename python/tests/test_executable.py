"""effattn.compile on MLIR text: numpy in and out through libEffAttnExecutionEngine.so,
against the float64 oracle, and the errors for bad modules and bad arguments.

Tolerances (relative RMS error against effattn.reference): 1e-5 for f32, 2e-2 for
f16/bf16 (SPEC "Testing rules")."""

import gc
import os
import re

import numpy as np
import pytest

from conftest import F32_RTOL, HALF_RTOL, rel_rms

import effattn
from effattn import reference as ref
from effattn.executable import bf16_to_f32, f32_to_bf16_bits

pytestmark = pytest.mark.usefixtures("native")

ATTN = """
func.func @attn(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>,
                %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>)
      -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
"""

HALF = """
func.func @attn_f16(%q: tensor<1x2x?x16xf16>, %k: tensor<1x2x?x16xf16>,
                    %v: tensor<1x2x?x16xf16>) -> tensor<1x2x?x16xf16> {
  %o = effattn.softmax_attention %q, %k, %v
      : (tensor<1x2x?x16xf16>, tensor<1x2x?x16xf16>, tensor<1x2x?x16xf16>)
      -> tensor<1x2x?x16xf16>
  return %o : tensor<1x2x?x16xf16>
}
func.func @attn_bf16(%q: tensor<1x2x?x16xbf16>, %k: tensor<1x2x?x16xbf16>,
                     %v: tensor<1x2x?x16xbf16>) -> tensor<1x2x?x16xbf16> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>, tensor<1x2x?x16xbf16>)
      -> tensor<1x2x?x16xbf16>
  return %o : tensor<1x2x?x16xbf16>
}
"""

SPARSE = """
func.func @ffn(%x: tensor<?x16xf32>, %cd: tensor<16x4xf32>, %cu: tensor<4x32xf32>,
               %cb: tensor<32xf32>, %w1: tensor<16x32xf32>, %w2: tensor<32x16xf32>)
    -> (tensor<?x16xf32>, tensor<?x4xi32>) {
  %y, %sel = effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2 block_size = 8
      : (tensor<?x16xf32>, tensor<16x4xf32>, tensor<4x32xf32>, tensor<32xf32>,
         tensor<16x32xf32>, tensor<32x16xf32>) -> (tensor<?x16xf32>, tensor<?x4xi32>)
  return %y, %sel : tensor<?x16xf32>, tensor<?x4xi32>
}
"""

ADD_I32 = """
func.func @add_i32(%a: tensor<?xi32>, %b: tensor<?xi32>) -> tensor<?xi32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?xi32>
  %e = tensor.empty(%n) : tensor<?xi32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>,
                                        affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%a, %b : tensor<?xi32>, tensor<?xi32>) outs(%e : tensor<?xi32>) {
  ^bb0(%x: i32, %z: i32, %o: i32):
    %s = arith.addi %x, %z : i32
    linalg.yield %s : i32
  } -> tensor<?xi32>
  return %y : tensor<?xi32>
}
"""

# Causal linear attention carrying a state: the lowering may update the state buffer.
STATE = """
func.func @step(%q: tensor<1x1x?x4xf32>, %k: tensor<1x1x?x4xf32>, %v: tensor<1x1x?x4xf32>,
                %s: tensor<1x1x4x4xf32>, %z: tensor<1x1x4xf32>)
    -> (tensor<1x1x?x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) {
  %o, %s1, %z1 = effattn.linear_attention %q, %k, %v state(%s) normalizer(%z) causal
      : (tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>, tensor<1x1x?x4xf32>,
         tensor<1x1x4x4xf32>, tensor<1x1x4xf32>)
      -> (tensor<1x1x?x4xf32>, final_state tensor<1x1x4x4xf32>,
          final_normalizer tensor<1x1x4xf32>)
  return %o, %s1, %z1 : tensor<1x1x?x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4xf32>
}
"""

ALIASES = """
func.func @identity(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
func.func @constant(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %c = arith.constant dense<[1.5, -2.0]> : tensor<2xf32>
  return %c, %x : tensor<2xf32>, tensor<2xf32>
}
"""

BIG = """
func.func @big(%q: tensor<1x8x?x64xf32>) -> tensor<1x8x?x64xf32> {
  %o = effattn.softmax_attention %q, %q, %q
      : (tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>, tensor<1x8x?x64xf32>)
      -> tensor<1x8x?x64xf32>
  return %o : tensor<1x8x?x64xf32>
}
"""


def randn(rng, *shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.fixture(scope="module")
def attn():
    return effattn.compile(ATTN)


@pytest.fixture(scope="module")
def qkv():
    r = np.random.default_rng(0)
    return randn(r, 1, 2, 5, 8), randn(r, 1, 2, 7, 8), randn(r, 1, 2, 7, 8)


# ---------------------------------------------------------------------------------------
# Results against the oracle
# ---------------------------------------------------------------------------------------


def test_f32_dynamic_causal_matches_oracle(attn, qkv):
    q, k, v = qkv
    out = attn(q, k, v)
    assert out.dtype == np.float32 and out.shape == (1, 2, 5, 8)
    want = ref.softmax_attention(q, k, v, causal=True)
    assert rel_rms(out, want) < F32_RTOL
    # T != S, bottom-right aligned: query 0 sees keys 0..2, so it is not key 0's value.
    assert not np.allclose(out[0, :, 0], v[0, :, 0])


def test_signature_is_introspectable(attn):
    assert attn.entry == "attn"
    assert [a.mlir for a in attn.arguments] == ["tensor<1x2x?x8xf32>"] * 3
    assert attn.arguments[0].shape == (1, 2, None, 8)
    assert attn.arguments[0].dtype == "f32"
    assert [r.mlir for r in attn.results] == ["tensor<1x2x?x8xf32>"]
    assert "@attn(" in repr(attn)


@pytest.mark.parametrize("options", [dict(reference=True), dict(query_tile=2, key_tile=3)])
def test_pipeline_options(qkv, options):
    q, k, v = qkv
    exe = effattn.compile(ATTN, **options)
    assert ("reference=true" in exe.options) == bool(options.get("reference"))
    assert rel_rms(exe(q, k, v), ref.softmax_attention(q, k, v, causal=True)) < F32_RTOL


def test_many_sequence_lengths_one_executable(attn):
    r = np.random.default_rng(1)
    for t, s in [(1, 1), (1, 9), (9, 9), (3, 17)]:
        q, k, v = randn(r, 1, 2, t, 8), randn(r, 1, 2, s, 8), randn(r, 1, 2, s, 8)
        assert rel_rms(attn(q, k, v), ref.softmax_attention(q, k, v, causal=True)) < F32_RTOL


def test_f16_from_float16_and_float32():
    exe = effattn.compile(HALF, entry="attn_f16")
    r = np.random.default_rng(2)
    q, k, v = (randn(r, 1, 2, 6, 16, dtype=np.float16) for _ in range(3))
    out = exe(q, k, v)
    assert out.dtype == np.float16
    assert rel_rms(out, ref.softmax_attention(q, k, v)) < HALF_RTOL
    # float32 arguments are rounded to f16 on the way in: the same call.
    out32 = exe(q.astype(np.float32), k.astype(np.float32), v.astype(np.float32))
    np.testing.assert_array_equal(out, out32)


def test_bf16_bits_and_rounded_float32():
    exe = effattn.compile(HALF, entry="attn_bf16")
    r = np.random.default_rng(3)
    q, k, v = (randn(r, 1, 2, 6, 16) for _ in range(3))
    bits = [f32_to_bf16_bits(a) for a in (q, k, v)]
    out_bits = exe(*bits)
    out_f32 = exe(q, k, v)
    assert out_bits.dtype == np.float32  # bf16 results come back as exact float32 values
    np.testing.assert_array_equal(out_bits, out_f32)
    # every value is a bf16: its bit pattern round-trips
    np.testing.assert_array_equal(bf16_to_f32(f32_to_bf16_bits(out_f32)), out_f32)
    rounded = [bf16_to_f32(b) for b in bits]
    want = ref.softmax_attention(*rounded, causal=True)
    assert rel_rms(out_f32, want) < HALF_RTOL


def test_bf16_rounding_is_nearest_even():
    x = np.array([1.0, 1.0 + 2.0**-8, 1.0 + 3 * 2.0**-8, -0.0, np.inf, np.nan], np.float32)
    bits = f32_to_bf16_bits(x)
    assert list(bits[:5]) == [0x3F80, 0x3F80, 0x3F82, 0x8000, 0x7F80]
    assert np.isnan(bf16_to_f32(bits[5:]))[0]


def test_i32_result_and_multiple_results():
    exe = effattn.compile(SPARSE)
    r = np.random.default_rng(4)
    args = [randn(r, 10, 16), randn(r, 16, 4), randn(r, 4, 32), randn(r, 32),
            randn(r, 16, 32), randn(r, 32, 16)]
    y, sel = exe(*args)
    want_y, want_sel = ref.sparse_ffn(*args, block_size=8)
    assert sel.dtype == np.int32 and sel.shape == (10, 4)
    np.testing.assert_array_equal(sel, want_sel)
    assert rel_rms(y, want_y) < F32_RTOL


def test_i32_arguments():
    exe = effattn.compile(ADD_I32)
    a = np.arange(7, dtype=np.int32)
    b = np.array([5, -3, 2**30, 0, 1, 2, 3], dtype=np.int32)
    np.testing.assert_array_equal(exe(a, b), a + b)
    with pytest.raises(TypeError, match=r"argument #1: dtype int64, expected int32 for i32"):
        exe(a, b.astype(np.int64))


# ---------------------------------------------------------------------------------------
# Arguments: copies, strides, aliasing, memory
# ---------------------------------------------------------------------------------------


def test_non_contiguous_arguments_are_copied(attn, qkv):
    q, k, v = qkv
    want = attn(q, k, v)
    # A transposed copy viewed back, a strided slice and a Fortran-ordered array.
    q_t = np.ascontiguousarray(q.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    big_k = np.zeros((1, 2, 14, 8), np.float32)
    big_k[:, :, ::2] = k
    k_s = big_k[:, :, ::2]
    v_f = np.asfortranarray(v)
    assert not q_t.flags.c_contiguous and not k_s.flags.c_contiguous
    np.testing.assert_array_equal(attn(q_t, k_s, v_f), want)
    # big-endian float32 is accepted too
    np.testing.assert_array_equal(attn(q.astype(">f4"), k, v), want)


def test_arguments_are_never_modified():
    exe = effattn.compile(STATE)
    r = np.random.default_rng(5)
    q, k, v = (randn(r, 1, 1, 6, 4) for _ in range(3))
    s0 = np.abs(randn(r, 1, 1, 4, 4))
    z0 = np.abs(randn(r, 1, 1, 4))
    saved = [a.copy() for a in (q, k, v, s0, z0)]
    first = exe(q, k, v, s0, z0)
    second = exe(q, k, v, s0, z0)
    for a, b in zip((q, k, v, s0, z0), saved):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    want = ref.linear_attention(q, k, v, initial_state=s0, initial_normalizer=z0, causal=True)
    for got, w in zip(first, want):
        assert rel_rms(got, w) < F32_RTOL


def test_results_aliasing_arguments_and_constants():
    ident = effattn.compile(ALIASES, entry="identity")
    const = effattn.compile(ALIASES, entry="constant")
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    for _ in range(50):  # a wrong free of an argument or a global would crash here
        y = ident(x)
        c, x2 = const(np.array([3.0, 4.0], np.float32))
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(c, [1.5, -2.0])
    np.testing.assert_array_equal(x2, [3.0, 4.0])
    y[0, 0] = 99.0  # results are the caller's own arrays
    assert x[0, 0] == 0.0 and ident(x)[0, 0] == 0.0


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_result_buffers_are_freed():
    exe = effattn.compile(BIG)
    q = np.random.default_rng(6).standard_normal((1, 8, 512, 64)).astype(np.float32)
    exe(q)  # 1 MiB result per call
    gc.collect()
    before = _rss_bytes()
    for _ in range(120):
        exe(q)
    gc.collect()
    grown = _rss_bytes() - before
    assert grown < 40 * 2**20, f"resident memory grew by {grown / 2**20:.0f} MiB over 120 calls"


# ---------------------------------------------------------------------------------------
# Bad arguments: the same errors as effattn-run
# ---------------------------------------------------------------------------------------


def test_wrong_count(attn, qkv):
    with pytest.raises(TypeError, match=r"@attn takes 3 arguments \(#0, #1, #2\), got 2"):
        attn(*qkv[:2])
    with pytest.raises(TypeError, match=r"got 4"):
        attn(*qkv, qkv[0])


def test_wrong_dtype_names_the_argument(attn, qkv):
    q, k, v = qkv
    with pytest.raises(TypeError, match=r"@attn argument #1: dtype float64, expected float32 "
                                        r"for f32 \(tensor<1x2x\?x8xf32>\)"):
        attn(q, k.astype(np.float64), v)
    with pytest.raises(TypeError, match=r"argument #2: dtype float16"):
        attn(q, k, v.astype(np.float16))
    with pytest.raises(TypeError, match=r"argument #0: expected a numpy array"):
        attn(q.tolist(), k, v)


def test_wrong_shape_names_the_argument(attn, qkv):
    q, k, v = qkv
    with pytest.raises(ValueError, match=re.escape(
            "@attn argument #0: shape [1, 3, 5, 8] does not match tensor<1x2x?x8xf32> "
            "(expected [1, 2, ?, 8])")):
        attn(np.zeros((1, 3, 5, 8), np.float32), k, v)
    with pytest.raises(ValueError, match=re.escape("argument #2: shape [2, 7, 8] does not")):
        attn(q, k, v[0])


def test_dynamic_sizes_that_disagree(attn, qkv):
    q, k, v = qkv
    with pytest.raises(ValueError, match=r"the argument shapes do not fit .*'effattn\."
                                         r"softmax_attention' op 'v' dim 2 \(S\) is 6, but "
                                         r"'k' dim 2 \(S\) is 7"):
        attn(q, k, v[:, :, :6])
    # after the error the executable still works
    assert attn(q, k, v).shape == (1, 2, 5, 8)


def test_bf16_rejects_float16_bits():
    exe = effattn.compile(HALF, entry="attn_bf16")
    a = np.zeros((1, 2, 3, 16), np.float16)
    with pytest.raises(TypeError, match=r"dtype float16, expected uint16 bf16 bit patterns "
                                        r"\(or float32, rounded\) for bf16"):
        exe(a, a, a)


# ---------------------------------------------------------------------------------------
# Bad modules and bad compile arguments
# ---------------------------------------------------------------------------------------


def test_parse_error_has_location_and_message():
    with pytest.raises(effattn.CompileError) as e:
        effattn.compile("func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
                        "  %y = arith.addf %x, %nope : tensor<4xf32>\n"
                        "  return %y : tensor<4xf32>\n}\n")
    msg = str(e.value)
    assert "cannot parse" in msg and "<effattn-ir>:2:" in msg
    assert "use of undeclared SSA value name" in msg


def test_verifier_error_is_reported():
    bad = """
func.func @attn(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x4xf32>) -> tensor<1x2x?x8xf32> {
  %o = effattn.softmax_attention %q, %k, %k
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>)
      -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
"""
    with pytest.raises(effattn.CompileError, match=r"<effattn-ir>:3:8: error: "
                                                   r"'effattn.softmax_attention' op 'k' dim 3 "
                                                   r"\(Dk\) is 4, but 'q' dim 3 \(Dk\) is 8"):
        effattn.compile(bad)


def test_unknown_entry_lists_functions():
    with pytest.raises(effattn.CompileError, match=r"no function @nope \(functions: "
                                                   r"@attn_f16, @attn_bf16\)"):
        effattn.compile(HALF, entry="nope")
    with pytest.raises(ValueError, match=r"has 2 functions \(@attn_f16, @attn_bf16\); "
                                         r"pass entry=NAME"):
        effattn.compile(HALF)


def test_unsupported_types_and_lowering_failures():
    f64 = "func.func @f(%x: tensor<4xf64>) -> tensor<4xf64> { return %x : tensor<4xf64> }"
    with pytest.raises(effattn.CompileError, match=r"@f argument #0 has type tensor<4xf64>; "
                                                   r"expected a ranked tensor of f32"):
        effattn.compile(f64)
    dyn_heads = ATTN.replace("1x2x?x8", "1x?x4x8")
    with pytest.raises(effattn.CompileError, match=r"does not lower:\n<effattn-ir>:\d+:\d+: "
                                                   r"error: lowering needs static head"):
        effattn.compile(dyn_heads)


def test_bad_pipeline_options():
    with pytest.raises(effattn.CompileError, match=r"no such option bogus"):
        effattn.compile(ATTN, bogus=1)
    with pytest.raises(effattn.CompileError,
                       match=r"option 'query-tile' takes an integer >= 0, got 'abc'"):
        effattn.compile(ATTN, query_tile="abc")
    # a pass that fails reports its diagnostic
    with pytest.raises(effattn.CompileError, match=r"@attn does not lower:\n.*tuning table "
                                                   r"cannot read '/nonexistent/table.json'"):
        effattn.compile(ATTN, tuning_table="/nonexistent/table.json")


def test_targets():
    with pytest.raises(NotImplementedError, match=r"GPU path is not available from Python"):
        effattn.compile(ATTN, target="cuda")
    with pytest.raises(ValueError, match=r"unknown target 'tpu'"):
        effattn.compile(ATTN, target="tpu")
    with pytest.raises(TypeError, match=r"expected a model of effattn.models, MLIR text"):
        effattn.compile(42)


def test_path_and_close(tmp_path, qkv):
    path = tmp_path / "attn.mlir"
    path.write_text(ATTN)
    from pathlib import Path

    exe = effattn.compile(Path(path))
    q, k, v = qkv
    assert exe(q, k, v).shape == (1, 2, 5, 8)
    exe.close()
    with pytest.raises(RuntimeError, match=r"@attn was closed"):
        exe(q, k, v)
