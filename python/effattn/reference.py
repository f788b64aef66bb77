"""float64 numpy reference ("oracle") for every op of the effattn dialect.

Each function below is written directly from the formulas of ``docs/SPEC.md`` (the op
contract), section by section, in the plainest form that states them: explicit score
matrices, explicit masks, a per-chunk loop for ``mixed_chunk_attention`` and the
token-by-token recurrence for causal ``linear_attention``. Nothing here is tuned for
speed; it is the thing the compiled kernels are compared against.

Everything is computed in float64: every array argument is cast with
``np.asarray(x, dtype=np.float64)`` first, whatever its dtype (f16/bf16/f32 inputs of a
kernel are compared against this module run on the same values). Results are float64
arrays (``sparse_ffn``'s selected indices are int32).

The module depends on numpy and the standard library only (``erf`` comes from
``math.erf``), so it can be copied and used on its own, without the compiler, its C API or
the rest of the ``effattn`` Python package.

Conventions shared by the attention ops (SPEC "Conventions"):

* layout ``q : [B, H, T, Dk]``, ``k : [B, Hk, S, Dk]``, ``v : [B, Hk, S, Dv]``, result
  ``[B, H, T, Dv]``; grouped-query attention: query head ``h`` reads key/value head
  ``h // (H // Hk)``;
* ``causal`` with ``T != S`` is bottom-right aligned: query ``i`` sees keys
  ``j <= i + (S - T)``;
* a query row that sees no key produces zeros, never NaN;
* masks apply after the score function (a masked position contributes exactly nothing).

Shapes are validated and a bad argument raises ``ValueError`` naming the op, the
argument, the expected shape and the shape received.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np

__all__ = [
    "softmax_attention",
    "quad_attention",
    "mixed_chunk_attention",
    "linear_attention",
    "lowrank_attention",
    "lowrank_kernel_attention",
    "partitioned_attention",
    "sparse_ffn",
    "multiplicative_dense",
    "offset_scale",
    "rel_pos_bias",
    "gau",
    # scalar building blocks, exposed for tests and for other references
    "relu2",
    "laplace",
    "feature_map",
    "t5_relative_position_bucket",
    "causal_mask",
    "silu",
]

ACTIVATIONS = ("relu2", "laplace")
SCALE_MODES = ("inside", "outside")
FEATURE_MAPS = ("identity", "elu_plus_one", "relu", "favor")
LIN_SCALE_MODES = ("inverse_length", "inverse_chunk", "none")
PARTITION_SCORES = ("softmax", "sigmoid")
REL_POS_KINDS = ("t5_buckets", "toeplitz")
GAU_ATTENTIONS = ("quad", "mixed_chunk")

# ---------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------


def _f64(x, op: str, name: str) -> np.ndarray:
    if x is None:
        raise ValueError(f"{op}: {name} is required")
    return np.asarray(x, dtype=np.float64)


def _fmt_dim(label: str, allowed) -> str:
    if allowed is None:
        return label
    if isinstance(allowed, tuple):
        return f"{label}={'|'.join(str(a) for a in allowed)}"
    return f"{label}={allowed}"


def _check_shape(op: str, name: str, a: np.ndarray, dims: Sequence[tuple]) -> None:
    """Check ``a.shape`` against ``dims``: a list of ``(label, allowed)`` where allowed is
    None (any size), an int (exact) or a tuple of ints (any of them)."""
    expected = "[" + ", ".join(_fmt_dim(lbl, al) for lbl, al in dims) + "]"
    ok = a.ndim == len(dims)
    if ok:
        for size, (_, allowed) in zip(a.shape, dims):
            if allowed is None:
                continue
            if isinstance(allowed, tuple):
                if size not in allowed:
                    ok = False
            elif size != allowed:
                ok = False
    if not ok:
        raise ValueError(f"{op}: {name} must have shape {expected}, got {list(a.shape)}")


def _check_enum(op: str, name: str, value, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{op}: {name} must be one of {list(allowed)}, got {value!r}")


def _check_qkv(op: str, q, k, v, allow_gqa: bool = True):
    """Validate the common attention layout; returns (q, k, v, B, H, Hk, T, S, Dk, Dv)."""
    q = _f64(q, op, "q")
    k = _f64(k, op, "k")
    v = _f64(v, op, "v")
    if q.ndim != 4:
        raise ValueError(f"{op}: q must have shape [B, H, T, Dk], got {list(q.shape)}")
    B, H, T, Dk = q.shape
    if k.ndim != 4:
        raise ValueError(f"{op}: k must have shape [B={B}, Hk, S, Dk={Dk}], got {list(k.shape)}")
    Hk, S = k.shape[1], k.shape[2]
    _check_shape(op, "k", k, [("B", B), ("Hk", None), ("S", None), ("Dk", Dk)])
    if Hk < 1 or H % Hk != 0:
        raise ValueError(
            f"{op}: the number of key/value heads Hk={Hk} (k) must divide the number of "
            f"query heads H={H} (q)"
        )
    if not allow_gqa and Hk != H:
        raise ValueError(f"{op}: k must have H={H} heads like q (no grouped-query), got Hk={Hk}")
    if v.ndim != 4:
        raise ValueError(
            f"{op}: v must have shape [B={B}, Hk={Hk}, S={S}, Dv], got {list(v.shape)}"
        )
    _check_shape(op, "v", v, [("B", B), ("Hk", Hk), ("S", S), ("Dv", None)])
    Dv = v.shape[3]
    return q, k, v, B, H, Hk, T, S, Dk, Dv


def _check_attn_bias(op: str, bias, B: int, H: int, T: int, S: int) -> Optional[np.ndarray]:
    if bias is None:
        return None
    bias = np.asarray(bias, dtype=np.float64)
    _check_shape(op, "bias", bias, [("B|1", (B, 1)), ("H|1", (H, 1)), ("T", T), ("S", S)])
    return bias


def _check_chunk_size(op: str, chunk_size, required: bool) -> Optional[int]:
    if chunk_size is None:
        if required:
            raise ValueError(f"{op}: chunk_size is required")
        return None
    c = int(chunk_size)
    if c != chunk_size or c < 1:
        raise ValueError(f"{op}: chunk_size must be an integer >= 1, got {chunk_size!r}")
    return c


def _repeat_kv(x: np.ndarray, H: int) -> np.ndarray:
    """[B, Hk, ...] -> [B, H, ...]: query head h reads kv head h // (H // Hk)."""
    Hk = x.shape[1]
    return np.repeat(x, H // Hk, axis=1)


# ---------------------------------------------------------------------------------------
# Scalar building blocks
# ---------------------------------------------------------------------------------------

_erf = np.vectorize(math.erf, otypes=[np.float64])

_LAPLACE_MU = math.sqrt(0.5)
_LAPLACE_SIGMA = 1.0 / math.sqrt(4.0 * math.pi)


def relu2(x) -> np.ndarray:
    """relu2(x) = max(x, 0)^2 (SPEC §2)."""
    x = np.asarray(x, dtype=np.float64)
    return np.square(np.maximum(x, 0.0))


def laplace(x) -> np.ndarray:
    """laplace(x) = 0.5 * (1 + erf((x - sqrt(0.5)) / (sqrt(2) * sigma))), sigma = 1/sqrt(4 pi)
    (SPEC §2)."""
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + _erf((x - _LAPLACE_MU) / (math.sqrt(2.0) * _LAPLACE_SIGMA)))


