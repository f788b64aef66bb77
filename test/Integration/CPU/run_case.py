#!/usr/bin/env python3
"""CPU integration driver: runs one effattn op with effattn-run and checks it
against the float64 numpy oracle (python/effattn/reference.py).

For one named case (see CASES below) it
  1. writes `main.mlir`: a function @main whose arguments are the op's
     operands (in operand order) and whose results are the op's results;
  2. draws the inputs with numpy (seeded by the case name), rounds them to the
     case's element type and saves them as .npy (f32 `<f4`; f16 `<f2`, or
     `<f4` holding f16 values; bf16 `<u2` bit patterns, or `<f4` holding bf16
     values);
  3. verifies the IR with `effattn-opt`, then runs
     `effattn-run main.mlir --entry=main --input ... --output-dir out --check`
     (the scheduled pipeline, which must also match the reference lowering);
  4. computes the oracle in float64 from the same rounded inputs and compares
     each result by relative RMS error, RMS(out - ref) / RMS(ref), against
     SPEC's tolerances (1e-5 for f32, 2e-2 for f16/bf16; i32 results exactly).
     Rows the oracle gives as exact zeros (fully masked query rows) must be
     exact zeros.

It prints one line per result, `CASE <name> <result>: rel_rms=... tol=...
PASS|FAIL`, then `CASE <name>: ALL PASS` or `CASE <name>: FAILED`, and exits 1
on any failure.

    run_case.py --opt effattn-opt --run effattn-run --case NAME --workdir DIR
    run_case.py --list
    run_case.py --check-coverage DIR   (every case is used by a DIR/*.test)
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE_PY = os.path.normpath(
    os.path.join(HERE, "..", "..", "..", "python", "effattn", "reference.py"))

TOLERANCE = {"f32": 1e-5, "f16": 2e-2, "bf16": 2e-2}
TIMEOUT_S = 600


def load_reference():
    spec = importlib.util.spec_from_file_location("effattn_reference_oracle",
                                                  REFERENCE_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


REF = None  # the oracle module, loaded on first use

# ---------------------------------------------------------------------------
# Element types: rounding and .npy encodings
# ---------------------------------------------------------------------------


def f32_to_bf16_bits(x) -> np.ndarray:
    """Round-to-nearest-even f32 -> bf16 bit patterns (no NaNs here)."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def bf16_bits_to_f32(bits) -> np.ndarray:
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(
        np.float32)


def round_to(x, dtype: str) -> np.ndarray:
    """The float64 value of x rounded to `dtype`."""
    x = np.asarray(x, dtype=np.float64)
    if dtype == "f32":
        return x.astype(np.float32).astype(np.float64)
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float64)
    if dtype == "bf16":
        return bf16_bits_to_f32(f32_to_bf16_bits(x.astype(np.float32))).astype(
            np.float64)
    raise ValueError(dtype)


def encode(values: np.ndarray, dtype: str, enc: str) -> np.ndarray:
    """The array saved for effattn-run; `values` are already rounded."""
    if dtype == "f32":
        return values.astype("<f4")
    if dtype == "f16":
        return values.astype("<f2") if enc == "f2" else values.astype("<f4")
    if dtype == "bf16":
        if enc == "u2":
            return f32_to_bf16_bits(values.astype(np.float32)).astype("<u2")
        return values.astype("<f4")
    raise ValueError(dtype)


def default_encoding(dtype: str) -> str:
    return {"f32": "f4", "f16": "f2", "bf16": "u2"}[dtype]


def fmt_float(x: float) -> str:
    """A float literal MLIR parses (it needs a '.' before any exponent)."""
    s = repr(float(x))
    if "e" in s or "E" in s:
        mant, exp = s.lower().split("e")
        if "." not in mant:
            mant += ".0"
        return f"{mant}e{exp}"
    if "." not in s:
        s += ".0"
    return s


# ---------------------------------------------------------------------------
# Program: the operands of one op call and the IR around it
# ---------------------------------------------------------------------------


class Program:
    """Collects the operands of one op call. Shapes are written with labels
    ('B', 'T', ...) looked up in `dims`; labels in `dyn` print as '?'; ints are
    literal static sizes."""

    def __init__(self, case: dict, dims: dict, rng: np.random.Generator):
        self.case = case
        self.dtype = case.get("dtype", "f32")
        self.dims = dims
        self.dyn = set(case.get("dyn", ()))
        self.rng = rng
        self.args = []  # dicts: name, labels, value (float64, rounded)

    def size(self, label):
        return label if isinstance(label, int) else self.dims[label]

    def shape(self, labels):
        return tuple(self.size(lbl) for lbl in labels)

    def ty(self, labels, dtype=None) -> str:
        parts = []
        for lbl in labels:
            if not isinstance(lbl, int) and lbl in self.dyn:
                parts.append("?")
            else:
                parts.append(str(self.size(lbl)))
        return f"tensor<{'x'.join(parts)}x{dtype or self.dtype}>"

    def normal(self, labels, scale=1.0, mean=0.0):
        return mean + scale * self.rng.standard_normal(self.shape(labels))

    def arg(self, name, labels, values=None, scale=1.0, mean=0.0):
        """Adds operand %name; draws N(mean, scale) values unless given.
        Returns the rounded float64 values."""
        if values is None:
            values = self.normal(labels, scale, mean)
        values = np.asarray(values, dtype=np.float64)
        assert values.shape == self.shape(labels), (name, values.shape,
                                                     self.shape(labels))
        v = round_to(values, self.dtype)
        self.args.append({"name": name, "labels": labels, "value": v})
        return v

    def arg_types(self):
        return [self.ty(a["labels"]) for a in self.args]


class Built:
    """What a builder returns: the op line, result types, oracle results."""

    def __init__(self, prog, op_text, result_types, results_ty_text, refs,
                 expect_zero_rows=False, notes=()):
        self.prog = prog
        self.op_text = op_text  # `effattn.x %a, %b attrs`
        self.result_types = result_types  # list of MLIR types
        self.results_ty_text = results_ty_text  # text after `->`
        self.refs = refs  # list of (name, float64 or int32 array, kind)
        self.expect_zero_rows = expect_zero_rows
        self.notes = list(notes)


def functional_results(types):
    return types[0] if len(types) == 1 else "(" + ", ".join(types) + ")"


def mlir_module(b: Built) -> str:
    p = b.prog
    decls = ", ".join(f"%{a['name']}: {p.ty(a['labels'])}" for a in p.args)
    res = b.result_types
    n = len(res)
    lhs = "%r" if n == 1 else f"%r:{n}"
    uses = "%r" if n == 1 else ", ".join(f"%r#{i}" for i in range(n))
    in_types = ", ".join(p.arg_types())
    return (f"func.func @main({decls}) -> ({', '.join(res)}) {{\n"
            f"  {lhs} = {b.op_text}\n"
            f"      : ({in_types}) -> {b.results_ty_text}\n"
            f"  return {uses} : {', '.join(res)}\n"
            f"}}\n")


def attr_text(parts):
    """parts: list of strings or None; None entries are dropped."""
    return "".join(" " + s for s in parts if s)


def opt_attr(case, key, keyword=None, kind="float"):
    """`keyword = value` when the case sets `key`."""
    if key not in case or case[key] is None:
        return None
    kw = keyword or key
    v = case[key]
    if kind == "float":
        return f"{kw} = {fmt_float(v)}"
    if kind == "int":
        return f"{kw} = {int(v)}"
    if kind == "bool":
        return f"{kw} = {'true' if v else 'false'}"
    if kind == "enum":
        return f"{kw} {v}"
    raise ValueError(kind)


# ---------------------------------------------------------------------------
# Builders, one per op
# ---------------------------------------------------------------------------

BIAS_LABELS = {
    "h": [1, "H", "T", "S"],
    "b": ["B", 1, "T", "S"],
    "bh": ["B", "H", "T", "S"],
    "11": [1, 1, "T", "S"],
}


def attn_dims(c):
    d = {k: c[k] for k in ("B", "H", "T", "Dk", "Dv") if k in c}
    d.setdefault("B", 1)
    d.setdefault("H", 1)
    d["Hk"] = c.get("Hk", d["H"])
    d["S"] = c.get("S", d["T"])
    return d


def causal_zero_rows(c, d):
    return bool(c.get("causal")) and d["T"] > d["S"]


def build_softmax(c, rng):
    d = attn_dims(c)
    p = Program(c, d, rng)
    q = p.arg("q", ["B", "H", "T", "Dk"])
    k = p.arg("k", ["B", "Hk", "S", "Dk"])
    v = p.arg("v", ["B", "Hk", "S", "Dv"])
    bias = None
    if c.get("bias"):
        bias = p.arg("bias", BIAS_LABELS[c["bias"]], scale=0.5)
    op = "effattn.softmax_attention %q, %k, %v" + attr_text([
        "bias(%bias)" if bias is not None else None,
        "causal" if c.get("causal") else None,
        opt_attr(c, "scale"),
    ])
    ref = REF.softmax_attention(q, k, v, bias=bias, scale=c.get("scale"),
                                causal=bool(c.get("causal")))
    rt = p.ty(["B", "H", "T", "Dv"])
    return Built(p, op, [rt], rt, [("result0", ref, "float")],
                 expect_zero_rows=causal_zero_rows(c, d))


def build_quad(c, rng):
    d = attn_dims(c)
    p = Program(c, d, rng)
    qs = c.get("qk_scale", 0.5)
    q = p.arg("q", ["B", "H", "T", "Dk"], scale=qs)
    k = p.arg("k", ["B", "Hk", "S", "Dk"], scale=qs)
    v = p.arg("v", ["B", "Hk", "S", "Dv"])
    bias = gate = None
    if c.get("bias"):
        bias = p.arg("bias", BIAS_LABELS[c["bias"]], scale=0.5)
    if c.get("gate"):
        gate = p.arg("gate", ["B", "H", "T", "Dv"])
    op = "effattn.quad_attention %q, %k, %v" + attr_text([
        "bias(%bias)" if bias is not None else None,
        "gate(%gate)" if gate is not None else None,
        "causal" if c.get("causal") else None,
        opt_attr(c, "activation", kind="enum"),
        opt_attr(c, "scale_mode", kind="enum"),
        opt_attr(c, "scale"),
    ])
    ref = REF.quad_attention(q, k, v, bias=bias, gate=gate, scale=c.get("scale"),
                             activation=c.get("activation", "relu2"),
                             scale_mode=c.get("scale_mode", "inside"),
                             causal=bool(c.get("causal")))
    rt = p.ty(["B", "H", "T", "Dv"])
    return Built(p, op, [rt], rt, [("result0", ref, "float")],
                 expect_zero_rows=causal_zero_rows(c, d))


def build_mixed_chunk(c, rng):
    d = attn_dims(c)
    d["C"] = c["C"]
    p = Program(c, d, rng)
    qk = ["B", "H", "T", "Dk"]
    qs = c.get("qk_scale", 1.0)
    qq = p.arg("qq", qk, scale=qs)
    kq = p.arg("kq", qk, scale=qs)
    ql = p.arg("ql", qk, scale=0.5)
    kl = p.arg("kl", qk, scale=0.5)
    v = p.arg("v", ["B", "H", "T", "Dv"])
    gate = bias = None
    if c.get("gate"):
        gate = p.arg("gate", ["B", "H", "T", "Dv"])
    if c.get("bias"):
        bias = p.arg("bias", [c["C"], c["C"]], scale=0.3)
    op = "effattn.mixed_chunk_attention %qq, %kq, %ql, %kl, %v" + attr_text([
        "gate(%gate)" if gate is not None else None,
        "bias(%bias)" if bias is not None else None,
        f"chunk_size = {c['C']}",
        "causal" if c.get("causal") else None,
        opt_attr(c, "activation", kind="enum"),
        opt_attr(c, "quad_scale"),
        opt_attr(c, "lin_scale_mode", kind="enum"),
        opt_attr(c, "lin_scale"),
    ])
    ref = REF.mixed_chunk_attention(
        qq, kq, ql, kl, v, gate=gate, bias=bias, chunk_size=c["C"],
        causal=bool(c.get("causal")), quad_scale=c.get("quad_scale"),
        activation=c.get("activation", "relu2"),
        lin_scale_mode=c.get("lin_scale_mode", "inverse_length"),
        lin_scale=c.get("lin_scale", 1.0))
    rt = p.ty(["B", "H", "T", "Dv"])
    return Built(p, op, [rt], rt, [("result0", ref, "float")])


def linear_operands(c, p, d):
    """q, k, v (and omega, state, normalizer) of a linear_attention case."""
    fm = c.get("feature_map", "elu_plus_one")
    normalize = c.get("normalize", True)
    if fm == "identity" and normalize:
        # A normalised identity map needs positive features, or the
        # denominator phi(q).z can cancel to ~0 (ill conditioned).
        q = p.arg("q", ["B", "H", "T", "Dk"],
                  np.abs(p.normal(["B", "H", "T", "Dk"])) + 0.2)
        k = p.arg("k", ["B", "Hk", "S", "Dk"],
                  np.abs(p.normal(["B", "Hk", "S", "Dk"])) + 0.2)
    else:
        qs = c.get("qk_scale", 1.0)
        q = p.arg("q", ["B", "H", "T", "Dk"], scale=qs)
        k = p.arg("k", ["B", "Hk", "S", "Dk"], scale=qs)
    v = p.arg("v", ["B", "Hk", "S", "Dv"])
    omega = s0 = z0 = None
    if fm == "favor":
        omega = p.arg("omega", ["M", "Dk"])
    if c.get("state_in"):
        s0 = p.arg("s0", ["B", "Hk", "F", "Dv"], scale=2.0)
        if normalize:
            # Positive, like a sum of positive features.
            z0 = p.arg("z0", ["B", "Hk", "F"],
                       np.abs(p.normal(["B", "Hk", "F"])) + 1.0)
    return q, k, v, omega, s0, z0


def linear_op_text(c, p, omega, s0, z0):
    return "effattn.linear_attention %q, %k, %v" + attr_text([
        "omega(%omega)" if omega is not None else None,
        "state(%s0)" if s0 is not None else None,
        "normalizer(%z0)" if z0 is not None else None,
        "causal" if c.get("causal") else None,
        opt_attr(c, "feature_map", kind="enum"),
        opt_attr(c, "normalize", kind="bool"),
        opt_attr(c, "eps"),
        opt_attr(c, "scale"),
        opt_attr(c, "chunk_size", kind="int"),
    ])