def _activation(name: str):
    return relu2 if name == "relu2" else laplace


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def silu(x) -> np.ndarray:
    """silu(x) = x * sigmoid(x) (SPEC §12)."""
    x = np.asarray(x, dtype=np.float64)
    return x * _sigmoid(x)


def causal_mask(T: int, S: int) -> np.ndarray:
    """Bool [T, S]: True where query i may see key j, i.e. j <= i + (S - T)
    (bottom-right aligned when T != S)."""
    return np.arange(S)[None, :] <= np.arange(T)[:, None] + (S - T)


def _masked_softmax(s: np.ndarray, mask: Optional[np.ndarray]) -> np.ndarray:
    """Softmax over the last axis restricted to ``mask``; a row with no visible key
    (or only -inf scores) gives all-zero weights, never NaN."""
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    m = np.max(s, axis=-1, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(s - m)
    d = np.sum(e, axis=-1, keepdims=True)
    return np.where(d > 0, e / np.where(d > 0, d, 1.0), 0.0)


def feature_map(x, name: str, omega=None) -> np.ndarray:
    """The kernel feature maps of SPEC §4, applied along the last axis of ``x`` ([..., Dk]).

    identity(x) = x; elu_plus_one(x) = elu(x) + 1; relu(x) = max(x, 0);
    favor(x) = exp(omega x' - |x'|^2 / 2) / sqrt(M) with x' = x / Dk^(1/4), omega : [M, Dk].
    favor is evaluated literally (no stabilising shift).
    """
    x = np.asarray(x, dtype=np.float64)
    if name == "identity":
        return x.copy()
    if name == "elu_plus_one":
        return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "favor":
        if omega is None:
            raise ValueError("feature_map: favor requires omega [M, Dk]")
        omega = np.asarray(omega, dtype=np.float64)
        Dk = x.shape[-1]
        M = omega.shape[0]
        xp = x / Dk ** 0.25
        proj = np.einsum("...d,md->...m", xp, omega)
        return np.exp(proj - 0.5 * np.sum(xp * xp, axis=-1, keepdims=True)) / math.sqrt(M)
    raise ValueError(f"feature_map: unknown feature map {name!r}, expected one of {list(FEATURE_MAPS)}")


def _phi(x, name, omega):
    """``feature_map`` under another name, for functions whose ``feature_map`` argument
    shadows it."""
    return feature_map(x, name, omega)


def _check_feature_map_args(op: str, feature_map_name: str, omega, Dk: int):
    """Validate feature_map/omega; returns (omega or None, feature width F)."""
    _check_enum(op, "feature_map", feature_map_name, FEATURE_MAPS)
    if omega is not None:
        omega = np.asarray(omega, dtype=np.float64)
        _check_shape(op, "omega", omega, [("M", None), ("Dk", Dk)])
    if feature_map_name == "favor":
        if omega is None:
            raise ValueError(f"{op}: feature_map 'favor' requires omega [M, Dk={Dk}]")
        return omega, omega.shape[0]
    return omega, Dk


# ---------------------------------------------------------------------------------------
# §1 softmax_attention
# ---------------------------------------------------------------------------------------


def softmax_attention(q, k, v, bias=None, scale=None, causal=False) -> np.ndarray:
    """SPEC §1. s_ij = scale * q_i . k_j + bias_ij (masked to -inf when causal and
    j > i + S - T); o_i = sum_j softmax_j(s_i) v_j. scale defaults to 1/sqrt(Dk);
    bias : [B|1, H|1, T, S]. Returns [B, H, T, Dv]."""
    op = "softmax_attention"
    q, k, v, B, H, Hk, T, S, Dk, Dv = _check_qkv(op, q, k, v)
    bias = _check_attn_bias(op, bias, B, H, T, S)
    scale = 1.0 / math.sqrt(Dk) if scale is None else float(scale)
    k = _repeat_kv(k, H)
    v = _repeat_kv(v, H)
    s = scale * np.einsum("bhtd,bhsd->bhts", q, k)
    if bias is not None:
        s = s + bias
    mask = causal_mask(T, S) if causal else None
    p = _masked_softmax(s, mask)
    return np.einsum("bhts,bhse->bhte", p, v)


# ---------------------------------------------------------------------------------------
# §2 quad_attention
# ---------------------------------------------------------------------------------------


def quad_attention(q, k, v, bias=None, gate=None, scale=None, activation="relu2",
                   scale_mode="inside", causal=False) -> np.ndarray:
    """SPEC §2 (FLASH-Quad / GAU attention, no row normalisation).

    inside : a_ij = act(scale * q_i . k_j + bias_ij)
    outside: a_ij = scale * act(q_i . k_j + bias_ij)
    o_i = sum_j a_ij v_j (causal: j <= i + S - T, mask applied after act), then
    o_i *= gate_i element-wise when gate : [B, H, T, Dv] is given.
    scale defaults to 1/S; bias : [B|1, H|1, T, S] is never scaled.
    """
    op = "quad_attention"
    q, k, v, B, H, Hk, T, S, Dk, Dv = _check_qkv(op, q, k, v)
    bias = _check_attn_bias(op, bias, B, H, T, S)
    _check_enum(op, "activation", activation, ACTIVATIONS)
    _check_enum(op, "scale_mode", scale_mode, SCALE_MODES)
    if gate is not None:
        gate = np.asarray(gate, dtype=np.float64)
        _check_shape(op, "gate", gate, [("B", B), ("H", H), ("T", T), ("Dv", Dv)])
    if scale is None:
        scale = 1.0 / S if S > 0 else 1.0
    scale = float(scale)
    act = _activation(activation)
    k = _repeat_kv(k, H)
    v = _repeat_kv(v, H)
    x = np.einsum("bhtd,bhsd->bhts", q, k)
    if scale_mode == "inside":
        x = scale * x
        if bias is not None:
            x = x + bias
        a = act(x)
    else:
        if bias is not None:
            x = x + bias
        a = scale * act(x)
    if causal:
        a = np.where(causal_mask(T, S), a, 0.0)
    o = np.einsum("bhts,bhse->bhte", a, v)
    if gate is not None:
        o = gate * o
    return o


# ---------------------------------------------------------------------------------------
# §3 mixed_chunk_attention
# ---------------------------------------------------------------------------------------


def mixed_chunk_attention(q_quad, k_quad, q_lin, k_lin, v, gate=None, bias=None,
                          chunk_size=None, causal=False, quad_scale=None,
                          activation="relu2", lin_scale_mode="inverse_length",
                          lin_scale=1.0) -> np.ndarray:
    """SPEC §3 (FLASH's mixed-chunk attention), written as the per-chunk loop.

    q_quad, k_quad, q_lin, k_lin : [B, H, T, Dk]; v, gate : [B, H, T, Dv]; bias : [C, C].
    chunk_size C is required (>= 1). G = ceil(T / C) chunks, the last possibly partial
    (L rows; it uses bias[:L, :L] and still quad_scale = 1/C by default). For chunk g:

        quad_g  = act(quad_scale * Qq_g Kq_g^T + bias) V_g     (causal: j <= i in the chunk)
        state_g = sum_h Kl_h^T V_h    (non-causal: all chunks; causal: h < g only)
        lin_g   = lin_factor(g) * Ql_g state_g
        o_g     = gate_g * (quad_g + lin_g)

    lin_factor(g) = lin_scale * (inverse_length: 1/T non-causal, 1/(g*C) causal for
    g >= 1 (causal chunk 0 has a zero state, its linear term is 0); inverse_chunk: 1/C;
    none: 1).
    """
    op = "mixed_chunk_attention"
    qq = _f64(q_quad, op, "q_quad")
    if qq.ndim != 4:
        raise ValueError(f"{op}: q_quad must have shape [B, H, T, Dk], got {list(qq.shape)}")
    B, H, T, Dk = qq.shape
    dims_k = [("B", B), ("H", H), ("T", T), ("Dk", Dk)]
    kq = _f64(k_quad, op, "k_quad")
    _check_shape(op, "k_quad", kq, dims_k)
    ql = _f64(q_lin, op, "q_lin")
    _check_shape(op, "q_lin", ql, dims_k)
    kl = _f64(k_lin, op, "k_lin")
    _check_shape(op, "k_lin", kl, dims_k)
    v = _f64(v, op, "v")
    _check_shape(op, "v", v, [("B", B), ("H", H), ("T", T), ("Dv", None)])
    Dv = v.shape[3]
    C = _check_chunk_size(op, chunk_size, required=True)
    if gate is not None:
        gate = np.asarray(gate, dtype=np.float64)
        _check_shape(op, "gate", gate, [("B", B), ("H", H), ("T", T), ("Dv", Dv)])
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        _check_shape(op, "bias", bias, [("C", C), ("C", C)])
    _check_enum(op, "activation", activation, ACTIVATIONS)
    _check_enum(op, "lin_scale_mode", lin_scale_mode, LIN_SCALE_MODES)
    quad_scale = 1.0 / C if quad_scale is None else float(quad_scale)
    lin_scale = float(lin_scale)
    act = _activation(activation)

    def lin_factor(g: int) -> float:
        if lin_scale_mode == "inverse_length":
            if causal:
                base = 0.0 if g == 0 else 1.0 / (g * C)
            else:
                base = 1.0 / T
        elif lin_scale_mode == "inverse_chunk":
            base = 1.0 / C
        else:
            base = 1.0
        return base * lin_scale

    o = np.zeros((B, H, T, Dv), dtype=np.float64)
    G = -(-T // C)
    global_state = np.einsum("bhtd,bhte->bhde", kl, v)
    state = np.zeros((B, H, Dk, Dv), dtype=np.float64)  # causal: sum over chunks h < g
    for g in range(G):
        lo, hi = g * C, min(T, (g + 1) * C)
        L = hi - lo
        x = quad_scale * np.einsum("bhid,bhjd->bhij", qq[:, :, lo:hi], kq[:, :, lo:hi])
        if bias is not None:
            x = x + bias[:L, :L]
        a = act(x)
        if causal:
            a = np.where(np.tril(np.ones((L, L), dtype=bool)), a, 0.0)
        quad = np.einsum("bhij,bhje->bhie", a, v[:, :, lo:hi])
        st = state if causal else global_state
        lin = lin_factor(g) * np.einsum("bhid,bhde->bhie", ql[:, :, lo:hi], st)
        out = quad + lin
        if gate is not None:
            out = gate[:, :, lo:hi] * out
        o[:, :, lo:hi] = out
        state = state + np.einsum("bhjd,bhje->bhde", kl[:, :, lo:hi], v[:, :, lo:hi])
    return o


# ---------------------------------------------------------------------------------------
# §4 linear_attention
# ---------------------------------------------------------------------------------------


def linear_attention(q, k, v, omega=None, initial_state=None, initial_normalizer=None,
                     feature_map="elu_plus_one", causal=False, normalize=True, eps=1e-6,
                     scale=1.0, chunk_size=None):
    """SPEC §4 (kernelized linear attention / Performer). Returns
    ``(o, final_state, final_normalizer)``; final_normalizer is None when normalize is
    False.

    phi = the feature map (identity, elu_plus_one, relu, favor with omega : [M, Dk]);
    ``scale`` multiplies q before phi, k is not scaled. F = Dk, or M for favor.
    initial_state : [B, Hk, F, Dv] and initial_normalizer : [B, Hk, F] default to zeros.

        non-causal: o_i = phi(q_i)^T S / (phi(q_i)^T z + eps), S = S0 + sum_j phi(k_j) v_j^T,
                    z = z0 + sum_j phi(k_j)
        causal    : the same with S_i, z_i summed over j <= i + (S - T), computed by the
                    token-by-token recurrence
        normalize unset: o_i = phi(q_i)^T S (no denominator)

    final_state = S0 + sum_j phi(k_j) v_j^T, final_normalizer = z0 + sum_j phi(k_j) (all
    keys, in both modes). ``chunk_size`` is a lowering hint and does not change the
    result (validated only).
    """
    op = "linear_attention"
    fm = feature_map
    q, k, v, B, H, Hk, T, S, Dk, Dv = _check_qkv(op, q, k, v)
    omega, F = _check_feature_map_args(op, fm, omega, Dk)
    _check_chunk_size(op, chunk_size, required=False)
    if initial_state is not None:
        s0 = np.asarray(initial_state, dtype=np.float64)
        _check_shape(op, "initial_state", s0, [("B", B), ("Hk", Hk), ("F", F), ("Dv", Dv)])
    else:
        s0 = np.zeros((B, Hk, F, Dv), dtype=np.float64)
    if initial_normalizer is not None:
        if not normalize:
            raise ValueError(f"{op}: initial_normalizer is only allowed with normalize set")
        z0 = np.asarray(initial_normalizer, dtype=np.float64)
        _check_shape(op, "initial_normalizer", z0, [("B", B), ("Hk", Hk), ("F", F)])
    else:
        z0 = np.zeros((B, Hk, F), dtype=np.float64)
    eps = float(eps)

    fq = _phi(q * float(scale), fm, omega)  # [B, H, T, F]
    fk = _phi(k, fm, omega)  # [B, Hk, S, F]
    g = H // Hk

    def emit(state, z, i):
        """Output of query i ([B, H, Dv]) from a kv-head state [B, Hk, F, Dv]."""
        st = np.repeat(state, g, axis=1)
        num = np.einsum("bhf,bhfe->bhe", fq[:, :, i], st)
        if not normalize:
            return num
        den = np.einsum("bhf,bhf->bh", fq[:, :, i], np.repeat(z, g, axis=1)) + eps
        return num / den[..., None]

    o = np.zeros((B, H, T, Dv), dtype=np.float64)
    if causal:
        state = s0.copy()
        z = z0.copy()
        seen = 0  # number of keys folded into (state, z)
        for i in range(T):
            upto = min(max(i + (S - T) + 1, 0), S)  # query i sees keys j < upto
            while seen < upto:
                state = state + fk[:, :, seen, :, None] * v[:, :, seen, None, :]
                z = z + fk[:, :, seen]
                seen += 1
            o[:, :, i] = emit(state, z, i)
        final_state = s0 + np.einsum("bksf,bkse->bkfe", fk, v)
        final_z = z0 + np.sum(fk, axis=2)
    else:
        final_state = s0 + np.einsum("bksf,bkse->bkfe", fk, v)
        final_z = z0 + np.sum(fk, axis=2)
        for i in range(T):
            o[:, :, i] = emit(final_state, final_z, i)
    return o, final_state, (final_z if normalize else None)


# ---------------------------------------------------------------------------------------
# §5 lowrank_attention, §6 lowrank_kernel_attention
# ---------------------------------------------------------------------------------------


def _check_projections(op: str, e_proj, f_proj, S: int):
    e = _f64(e_proj, op, "e_proj")
    f = _f64(f_proj, op, "f_proj")
    if e.ndim != 2 or e.shape[1] < S:
        raise ValueError(f"{op}: e_proj must have shape [R, Smax >= S={S}], got {list(e.shape)}")
    R = e.shape[0]
    if f.ndim != 2 or f.shape[0] != R or f.shape[1] < S:
        raise ValueError(
            f"{op}: f_proj must have shape [R={R}, Smax >= S={S}], got {list(f.shape)}"
        )
    return e[:, :S], f[:, :S]


def lowrank_attention(q, k, v, e_proj, f_proj, scale=None) -> np.ndarray:
    """SPEC §5 (Linformer). e_proj, f_proj : [R, Smax >= S]; the first S columns are used.

        k~ = e_proj k ([R, Dk]), v~ = f_proj v ([R, Dv])
        o_i = sum_r softmax_r(scale * q_i . k~_r) v~_r,  scale defaults to 1/sqrt(Dk).
    No causal variant."""
    op = "lowrank_attention"
    q, k, v, B, H, Hk, T, S, Dk, Dv = _check_qkv(op, q, k, v)
    e, f = _check_projections(op, e_proj, f_proj, S)
    scale = 1.0 / math.sqrt(Dk) if scale is None else float(scale)
    kt = np.einsum("rs,bksd->bkrd", e, k)
    vt = np.einsum("rs,bkse->bkre", f, v)
    kt = _repeat_kv(kt, H)
    vt = _repeat_kv(vt, H)
    p = _masked_softmax(scale * np.einsum("bhtd,bhrd->bhtr", q, kt), None)
    return np.einsum("bhtr,bhre->bhte", p, vt)


def lowrank_kernel_attention(q, k, v, e_proj, f_proj, omega=None, feature_map="elu_plus_one",
                             eps=1e-6, scale=1.0) -> np.ndarray:
    """SPEC §6 (FLuRKA): Linformer projection of k, v, then normalized non-causal kernel
    attention against the R projected rows:

        o_i = phi(q_i)^T (phi(k~)^T v~) / (phi(q_i)^T phi(k~)^T 1 + eps)

    ``scale`` multiplies q only (before phi); phi applies to the projected keys k~."""
    op = "lowrank_kernel_attention"
    fm = feature_map
    q, k, v, B, H, Hk, T, S, Dk, Dv = _check_qkv(op, q, k, v)
    e, f = _check_projections(op, e_proj, f_proj, S)
    omega, F = _check_feature_map_args(op, fm, omega, Dk)
    kt = np.einsum("rs,bksd->bkrd", e, k)
    vt = np.einsum("rs,bkse->bkre", f, v)
    fq = _phi(q * float(scale), fm, omega)  # [B, H, T, F]
    fk = _repeat_kv(_phi(kt, fm, omega), H)  # [B, H, R, F]
    vt = _repeat_kv(vt, H)
    kv = np.einsum("bhrf,bhre->bhfe", fk, vt)
    num = np.einsum("bhtf,bhfe->bhte", fq, kv)
    den = np.einsum("bhtf,bhf->bht", fq, np.sum(fk, axis=2)) + float(eps)
    return num / den[..., None]


# ---------------------------------------------------------------------------------------
# §7 partitioned_attention
# ---------------------------------------------------------------------------------------


def partitioned_attention(q, k, v_parts, partition, scale=None, score="softmax",
                          causal=False) -> np.ndarray:
    """SPEC §7 (Shatter). q, k : [B, H, T, Dk]; v_parts : [B, H, P, T, Dv];
    partition : [P, 2*Tmax - 1] with pi_p(r) at column r + Tmax - 1 for r = i - j, T <= Tmax.

        a_ij = softmax_j(scale * q_i . k_j)   or   sigmoid(scale * q_i . k_j)
        o_i  = sum_p sum_j a_ij * pi_p(i - j) * v_parts[p]_j

    causal: softmax renormalised over j <= i, sigmoid weights for j > i are 0; pi multiplies
    after the score function. scale defaults to 1/sqrt(Dk)."""
    op = "partitioned_attention"
    q = _f64(q, op, "q")
    if q.ndim != 4:
        raise ValueError(f"{op}: q must have shape [B, H, T, Dk], got {list(q.shape)}")
    B, H, T, Dk = q.shape
    k = _f64(k, op, "k")
    _check_shape(op, "k", k, [("B", B), ("H", H), ("T", T), ("Dk", Dk)])
    vp = _f64(v_parts, op, "v_parts")
    if vp.ndim != 5:
        raise ValueError(
            f"{op}: v_parts must have shape [B={B}, H={H}, P, T={T}, Dv], got {list(vp.shape)}"
        )
    P = vp.shape[2]
    _check_shape(op, "v_parts", vp, [("B", B), ("H", H), ("P", None), ("T", T), ("Dv", None)])
    pt = _f64(partition, op, "partition")
    if pt.ndim != 2 or pt.shape[0] != P or pt.shape[1] % 2 != 1 or (pt.shape[1] + 1) // 2 < T:
        raise ValueError(
            f"{op}: partition must have shape [P={P}, 2*Tmax-1] with Tmax >= T={T}, "
            f"got {list(pt.shape)}"
        )
    _check_enum(op, "score", score, PARTITION_SCORES)
    Tmax = (pt.shape[1] + 1) // 2
    scale = 1.0 / math.sqrt(Dk) if scale is None else float(scale)
    s = scale * np.einsum("bhid,bhjd->bhij", q, k)
    mask = causal_mask(T, T) if causal else None
    if score == "softmax":
        a = _masked_softmax(s, mask)
    else:
        a = _sigmoid(s)
        if mask is not None:
            a = np.where(mask, a, 0.0)
    r = np.arange(T)[:, None] - np.arange(T)[None, :]  # i - j
    pi = pt[:, r + Tmax - 1]  # [P, T, T]
    return np.einsum("bhij,pij,bhpje->bhie", a, pi, vp)


# ---------------------------------------------------------------------------------------
# §8 sparse_ffn, §9 multiplicative_dense, §10 offset_scale
# ---------------------------------------------------------------------------------------


def sparse_ffn(x, ctrl_down, ctrl_up, ctrl_bias, w1, w2, b1=None, b2=None, block_size=None):
    """SPEC §8 (Scaling Transformers' sparse FFN, inference). Returns
    ``(y, selected)`` with y : [N..., D] and selected : [N..., Dff/N] int32 global unit
    indices b*N + n.

        logits = (x ctrl_down) ctrl_up + ctrl_bias, reshaped [Dff/N, N]
        u_b    = b*N + argmax_n logits[b, n]     (ties: the lowest n)
        y      = sum_b relu(x . w1[:, u_b] + b1[u_b]) * w2[u_b, :] + b2
    """
    op = "sparse_ffn"
    x = _f64(x, op, "x")
    if x.ndim < 1:
        raise ValueError(f"{op}: x must have shape [N..., D], got {list(x.shape)}")
    D = x.shape[-1]
    cd = _f64(ctrl_down, op, "ctrl_down")
    _check_shape(op, "ctrl_down", cd, [("D", D), ("R", None)])
    R = cd.shape[1]
    cu = _f64(ctrl_up, op, "ctrl_up")
    _check_shape(op, "ctrl_up", cu, [("R", R), ("Dff", None)])
    Dff = cu.shape[1]
    cb = _f64(ctrl_bias, op, "ctrl_bias")
    _check_shape(op, "ctrl_bias", cb, [("Dff", Dff)])
    w1 = _f64(w1, op, "w1")
    _check_shape(op, "w1", w1, [("D", D), ("Dff", Dff)])
    w2 = _f64(w2, op, "w2")
    _check_shape(op, "w2", w2, [("Dff", Dff), ("D", D)])
    if b1 is not None:
        b1 = np.asarray(b1, dtype=np.float64)
        _check_shape(op, "b1", b1, [("Dff", Dff)])
    if b2 is not None:
        b2 = np.asarray(b2, dtype=np.float64)
        _check_shape(op, "b2", b2, [("D", D)])
    if block_size is None:
        raise ValueError(f"{op}: block_size is required")
    N = int(block_size)
    if N != block_size or N < 1 or Dff % N != 0:
        raise ValueError(
            f"{op}: block_size must be an integer >= 1 dividing Dff={Dff}, got {block_size!r}"
        )
    nb = Dff // N
    logits = (x @ cd) @ cu + cb  # [N..., Dff]
    logits = logits.reshape(x.shape[:-1] + (nb, N))
    n = np.argmax(logits, axis=-1)  # first maximum = lowest n on ties
    u = np.arange(nb) * N + n  # [N..., nb]
    w1_sel = w1.T[u]  # [N..., nb, D]
    pre = np.einsum("...d,...bd->...b", x, w1_sel)
    if b1 is not None:
        pre = pre + b1[u]
    h = np.maximum(pre, 0.0)
    y = np.einsum("...b,...bd->...d", h, w2[u])
    if b2 is not None:
        y = y + b2
    return y, u.astype(np.int32)


def multiplicative_dense(x, d, e, bias=None) -> np.ndarray:
    """SPEC §9. x : [N..., Din], d : [Din, S], e : [Din, M], bias : [S*M];
    y[s*M + m] = sum_i x_i d[i, s] e[i, m] + bias[s*M + m]. Returns [N..., S*M]."""
    op = "multiplicative_dense"
    x = _f64(x, op, "x")
    if x.ndim < 1:
        raise ValueError(f"{op}: x must have shape [N..., Din], got {list(x.shape)}")
    Din = x.shape[-1]
    d = _f64(d, op, "d")
    _check_shape(op, "d", d, [("Din", Din), ("S", None)])
    e = _f64(e, op, "e")
    _check_shape(op, "e", e, [("Din", Din), ("M", None)])
    S, M = d.shape[1], e.shape[1]
    y = np.einsum("...i,is,im->...sm", x, d, e).reshape(x.shape[:-1] + (S * M,))
    if bias is not None:
        bias = np.asarray(bias, dtype=np.float64)
        _check_shape(op, "bias", bias, [("S*M", S * M)])
        y = y + bias
    return y


def offset_scale(z, gamma, beta) -> list:
    """SPEC §10. z : [..., Dk], gamma, beta : [N, Dk]; returns the list of the N tensors
    z * gamma_n + beta_n."""
    op = "offset_scale"
    z = _f64(z, op, "z")
    if z.ndim < 1:
        raise ValueError(f"{op}: z must have shape [..., Dk], got {list(z.shape)}")
    Dk = z.shape[-1]
    gamma = _f64(gamma, op, "gamma")
    _check_shape(op, "gamma", gamma, [("N", None), ("Dk", Dk)])
    beta = _f64(beta, op, "beta")
    _check_shape(op, "beta", beta, [("N", gamma.shape[0]), ("Dk", Dk)])
    return [z * gamma[n] + beta[n] for n in range(gamma.shape[0])]


# ---------------------------------------------------------------------------------------
# §11 rel_pos_bias
# ---------------------------------------------------------------------------------------


def t5_relative_position_bucket(relative_position, bidirectional=True, num_buckets=32,
                                max_distance=128) -> np.ndarray:
    """The standard T5 bucketing (Mesh-TF / HF ``_relative_position_bucket``) of
    ``relative_position = key position - query position = j - i``.

    Exact reading used here:

    * bidirectional: ``num_buckets //= 2``; ``bucket = num_buckets if rp > 0 else 0``;
      ``n = |rp|``. Otherwise ``bucket = 0`` and ``n = -min(rp, 0)`` (keys after the query,
      rp > 0, get n = 0, i.e. bucket 0).
    * ``max_exact = num_buckets // 2``; if ``n < max_exact`` the bucket adds ``n``; else it
      adds ``min(max_exact + floor(log(n / max_exact) / log(max_distance / max_exact)
      * (num_buckets - max_exact)), num_buckets - 1)``.

    The logarithms are evaluated in float64 (T5/HF use float32; for num_buckets in
    {2..256} and max_distance in {8..4096}, |rp| < 20000, the two give the same buckets).
    Requires ``max_exact >= 1`` and ``max_distance > max_exact``.
    """
    rp = np.asarray(relative_position, dtype=np.int64)
    nb = int(num_buckets)
    bucket = np.zeros_like(rp)
    if bidirectional:
        nb //= 2
        bucket = bucket + np.where(rp > 0, nb, 0)
        n = np.abs(rp)
    else:
        n = -np.minimum(rp, 0)
    max_exact = nb // 2
    if max_exact < 1:
        raise ValueError(
            f"rel_pos_bias: num_buckets={num_buckets} is too small for t5_buckets "
            f"(needs >= {4 if bidirectional else 2})"
        )
    if not max_distance > max_exact:
        raise ValueError(
            f"rel_pos_bias: max_distance={max_distance} must exceed the exact range "
            f"{max_exact} for num_buckets={num_buckets}"
        )
    nf = np.maximum(n, 1).astype(np.float64)
    large = max_exact + np.floor(
        np.log(nf / max_exact) / math.log(max_distance / max_exact) * (nb - max_exact)
    ).astype(np.int64)
    large = np.minimum(large, nb - 1)
    return bucket + np.where(n < max_exact, n, large)


def rel_pos_bias(params, T, S, kind, num_buckets=None, max_distance=128, bidirectional=True,
                 scale=1.0) -> np.ndarray:
    """SPEC §11. Returns the [T, S] bias for offset j - i (no shift when T != S), times
    ``scale``.

    * ``t5_buckets``: bias_ij = params[bucket(j - i)] with ``t5_relative_position_bucket``
      (num_buckets defaults to len(params) and must not exceed it).
    * ``toeplitz``: params has 2*Smax - 1 entries (Smax >= max(T, S)),
      bias_ij = params[j - i + Smax - 1]. num_buckets/max_distance/bidirectional are unused.
    """
    op = "rel_pos_bias"
    params = _f64(params, op, "params")
    if params.ndim != 1:
        raise ValueError(f"{op}: params must be 1-D, got shape {list(params.shape)}")
    _check_enum(op, "kind", kind, REL_POS_KINDS)
    T, S = int(T), int(S)
    if T < 0 or S < 0:
        raise ValueError(f"{op}: T and S must be >= 0, got T={T}, S={S}")
    rp = np.arange(S)[None, :] - np.arange(T)[:, None]  # j - i
    P = params.shape[0]
    if kind == "t5_buckets":
        nbk = P if num_buckets is None else int(num_buckets)
        if nbk < 1 or nbk > P:
            raise ValueError(
                f"{op}: num_buckets must be in [1, len(params)={P}], got {num_buckets!r}"
            )
        idx = t5_relative_position_bucket(rp, bidirectional, nbk, max_distance)
    else:
        if P % 2 != 1 or (P + 1) // 2 < max(T, S):
            raise ValueError(
                f"{op}: toeplitz params must have 2*Smax-1 entries with Smax >= max(T={T}, "
                f"S={S}), got {P}"
            )
        idx = rp + (P + 1) // 2 - 1
    return float(scale) * params[idx]


# ---------------------------------------------------------------------------------------
# §12 gau
# ---------------------------------------------------------------------------------------


def gau(x, w_u, w_v, w_z, w_o, gamma, beta, b_u=None, b_v=None, b_z=None, b_o=None, bias=None,
        attention="quad", chunk_size=None, causal=False, scale=None, scale_mode="inside",
        activation="relu2", lin_scale_mode="inverse_length", lin_scale=1.0) -> np.ndarray:
    """SPEC §12, a whole Gated Attention Unit with a single head (H = 1).

        u = silu(x w_u + b_u); v = silu(x w_v + b_v); z = silu(x w_z + b_z)
        q, k (, q_lin, k_lin) = offset_scale(z, gamma, beta)
        y = (u * attention(q, k, v)) w_o + b_o

    x : [B, T, D]; w_u, w_v : [D, E]; w_z : [D, Dk]; w_o : [E, D]; gamma, beta : [2, Dk]
    for attention="quad" and [4, Dk] for "mixed_chunk".

    attention="quad": quad_attention with ``scale`` (default 1/T), ``scale_mode``,
    ``activation``, ``causal`` and ``bias`` a [T, T] relative bias (or [B|1, 1, T, T]).
    attention="mixed_chunk": mixed_chunk_attention with ``chunk_size`` (required),
    ``quad_scale = scale`` (default 1/C), ``activation``, ``lin_scale_mode``, ``lin_scale``,
    ``causal`` and ``bias`` : [C, C]; only scale_mode="inside" is meaningful there.
    """
    op = "gau"
    x = _f64(x, op, "x")
    if x.ndim != 3:
        raise ValueError(f"{op}: x must have shape [B, T, D], got {list(x.shape)}")
    B, T, D = x.shape
    w_u = _f64(w_u, op, "w_u")
    _check_shape(op, "w_u", w_u, [("D", D), ("E", None)])
    E = w_u.shape[1]
    w_v = _f64(w_v, op, "w_v")
    _check_shape(op, "w_v", w_v, [("D", D), ("E", E)])
    w_z = _f64(w_z, op, "w_z")
    _check_shape(op, "w_z", w_z, [("D", D), ("Dk", None)])
    Dk = w_z.shape[1]
    w_o = _f64(w_o, op, "w_o")
    _check_shape(op, "w_o", w_o, [("E", E), ("D", D)])
    _check_enum(op, "attention", attention, GAU_ATTENTIONS)
    n_rows = 2 if attention == "quad" else 4
    gamma = _f64(gamma, op, "gamma")
    _check_shape(op, "gamma", gamma, [("N", n_rows), ("Dk", Dk)])
    beta = _f64(beta, op, "beta")
    _check_shape(op, "beta", beta, [("N", n_rows), ("Dk", Dk)])

    def opt_bias(b, name, label, n):
        if b is None:
            return 0.0
        b = np.asarray(b, dtype=np.float64)
        _check_shape(op, name, b, [(label, n)])
        return b

    bu = opt_bias(b_u, "b_u", "E", E)
    bv = opt_bias(b_v, "b_v", "E", E)
    bz = opt_bias(b_z, "b_z", "Dk", Dk)
    bo = opt_bias(b_o, "b_o", "D", D)

    u = silu(x @ w_u + bu)
    v = silu(x @ w_v + bv)
    z = silu(x @ w_z + bz)
    parts = [p[:, None] for p in offset_scale(z, gamma, beta)]  # each [B, 1, T, Dk]
    vh = v[:, None]  # [B, 1, T, E]

    if attention == "quad":
        if chunk_size is not None:
            raise ValueError(f"{op}: chunk_size is only meaningful with attention='mixed_chunk'")
        qb = None
        if bias is not None:
            qb = np.asarray(bias, dtype=np.float64)
            if qb.ndim == 2:
                _check_shape(op, "bias", qb, [("T", T), ("T", T)])
                qb = qb[None, None]
        att = quad_attention(parts[0], parts[1], vh, bias=qb, scale=scale,
                             activation=activation, scale_mode=scale_mode, causal=causal)
    else:
        if scale_mode != "inside":
            raise ValueError(
                f"{op}: attention='mixed_chunk' applies its scale inside the activation; "
                f"scale_mode must be 'inside', got {scale_mode!r}"
            )
        att = mixed_chunk_attention(parts[0], parts[1], parts[2], parts[3], vh, bias=bias,
                                    chunk_size=chunk_size, causal=causal, quad_scale=scale,
                                    activation=activation, lin_scale_mode=lin_scale_mode,
                                    lin_scale=lin_scale)
    return (u * att[:, 0]) @ w_o + bo


# ---------------------------------------------------------------------------------------
# Whole models
# ---------------------------------------------------------------------------------------


def run(model, *inputs) -> np.ndarray:
    """The float64 oracle of a whole model built by ``effattn.models`` on its activations
    ``inputs`` (e.g. ``x : [B, T, d_model]``), computed from the op functions of this module
    plus numpy (``effattn/model_reference.py``; needs the ``effattn`` package, unlike the
    op functions above)."""
    from .model_reference import run as _run_model

    return _run_model(model, *inputs)