def linear_dims(c):
    d = attn_dims(c)
    fm = c.get("feature_map", "elu_plus_one")
    if fm == "favor":
        d["M"] = c["M"]
        d["F"] = c["M"]
    else:
        d["F"] = d["Dk"]
    return d


def linear_result_types(c, p):
    normalize = c.get("normalize", True)
    types = [p.ty(["B", "H", "T", "Dv"])]
    text = [types[0]]
    if c.get("state_out"):
        st = p.ty(["B", "Hk", "F", "Dv"])
        types.append(st)
        text.append("final_state " + st)
        if normalize:
            nt = p.ty(["B", "Hk", "F"])
            types.append(nt)
            text.append("final_normalizer " + nt)
    return types, "(" + ", ".join(text) + ")"


def linear_reference(c, q, k, v, omega, s0, z0):
    return REF.linear_attention(
        q, k, v, omega=omega, initial_state=s0, initial_normalizer=z0,
        feature_map=c.get("feature_map", "elu_plus_one"),
        causal=bool(c.get("causal")), normalize=c.get("normalize", True),
        eps=c.get("eps", 1e-6), scale=c.get("scale", 1.0),
        chunk_size=c.get("chunk_size"))


def build_linear(c, rng):
    d = linear_dims(c)
    p = Program(c, d, rng)
    q, k, v, omega, s0, z0 = linear_operands(c, p, d)
    op = linear_op_text(c, p, omega, s0, z0)
    types, text = linear_result_types(c, p)
    o, fs, fz = linear_reference(c, q, k, v, omega, s0, z0)
    refs = [("result0", o, "float")]
    if c.get("state_out"):
        refs.append(("result1(final_state)", fs, "float"))
        if c.get("normalize", True):
            refs.append(("result2(final_normalizer)", fz, "float"))
    zero_rows = causal_zero_rows(c, d) and not c.get("state_in")
    return Built(p, op, types, text, refs, expect_zero_rows=zero_rows)


def build_lowrank(c, rng, kernel=False):
    d = attn_dims(c)
    d["R"] = c["R"]
    d["Smax"] = c.get("Smax", d["S"])
    if kernel and c.get("feature_map") == "favor":
        d["M"] = c["M"]
    p = Program(c, d, rng)
    q = p.arg("q", ["B", "H", "T", "Dk"], scale=c.get("qk_scale", 1.0))
    k = p.arg("k", ["B", "Hk", "S", "Dk"], scale=c.get("qk_scale", 1.0))
    v = p.arg("v", ["B", "Hk", "S", "Dv"])
    e = p.arg("e", ["R", "Smax"], scale=1.0 / math.sqrt(d["S"]))
    f = p.arg("f", ["R", "Smax"], scale=1.0 / math.sqrt(d["S"]))
    rt = p.ty(["B", "H", "T", "Dv"])
    if not kernel:
        op = "effattn.lowrank_attention %q, %k, %v, %e, %f" + attr_text(
            [opt_attr(c, "scale")])
        ref = REF.lowrank_attention(q, k, v, e, f, scale=c.get("scale"))
        return Built(p, op, [rt], rt, [("result0", ref, "float")])
    omega = None
    if c.get("feature_map") == "favor":
        omega = p.arg("omega", ["M", "Dk"])
    op = "effattn.lowrank_kernel_attention %q, %k, %v, %e, %f" + attr_text([
        "omega(%omega)" if omega is not None else None,
        opt_attr(c, "feature_map", kind="enum"),
        opt_attr(c, "eps"),
        opt_attr(c, "scale"),
    ])
    ref = REF.lowrank_kernel_attention(
        q, k, v, e, f, omega=omega,
        feature_map=c.get("feature_map", "elu_plus_one"),
        eps=c.get("eps", 1e-6), scale=c.get("scale", 1.0))
    return Built(p, op, [rt], rt, [("result0", ref, "float")])


def build_partitioned(c, rng):
    d = attn_dims(c)
    d["P"] = c["P"]
    d["W"] = 2 * c["Tmax"] - 1
    p = Program(c, d, rng)
    q = p.arg("q", ["B", "H", "T", "Dk"])
    k = p.arg("k", ["B", "H", "T", "Dk"])
    vp = p.arg("vp", ["B", "H", "P", "T", "Dv"])
    pi = p.arg("pi", ["P", "W"])
    op = "effattn.partitioned_attention %q, %k, %vp, %pi" + attr_text([
        "causal" if c.get("causal") else None,
        opt_attr(c, "score", kind="enum"),
        opt_attr(c, "scale"),
    ])
    ref = REF.partitioned_attention(q, k, vp, pi, scale=c.get("scale"),
                                    score=c.get("score", "softmax"),
                                    causal=bool(c.get("causal")))
    rt = p.ty(["B", "H", "T", "Dv"])
    return Built(p, op, [rt], rt, [("result0", ref, "float")])


def build_sparse_ffn(c, rng):
    """Ties on purpose: in the blocks of `ties` ({block: (units, value)}) the
    listed units get all-zero controller columns and the same bias, so their
    logits are exactly equal in any summation order; a block listed with
    every unit is a full tie. Tokens whose top-2 distinct logits of some block
    are closer than `margin` are redrawn, so rounding cannot flip a
    selection."""
    D, R, Dff, N = c["D"], c["R"], c["Dff"], c["N"]
    nb = Dff // N
    d = dict(c["xdims"])
    d.update({"D": D, "R": R, "Dff": Dff, "NB": nb})
    p = Program(c, d, rng)
    dtype = p.dtype
    xl = list(c["xlabels"])
    cd = round_to(p.normal(["D", "R"], 1.0 / math.sqrt(D)), dtype)
    cu = p.normal(["R", "Dff"], 1.0 / math.sqrt(R))
    cb = p.normal(["Dff"], 0.3)
    tie_units = []
    for blk, (units, value) in c.get("ties", {}).items():
        for n in units:
            cu[:, blk * N + n] = 0.0
            cb[blk * N + n] = value
        tie_units.append((blk, min(units)))
    cu = round_to(cu, dtype)
    cb = round_to(cb, dtype)

    margin = 1e-3 if dtype == "f32" else 0.05
    x_shape = p.shape(xl)
    rows = int(np.prod(x_shape[:-1]))
    x = np.empty((rows, D))
    redrawn = 0
    for r in range(rows):
        for _ in range(10000):
            xr = round_to(rng.standard_normal(D), dtype)
            lg = ((xr @ cd) @ cu + cb).reshape(nb, N)
            ok = True
            for blk in range(nb):
                vals = np.unique(lg[blk])  # sorted, distinct
                if len(vals) >= 2 and vals[-1] - vals[-2] < margin:
                    ok = False
                    break
            if ok:
                break
            redrawn += 1
        x[r] = xr
    x = x.reshape(x_shape)

    p.arg("x", xl, x)
    p.arg("cd", ["D", "R"], cd)
    p.arg("cu", ["R", "Dff"], cu)
    p.arg("cb", ["Dff"], cb)
    w1 = p.arg("w1", ["D", "Dff"], scale=1.0 / math.sqrt(D))
    w2 = p.arg("w2", ["Dff", "D"], scale=1.0 / math.sqrt(nb))
    b1 = b2 = None
    if c.get("b1"):
        b1 = p.arg("b1", ["Dff"], scale=0.3)
    if c.get("b2"):
        b2 = p.arg("b2", ["D"], scale=0.3)
    op = "effattn.sparse_ffn %x, %cd, %cu, %cb, %w1, %w2" + attr_text([
        "b1(%b1)" if b1 is not None else None,
        "b2(%b2)" if b2 is not None else None,
        f"block_size = {N}",
    ])
    y, sel = REF.sparse_ffn(x, cd, cu, cb, w1, w2, b1=b1, b2=b2, block_size=N)
    types = [p.ty(xl)]
    refs = [("result0", y, "float")]
    if c.get("sel"):
        types.append(p.ty(xl[:-1] + ["NB"], "i32"))
        refs.append(("result1(selected)", sel, "int"))
    # How often a tie decided a selection (the lowest tied unit won).
    flat = sel.reshape(-1, nb)
    tie_wins = sum(int(np.sum(flat[:, blk] == blk * N + n0)) for blk, n0 in tie_units)
    notes = [f"tie_wins={tie_wins} redrawn_tokens={redrawn}"]
    if c.get("ties"):
        assert tie_wins > 0, "no selection was decided by a tie"
    return Built(p, op, types, functional_results(types), refs, notes=notes)


def build_multiplicative_dense(c, rng):
    d = dict(c["xdims"])
    d.update({"Din": c["Din"], "Sd": c["Sd"], "M": c["M"], "SM": c["Sd"] * c["M"]})
    p = Program(c, d, rng)
    xl = list(c["xlabels"])
    x = p.arg("x", xl)
    dd = p.arg("d", ["Din", "Sd"], scale=1.0 / math.sqrt(c["Din"]))
    e = p.arg("e", ["Din", "M"], scale=1.0)
    bias = None
    if c.get("bias"):
        bias = p.arg("bias", ["SM"], scale=0.3)
    op = "effattn.multiplicative_dense %x, %d, %e" + attr_text(
        ["bias(%bias)" if bias is not None else None])
    ref = REF.multiplicative_dense(x, dd, e, bias=bias)
    rt = p.ty(xl[:-1] + ["SM"])
    return Built(p, op, [rt], rt, [("result0", ref, "float")])


def build_offset_scale(c, rng):
    d = dict(c["zdims"])
    d.update({"Dk": c["Dk"], "N": c["N"]})
    p = Program(c, d, rng)
    zl = list(c["zlabels"])
    z = p.arg("z", zl)
    g = p.arg("gamma", ["N", "Dk"])
    b = p.arg("beta", ["N", "Dk"])
    refs = REF.offset_scale(z, g, b)
    types = [p.ty(zl)] * c["N"]
    return Built(p, "effattn.offset_scale %z, %gamma, %beta", types,
                 functional_results(types),
                 [(f"result{i}", r, "float") for i, r in enumerate(refs)])


def build_rel_pos_bias(c, rng):
    d = {"L": c["L"], "T": c["T"], "S": c["S"]}
    p = Program(c, d, rng)
    params = p.arg("params", ["L"])
    op = f"effattn.rel_pos_bias {c['kind']} %params" + attr_text([
        opt_attr(c, "num_buckets", kind="int"),
        opt_attr(c, "max_distance", kind="int"),
        opt_attr(c, "bidirectional", kind="bool"),
        opt_attr(c, "scale"),
    ])
    kw = {}
    if c["kind"] == "t5_buckets":
        kw = {"num_buckets": c.get("num_buckets"),
              "max_distance": c.get("max_distance", 128),
              "bidirectional": c.get("bidirectional", True)}
    ref = REF.rel_pos_bias(params, c["T"], c["S"], c["kind"],
                           scale=c.get("scale", 1.0), **kw)
    rt = p.ty(["T", "S"])
    return Built(p, op, [rt], rt, [("result0", ref, "float")])


def build_gau(c, rng):
    D, E, Dk = c["D"], c["E"], c["Dk"]
    d = {"B": c.get("B", 1), "T": c["T"], "D": D, "E": E, "Dk": Dk,
         "NR": 2 if c["attention"] == "quad" else 4}
    p = Program(c, d, rng)
    x = p.arg("x", ["B", "T", "D"])
    wu = p.arg("wu", ["D", "E"], scale=1.0 / math.sqrt(D))
    wv = p.arg("wv", ["D", "E"], scale=1.0 / math.sqrt(D))
    wz = p.arg("wz", ["D", "Dk"], scale=1.0 / math.sqrt(D))
    wo = p.arg("wo", ["E", "D"], scale=1.0 / math.sqrt(E))
    gamma = p.arg("gamma", ["NR", "Dk"], mean=1.0, scale=0.5)
    beta = p.arg("beta", ["NR", "Dk"], scale=0.3)
    opt = {}
    for name, lbl in (("bu", "E"), ("bv", "E"), ("bz", "Dk"), ("bo", "D")):
        if c.get(name):
            opt[name] = p.arg(name, [lbl], scale=0.3)
    bias = None
    if c.get("bias"):
        n = c["T"] if c["attention"] == "quad" else c["C"]
        bias = p.arg("bias", [n, n], scale=0.3)
    mixed = c["attention"] == "mixed_chunk"
    op = ("effattn.gau %x, %wu, %wv, %wz, %wo, %gamma, %beta" + attr_text([
        "b_u(%bu)" if "bu" in opt else None,
        "b_v(%bv)" if "bv" in opt else None,
        "b_z(%bz)" if "bz" in opt else None,
        "b_o(%bo)" if "bo" in opt else None,
        "bias(%bias)" if bias is not None else None,
        f"attention {c['attention']}",
        f"chunk_size = {c['C']}" if mixed else None,
        "causal" if c.get("causal") else None,
        opt_attr(c, "activation", kind="enum"),
        opt_attr(c, "scale_mode", kind="enum"),
        opt_attr(c, "scale"),
        opt_attr(c, "lin_scale_mode", kind="enum"),
        opt_attr(c, "lin_scale"),
    ]))
    ref = REF.gau(x, wu, wv, wz, wo, gamma, beta, b_u=opt.get("bu"),
                  b_v=opt.get("bv"), b_z=opt.get("bz"), b_o=opt.get("bo"),
                  bias=bias, attention=c["attention"],
                  chunk_size=c.get("C") if mixed else None,
                  causal=bool(c.get("causal")), scale=c.get("scale"),
                  scale_mode=c.get("scale_mode", "inside"),
                  activation=c.get("activation", "relu2"),
                  lin_scale_mode=c.get("lin_scale_mode", "inverse_length"),
                  lin_scale=c.get("lin_scale", 1.0))
    rt = p.ty(["B", "T", "D"])
    return Built(p, op, [rt], rt, [("result0", ref, "float")])


BUILDERS = {
    "softmax": build_softmax,
    "quad": build_quad,
    "mixed_chunk": build_mixed_chunk,
    "linear": build_linear,
    "lowrank": lambda c, rng: build_lowrank(c, rng, kernel=False),
    "lowrank_kernel": lambda c, rng: build_lowrank(c, rng, kernel=True),
    "partitioned": build_partitioned,
    "sparse_ffn": build_sparse_ffn,
    "multiplicative_dense": build_multiplicative_dense,
    "offset_scale": build_offset_scale,
    "rel_pos_bias": build_rel_pos_bias,
    "gau": build_gau,
}

# ---------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------
# Keys: op, dtype (f32 default), enc (input encoding: f4/f2/u2), dyn (labels
# printed as '?'), sizes, the op's attributes; see the builders.

CASES = {}


def case(name, **kw):
    assert name not in CASES, name
    kw.setdefault("dtype", "f32")
    CASES[name] = kw


# --- softmax_attention -----------------------------------------------------
SM = dict(op="softmax", B=2, H=4, T=37, Dk=32, Dv=16)
case("softmax_basic", **SM)
case("softmax_causal", **{**SM, "T": 45}, causal=True)
case("softmax_causal_gqa", **{**SM, "H": 8, "Hk": 2}, causal=True, scale=0.125)
case("softmax_gqa_noncausal", **{**SM, "H": 8, "Hk": 2, "S": 50})
case("softmax_bias_1hts", **{**SM, "T": 20, "S": 33}, bias="h")
case("softmax_bias_b1ts_causal", **{**SM, "T": 24, "H": 8, "Hk": 2}, bias="b",
     causal=True)
case("softmax_causal_t_lt_s", **{**SM, "T": 13, "S": 40}, causal=True, bias="bh")
case("softmax_causal_t_gt_s", **{**SM, "T": 40, "S": 13}, causal=True)
case("softmax_t1", **{**SM, "H": 8, "Hk": 2, "T": 1, "S": 50}, causal=True)
case("softmax_t1_s1", **{**SM, "T": 1, "S": 1})
case("softmax_dynamic", **{**SM, "T": 29, "S": 51, "H": 8, "Hk": 2},
     causal=True, bias="11", dyn=("B", "T", "S"))
case("softmax_dynamic_t_gt_s", **{**SM, "T": 30, "S": 17}, causal=True,
     dyn=("T", "S"))
case("softmax_bf16", **{**SM, "H": 8, "Hk": 2, "T": 33, "S": 40}, causal=True,
     bias="h", dtype="bf16", enc="u2")
case("softmax_bf16_f4", **SM, dtype="bf16", enc="f4")
case("softmax_f16", **{**SM, "H": 8, "Hk": 2, "T": 40, "S": 24}, causal=True,
     dtype="f16", enc="f2", dyn=("T", "S"))
case("softmax_f16_f4", **SM, bias="b", dtype="f16", enc="f4")

# --- quad_attention --------------------------------------------------------
QD = dict(op="quad", B=2, H=2, T=40, Dk=32, Dv=24)
case("quad_relu2_inside", **QD)
case("quad_relu2_outside_gate", **QD, scale_mode="outside", scale=0.02,
     gate=True)
case("quad_laplace_inside_bias", **{**QD, "T": 20, "S": 31},
     activation="laplace", scale=0.25, bias="h")
case("quad_laplace_outside_all", **QD, activation="laplace",
     scale_mode="outside", scale=0.5, bias="bh", gate=True, causal=True)
case("quad_causal_gqa", **{**QD, "H": 8, "Hk": 2}, causal=True, gate=True)
case("quad_causal_t_lt_s", **{**QD, "T": 15, "S": 40}, causal=True, bias="b",
     activation="relu2", scale_mode="inside", scale=0.3)
case("quad_causal_t_gt_s", **{**QD, "T": 40, "S": 15}, causal=True,
     activation="laplace", scale=0.25, gate=True)
case("quad_t1", **{**QD, "T": 1, "S": 33}, causal=True, gate=True)
case("quad_dynamic", **{**QD, "T": 27, "S": 45, "H": 4, "Hk": 2},
     dyn=("B", "T", "S"), bias="11", gate=True)
case("quad_bf16", **{**QD, "H": 4, "Hk": 2}, causal=True, gate=True, bias="h",
     dtype="bf16", enc="u2")
case("quad_f16", **QD, activation="laplace", scale=0.25, gate=True,
     dtype="f16", enc="f2", dyn=("T", "S"))
# Deep contractions for the tensor-core kernels' k pipeline: Dk = 104 is
# four 32-deep slices, the last ragged, with rows 16-byte aligned (cp.async
# path); Dk = 36 leaves rows 8-byte aligned (element path).
case("quad_f16_deep", **{**QD, "T": 70, "Dk": 104}, causal=True,
     dtype="f16", enc="f2", dyn=("T", "S"))
case("quad_f16_odd", **{**QD, "T": 45, "Dk": 36}, dtype="f16", enc="f2")
# The same k pipeline on bf16 (the tensor-core kernels read bf16 tiles as
# f16 fragments and multiply them as bf16).
case("quad_bf16_deep", **{**QD, "T": 70, "Dk": 104}, causal=True, gate=True,
     dtype="bf16", enc="u2", dyn=("T", "S"))

# --- mixed_chunk_attention -------------------------------------------------
MC = dict(op="mixed_chunk", B=2, H=2, Dk=16, Dv=24)
case("mc_c64_t100_causal", **MC, T=100, C=64, causal=True, gate=True,
     bias=True)
case("mc_c7_t50", **MC, T=50, C=7)
case("mc_c7_t50_causal_laplace", **MC, T=50, C=7, causal=True,
     activation="laplace", quad_scale=0.25, bias=True)
case("mc_c1_causal_none", **MC, T=20, C=1, causal=True, lin_scale_mode="none")
case("mc_c1_inverse_chunk", **MC, T=20, C=1, lin_scale_mode="inverse_chunk",
     gate=True)
case("mc_c_eq_t", **MC, T=40, C=40, lin_scale_mode="inverse_chunk", bias=True)
case("mc_c_eq_t_causal", **MC, T=40, C=40, causal=True, gate=True)
case("mc_c_gt_t_causal", **MC, T=30, C=64, causal=True, bias=True,
     activation="laplace", quad_scale=0.125)
case("mc_c_gt_t", **MC, T=30, C=64, lin_scale_mode="none", gate=True)
case("mc_t1", **MC, T=1, C=7, gate=True, bias=True)
case("mc_t1_causal", **MC, T=1, C=1, causal=True)
case("mc_inverse_chunk_causal_linscale", **MC, T=45, C=8, causal=True,
     lin_scale_mode="inverse_chunk", lin_scale=2.0, gate=True, bias=True)
case("mc_none_noncausal_linscale", **MC, T=33, C=8, lin_scale_mode="none",
     lin_scale=0.5, activation="laplace")
case("mc_dynamic_causal", **MC, T=45, C=16, causal=True, gate=True, bias=True,
     dyn=("B", "T"))
case("mc_dynamic", **MC, T=45, C=16, lin_scale_mode="inverse_length",
     dyn=("T",))
case("mc_bf16", **MC, T=50, C=16, causal=True, gate=True, bias=True,
     dtype="bf16", enc="u2")
case("mc_bf16_f4", **MC, T=37, C=8, activation="laplace", dtype="bf16",
     enc="f4", dyn=("T",))
case("mc_f16", **MC, T=50, C=7, causal=True, lin_scale_mode="inverse_chunk",
     gate=True, dtype="f16", enc="f2")
# Chunks of 128 (the tuning table: 8 warps, 2 stages for f16 on GPUs): the
# chunk states Kᵀ·V contract over 128 positions, the last chunk ragged.
case("mc_f16_deep", **MC, T=300, C=128, causal=True, dtype="f16", enc="f2")

# --- linear_attention ------------------------------------------------------
LA = dict(op="linear", B=2, H=4, T=30, Dk=16, Dv=24)
GQA = dict(H=8, Hk=2)
case("lin_elu", **{**LA, **GQA, "T": 20, "S": 33})
case("lin_elu_causal_gqa", **{**LA, **GQA, "T": 40}, causal=True)
case("lin_elu_causal_state", **LA, causal=True, state_in=True,
     state_out=True, chunk_size=8)
case("lin_identity", **LA, feature_map="identity")
case("lin_identity_causal_nonorm", **LA, feature_map="identity",
     normalize=False, causal=True, state_in=True, state_out=True)
case("lin_identity_nonorm_stateout", **{**LA, **GQA}, feature_map="identity",
     normalize=False, state_out=True)
case("lin_relu_causal_t_lt_s", **{**LA, **GQA, "T": 12, "S": 30},
     feature_map="relu", causal=True, state_in=True, state_out=True)
case("lin_relu_causal_t_gt_s", **{**LA, "T": 30, "S": 12},
     feature_map="relu", causal=True, state_out=True)
case("lin_elu_causal_t_gt_s_state", **{**LA, "T": 30, "S": 12}, causal=True,
     state_in=True, chunk_size=4)
case("lin_relu_nonorm", **LA, feature_map="relu", normalize=False,
     scale=0.5)
case("lin_favor_causal_state", **{**LA, **GQA}, M=32, feature_map="favor",
     causal=True, state_in=True, state_out=True, chunk_size=8)
case("lin_favor", **{**LA, "T": 25, "S": 40}, M=24, feature_map="favor",
     scale=0.5, eps=1e-5)
case("lin_favor_nonorm", **LA, M=16, feature_map="favor", normalize=False,
     state_out=True)
case("lin_dynamic_causal", **{**LA, **GQA, "T": 37}, causal=True,
     chunk_size=16, state_out=True, dyn=("B", "T", "S"))
case("lin_dynamic_t_ne_s", **{**LA, "T": 21, "S": 34}, causal=True,
     feature_map="relu", dyn=("T", "S"))
case("lin_t1_decode", **{**LA, **GQA, "T": 1}, causal=True, state_in=True,
     state_out=True)
case("lin_bf16", **{**LA, **GQA}, causal=True, state_in=True, state_out=True,
     dtype="bf16", enc="u2")
case("lin_bf16_f4_favor", **LA, M=16, feature_map="favor", dtype="bf16",
     enc="f4")
case("lin_f16", **{**LA, "T": 20, "S": 33}, feature_map="relu", causal=True,
     state_out=True, dtype="f16", enc="f2")
# Prefix call + suffix call fed with the prefix's final state == one call.
case("lin_split_elu", **{**LA, "T": 40}, causal=True, state_in=True,
     state_out=True, split=17, chunk_size=8, dyn=("T", "S"))
case("lin_split_favor_gqa", **{**LA, **GQA, "T": 33}, M=16,
     feature_map="favor", causal=True, state_in=True, state_out=True,
     split=10, chunk_size=4, dyn=("T", "S"))

# --- chunk-size sweep (chunk_sizes.test) -----------------------------------
# The chunked schedules at chunk sizes 1, 7, 64, 256, T and > T on T = 300
# (tails everywhere but C = 1 and C = T).
for _c in (1, 7, 64, 256, 300, 512):
    case(f"sweep_mc_c{_c}_causal", **{**MC, "B": 1}, T=300, C=_c, causal=True,
         gate=True, bias=True)
    case(f"sweep_mc_c{_c}", **{**MC, "B": 1}, T=300, C=_c,
         lin_scale_mode="inverse_chunk")
    case(f"sweep_lin_c{_c}_causal", **{**LA, "B": 1, "T": 300}, causal=True,
         state_in=True, state_out=True, chunk_size=_c)
case("sweep_lin_c256_causal_bf16", **{**LA, "B": 1, "T": 300}, causal=True,
     state_out=True, chunk_size=256, dtype="bf16", enc="u2")
case("sweep_mc_c256_causal_bf16", **{**MC, "B": 1}, T=300, C=256, causal=True,
     gate=True, dtype="bf16", enc="u2", dyn=("T",))

# --- lowrank_attention, lowrank_kernel_attention ----------------------------
LR = dict(B=2, H=4, T=40, S=48, Dk=32, Dv=16, R=16)
case("lowrank_static", op="lowrank", **LR)
case("lowrank_gqa_scale", op="lowrank", **{**LR, **GQA}, scale=0.125)
case("lowrank_dynamic_s", op="lowrank", **{**LR, **GQA, "S": 37}, Smax=64,
     dyn=("T", "S"))
case("lrk_elu", op="lowrank_kernel", **LR)
case("lrk_relu_gqa", op="lowrank_kernel", **{**LR, **GQA},
     feature_map="relu", scale=0.5)
case("lrk_favor", op="lowrank_kernel", **LR, M=32, feature_map="favor",
     qk_scale=0.7, eps=0.0)
case("lrk_dynamic_s_favor", op="lowrank_kernel", **{**LR, **GQA, "S": 29},
     Smax=48, M=16, feature_map="favor", qk_scale=0.7, dyn=("T", "S"))

# --- partitioned_attention -------------------------------------------------
PA = dict(op="partitioned", B=2, H=2, T=24, Tmax=32, P=3, Dk=16, Dv=8)
case("part_softmax", **PA)
case("part_softmax_causal", **PA, causal=True, scale=0.5)
case("part_sigmoid", **PA, score="sigmoid")
case("part_sigmoid_causal_dynamic", **{**PA, "T": 29}, score="sigmoid",
     causal=True, dyn=("B", "T"))
case("part_softmax_t_eq_tmax", **{**PA, "T": 32}, dyn=("T",))

# --- sparse_ffn ------------------------------------------------------------
# ties: {block: (tied units, their common logit)}; 3.0 always wins, 0.9
# sometimes, a block listing every unit is a full tie (selects unit 0).
SF = dict(op="sparse_ffn", D=32, R=8, Dff=64, N=8)
TIES = {0: ((2, 5), 0.9), 1: ((1, 3, 6), 3.0), 3: (tuple(range(8)), 0.0)}
case("sffn_b1b2_sel", **SF, xlabels=("NT", "D"), xdims={"NT": 24}, b1=True,
     b2=True, sel=True, ties=TIES)
case("sffn_nobias", **SF, xlabels=("NT", "D"), xdims={"NT": 20}, ties=TIES)
case("sffn_3d_dynamic_sel", **SF, xlabels=("B", "T", "D"),
     xdims={"B": 2, "T": 13}, dyn=("T",), b1=True, sel=True, ties=TIES)
case("sffn_b2_sel_ties", **{**SF, "N": 4}, xlabels=("NT", "D"),
     xdims={"NT": 30}, b2=True, sel=True,
     ties={0: ((0, 1), 0.9), 2: ((1, 2), 0.8), 5: ((2, 3), 0.7),
           7: ((0, 1, 2, 3), 0.0), 9: ((1, 3), 5.0)})
case("sffn_one_block", **{**SF, "N": 64}, xlabels=("NT", "D"),
     xdims={"NT": 16}, dyn=("NT",), b1=True, b2=True, sel=True,
     ties={0: ((10, 40), 2.5)})
case("sffn_bf16", **SF, xlabels=("NT", "D"), xdims={"NT": 24}, b1=True,
     b2=True, sel=True, ties=TIES, dtype="bf16", enc="u2")
case("sffn_f16", **SF, xlabels=("B", "T", "D"), xdims={"B": 2, "T": 9},
     b1=True, sel=True, ties=TIES, dtype="f16", enc="f2")

# --- multiplicative_dense --------------------------------------------------
case("md_bias", op="multiplicative_dense", xlabels=("A", "NT", "Din"),
     xdims={"A": 3, "NT": 10}, Din=32, Sd=4, M=8, bias=True)
case("md_nobias_dynamic", op="multiplicative_dense", xlabels=("NT", "Din"),
     xdims={"NT": 17}, dyn=("NT",), Din=48, Sd=8, M=6)
case("md_f16_bias", op="multiplicative_dense", xlabels=("NT", "Din"),
     xdims={"NT": 12}, Din=32, Sd=4, M=8, bias=True, dtype="f16", enc="f2")

# --- offset_scale ----------------------------------------------------------
case("offset_scale_n2", op="offset_scale", zlabels=("B", "T", "Dk"),
     zdims={"B": 1, "T": 19}, dyn=("T",), Dk=16, N=2)
case("offset_scale_n4", op="offset_scale", zlabels=("B", "H", "T", "Dk"),
     zdims={"B": 2, "H": 1, "T": 7}, Dk=32, N=4)

# --- rel_pos_bias ----------------------------------------------------------
case("rpb_t5_bidirectional", op="rel_pos_bias", kind="t5_buckets", L=32,
     T=40, S=40, max_distance=20)
case("rpb_t5_unidirectional", op="rel_pos_bias", kind="t5_buckets", L=32,
     T=30, S=50, num_buckets=16, max_distance=64, bidirectional=False,
     scale=0.5)
case("rpb_t5_t_gt_s", op="rel_pos_bias", kind="t5_buckets", L=16, T=60,
     S=20, bidirectional=True)
case("rpb_toeplitz", op="rel_pos_bias", kind="toeplitz", L=99, T=30, S=45,
     scale=2.0)
case("rpb_toeplitz_t_gt_s", op="rel_pos_bias", kind="toeplitz", L=79, T=40,
     S=25)
case("rpb_t5_bf16", op="rel_pos_bias", kind="t5_buckets", L=32, T=24, S=24,
     bidirectional=False, dtype="bf16", enc="u2")

# --- gau -------------------------------------------------------------------
GA = dict(op="gau", B=2, T=20, D=32, E=48, Dk=16)
case("gau_quad_biases", **GA, attention="quad", bu=True, bv=True, bz=True,
     bo=True, bias=True, causal=True)
case("gau_quad_outside_dynamic", **{**GA, "T": 23}, attention="quad",
     scale_mode="outside", scale=0.05, activation="laplace", bo=True,
     dyn=("B", "T"))
case("gau_mixed_chunk_biases", **{**GA, "T": 30}, attention="mixed_chunk",
     C=8, causal=True, bu=True, bv=True, bz=True, bo=True, bias=True)
case("gau_mixed_chunk_laplace", **{**GA, "T": 27}, attention="mixed_chunk",
     C=7, activation="laplace", scale=0.25, lin_scale_mode="inverse_chunk",
     lin_scale=0.5, bias=True, bz=True, dyn=("T",))
case("gau_mixed_chunk_bf16", **{**GA, "T": 30}, attention="mixed_chunk",
     C=8, causal=True, bu=True, bo=True, bias=True, dtype="bf16", enc="u2")

# ---------------------------------------------------------------------------
# Running and comparing
# ---------------------------------------------------------------------------


class Runner:
    def __init__(self, opt, run, workdir, name):
        self.opt = opt
        self.run = run
        self.dir = os.path.join(workdir, name)
        self.name = name
        self.ok = True
        self.dry_run = False
        self.run_args = []

    def line(self, text):
        print(f"CASE {self.name} {text}", flush=True)

    def fail(self, text):
        self.ok = False
        self.line(text)

    def tool(self, argv, what):
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True,
                                  timeout=TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as err:
            self.fail(f"{what}: could not run {' '.join(argv)}: {err} FAIL")
            return None
        if proc.returncode != 0:
            self.fail(f"{what}: exit {proc.returncode}: {' '.join(argv)} FAIL")
            sys.stdout.write(proc.stdout[-6000:])
            return None
        return proc.stdout

    def execute(self, mlir_path, inputs, tag):
        """Runs @main of mlir_path on the given .npy files; returns results."""
        if self.dry_run:
            self.line(f"dry-run: {mlir_path} verified")
            return None
        out_dir = os.path.join(self.dir, f"out_{tag}")
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir)
        argv = [self.run, mlir_path, "--entry=main"]
        for f in inputs:
            argv += ["--input", f]
        # --check: the default (scheduled) pipeline must also match the
        # reference lowering on these inputs (effattn-run exits 1 otherwise).
        argv += ["--output-dir", out_dir, "--check"] + self.run_args
        if self.tool(argv, f"effattn-run[{tag}]") is None:
            return None
        results = []
        while os.path.exists(os.path.join(out_dir, f"result{len(results)}.npy")):
            results.append(
                np.load(os.path.join(out_dir, f"result{len(results)}.npy")))
        return results

    def write_program(self, built, tag):
        """Writes the module and inputs; verifies the IR with effattn-opt."""
        case = CASES[self.name]
        mlir_path = os.path.join(self.dir, "main.mlir")
        with open(mlir_path, "w") as fh:
            fh.write(f"// effattn integration case {self.name}\n")
            fh.write(mlir_module(built))
        if self.tool([self.opt, mlir_path, "-o", os.devnull],
                     "effattn-opt(verify)") is None:
            return None, None
        return mlir_path, self.save_inputs(built.prog, case, tag)

    def save_inputs(self, prog, case, tag, values=None):
        enc = case.get("enc", default_encoding(prog.dtype))
        files = []
        for i, a in enumerate(prog.args):
            v = a["value"] if values is None else values[i]
            path = os.path.join(self.dir, f"{tag}_arg{i}_{a['name']}.npy")
            np.save(path, encode(v, prog.dtype, enc))
            files.append(path)
        return files

    def compare(self, rname, out, ref, kind, tol, expect_zero_rows=False):
        ref = np.asarray(ref)
        if out is None:
            self.fail(f"{rname}: missing FAIL")
            return
        if tuple(out.shape) != tuple(ref.shape):
            self.fail(f"{rname}: shape {list(out.shape)} != expected "
                      f"{list(ref.shape)} FAIL")
            return
        if kind == "int":
            if out.dtype.kind not in "iu":
                self.fail(f"{rname}: dtype {out.dtype} is not an integer FAIL")
                return
            bad = int(np.sum(out.astype(np.int64) != ref.astype(np.int64)))
            status = "PASS" if bad == 0 else "FAIL"
            (self.line if bad == 0 else self.fail)(
                f"{rname}: mismatches={bad}/{ref.size} exact {status}")
            return
        out64 = out.astype(np.float64)
        ref_rms = math.sqrt(float(np.mean(np.square(ref)))) if ref.size else 0.0
        err_rms = math.sqrt(float(np.mean(np.square(out64 - ref)))) if ref.size else 0.0
        rel = err_rms / ref_rms if ref_rms > 0 else (0.0 if err_rms == 0 else math.inf)
        if not np.all(np.isfinite(out64)):
            rel = math.nan
        ok = rel < tol  # NaN compares False
        (self.line if ok else self.fail)(
            f"{rname}: rel_rms={rel:.3e} tol={tol:.0e} {'PASS' if ok else 'FAIL'}")
        # Rows the oracle gives as exact zeros (query rows that see no key).
        if ref.ndim >= 1 and ref.size:
            zero = np.all(ref == 0.0, axis=-1)
            n = int(np.sum(zero))
            if n:
                got = out64[zero]
                max_abs = float(np.max(np.abs(got))) if got.size else 0.0
                ok = bool(np.all(got == 0.0))
                (self.line if ok else self.fail)(
                    f"{rname}[zero rows]: rows={n} max_abs={max_abs:.3e} "
                    f"{'PASS' if ok else 'FAIL'}")
            elif expect_zero_rows:
                self.fail(f"{rname}[zero rows]: expected fully masked rows, "
                          f"none in the oracle FAIL")

    def run_case(self):
        case = CASES[self.name]
        os.makedirs(self.dir, exist_ok=True)
        rng = np.random.default_rng(case.get("seed", zlib.crc32(self.name.encode())))
        if "split" in case:
            return self.run_split(case, rng)
        built = BUILDERS[case["op"]](case, rng)
        for note in built.notes:
            self.line(f"info: {note}")
        mlir_path, inputs = self.write_program(built, "in")
        if mlir_path is None:
            return
        outs = self.execute(mlir_path, inputs, "main")
        if outs is None:
            return
        tol = TOLERANCE[case["dtype"]]
        if len(outs) != len(built.refs):
            self.fail(f"results: got {len(outs)}, expected {len(built.refs)} FAIL")
        for i, (rname, ref, kind) in enumerate(built.refs):
            self.compare(rname, outs[i] if i < len(outs) else None, ref, kind,
                         tol, built.expect_zero_rows and i == 0)

    def run_split(self, case, rng):
        """linear_attention, causal, with T = S dynamic: one call over the
        whole sequence, then a prefix call and a suffix call fed with the
        prefix's final state and normalizer."""
        built = build_linear(case, rng)
        p = built.prog
        names = [a["name"] for a in p.args]
        vals = {a["name"]: a["value"] for a in p.args}
        mlir_path, inputs = self.write_program(built, "full")
        if mlir_path is None:
            return
        tol = TOLERANCE[case["dtype"]]
        T, P = p.dims["T"], case["split"]
        o_ref, fs_ref, fz_ref = (r for _, r, _ in built.refs)

        full = self.execute(mlir_path, inputs, "full")
        if full is None:
            return
        self.compare("full.result0", full[0], o_ref, "float", tol)
        self.compare("full.final_state", full[1], fs_ref, "float", tol)
        self.compare("full.final_normalizer", full[2], fz_ref, "float", tol)

        def part(lo, hi, s0, z0):
            out = []
            for n in names:
                v = vals[n]
                if n in ("q", "k", "v"):
                    v = v[:, :, lo:hi]
                elif n == "s0":
                    v = s0
                elif n == "z0":
                    v = z0
                out.append(v)
            return out

        pre_in = self.save_inputs(p, case, "prefix",
                                  part(0, P, vals["s0"], vals["z0"]))
        pre = self.execute(mlir_path, pre_in, "prefix")
        if pre is None:
            return
        # The prefix's final state/normalizer are fed back as they came out
        # (already values of the element type).
        suf_vals = part(P, T, pre[1].astype(np.float64), pre[2].astype(np.float64))
        suf_in = self.save_inputs(p, case, "suffix", suf_vals)
        suf = self.execute(mlir_path, suf_in, "suffix")
        if suf is None:
            return
        self.compare("prefix.result0", pre[0], o_ref[:, :, :P], "float", tol)
        self.compare("suffix.result0", suf[0], o_ref[:, :, P:], "float", tol)
        self.compare("suffix.final_state", suf[1], fs_ref, "float", tol)
        self.compare("suffix.final_normalizer", suf[2], fz_ref, "float", tol)
        # Compiled split against compiled full call.
        stitched = np.concatenate([pre[0], suf[0]], axis=2).astype(np.float64)
        self.compare("split_vs_full.result0", stitched,
                     full[0].astype(np.float64), "float", tol)
        self.compare("split_vs_full.final_state", suf[1],
                     full[1].astype(np.float64), "float", tol)


def check_coverage(test_dir):
    used = set()
    for path in glob.glob(os.path.join(test_dir, "*.test")):
        with open(path) as fh:
            for m in re.finditer(r"--case[= ]([A-Za-z0-9_]+)", fh.read()):
                used.add(m.group(1))
    missing = sorted(set(CASES) - used)
    unknown = sorted(used - set(CASES))
    for n in missing:
        print(f"COVERAGE case {n} is not run by any .test file")
    for n in unknown:
        print(f"COVERAGE .test files name an unknown case {n}")
    print(f"COVERAGE {len(CASES)} cases, {len(used & set(CASES))} used, "
          f"{len(missing)} missing, {len(unknown)} unknown")
    return 0 if not missing and not unknown else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--opt", default="effattn-opt", help="effattn-opt binary")
    ap.add_argument("--run", default="effattn-run", help="effattn-run binary")
    ap.add_argument("--case", action="append", default=[],
                    help="case to run (repeatable)")
    ap.add_argument("--workdir", help="scratch directory")
    ap.add_argument("--list", action="store_true", help="print every case")
    ap.add_argument("--dry-run", action="store_true",
                    help="only write and verify the IR and the inputs")
    ap.add_argument("--run-arg", action="append", default=[],
                    help="extra effattn-run argument (repeatable), e.g. "
                         "--run-arg=--pipeline=gpu-schedule")
    ap.add_argument("--check-coverage", metavar="DIR",
                    help="fail unless every case is run by some DIR/*.test")
    args = ap.parse_args()

    if args.list:
        for name, c in CASES.items():
            print(f"{name} op={c['op']} dtype={c['dtype']}")
        return 0
    if args.check_coverage:
        return check_coverage(args.check_coverage)
    if not args.case or not args.workdir:
        ap.error("--case and --workdir are required")
    unknown = [n for n in args.case if n not in CASES]
    if unknown:
        ap.error(f"unknown case(s): {', '.join(unknown)} (see --list)")

    global REF
    REF = load_reference()
    rc = 0
    for name in args.case:
        r = Runner(args.opt, args.run, args.workdir, name)
        r.dry_run = args.dry_run
        r.run_args = args.run_arg
        try:
            r.run_case()
        except Exception as err:  # a bug in the driver or the oracle
            import traceback
            traceback.print_exc(file=sys.stdout)
            r.fail(f"driver error: {err!r} FAIL")
        print(f"CASE {name}: {'ALL PASS' if r.ok else 'FAILED'}", flush=True)
        rc |= 0 if r.ok else 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
