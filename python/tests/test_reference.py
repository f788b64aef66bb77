"""Tests of the float64 numpy oracle (python/effattn/reference.py) against SPEC.md.

Each test checks a property that does not re-derive the oracle's own code path: explicit
per-element loops, identities between ops, invariances and hand-computed values.
The module is loaded from its file so these tests do not depend on the rest of the
``effattn`` package (compiled bindings, C API).
"""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "effattn" / "reference.py"
_spec = importlib.util.spec_from_file_location("effattn_reference_under_test", _PATH)
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)


def rng(seed=0):
    return np.random.default_rng(seed)


def randn(r, *shape):
    return r.standard_normal(shape)


def close(a, b, rtol=1e-11, atol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------
# Independent per-element helpers
# ---------------------------------------------------------------------------------------


def loop_softmax_attention(q, k, v, bias, scale, causal):
    B, H, T, Dk = q.shape
    Hk, S = k.shape[1], k.shape[2]
    Dv = v.shape[3]
    out = np.zeros((B, H, T, Dv))
    for b in range(B):
        for h in range(H):
            kh = h // (H // Hk)
            for i in range(T):
                scores, idx = [], []
                for j in range(S):
                    if causal and j > i + S - T:
                        continue
                    sc = scale * sum(q[b, h, i, d] * k[b, kh, j, d] for d in range(Dk))
                    if bias is not None:
                        sc += bias[b % bias.shape[0], h % bias.shape[1], i, j]
                    scores.append(sc)
                    idx.append(j)
                if not scores:
                    continue
                m = max(scores)
                w = [math.exp(s - m) for s in scores]
                tot = sum(w)
                for wj, j in zip(w, idx):
                    out[b, h, i] += wj / tot * v[b, kh, j]
    return out


def loop_quad(q, k, v, bias, gate, scale, act, mode, causal):
    B, H, T, Dk = q.shape
    Hk, S = k.shape[1], k.shape[2]
    out = np.zeros((B, H, T, v.shape[3]))
    for b in range(B):
        for h in range(H):
            kh = h // (H // Hk)
            for i in range(T):
                for j in range(S):
                    if causal and j > i + S - T:
                        continue
                    x = float(np.dot(q[b, h, i], k[b, kh, j]))
                    bb = 0.0 if bias is None else bias[b % bias.shape[0], h % bias.shape[1], i, j]
                    a = act(scale * x + bb) if mode == "inside" else scale * act(x + bb)
                    out[b, h, i] += a * v[b, kh, j]
            if gate is not None:
                out[b, h] *= gate[b, h]
    return out


def s_relu2(x):
    return max(x, 0.0) ** 2


def s_laplace(x):
    mu, sigma = math.sqrt(0.5), 1.0 / math.sqrt(4 * math.pi)
    return 0.5 * (1.0 + math.erf((x - mu) / (sigma * math.sqrt(2.0))))


def phi_explicit(x, name, omega=None):
    if name == "identity":
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "elu_plus_one":
        return np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))
    if name == "favor":
        Dk = x.shape[-1]
        M = omega.shape[0]
        xp = x / Dk ** 0.25
        return np.exp(xp @ omega.T - 0.5 * (xp ** 2).sum(-1, keepdims=True)) / np.sqrt(M)
    raise AssertionError(name)


# ---------------------------------------------------------------------------------------
# §1 softmax_attention
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("T,S", [(3, 3), (2, 4), (4, 2), (1, 1)])
@pytest.mark.parametrize("with_bias", [False, True])
def test_softmax_matches_double_loop(causal, T, S, with_bias):
    r = rng(1)
    B, H, Hk, Dk, Dv = 2, 4, 2, 3, 2
    q, k, v = randn(r, B, H, T, Dk), randn(r, B, Hk, S, Dk), randn(r, B, Hk, S, Dv)
    bias = randn(r, 1, H, T, S) if with_bias else None
    got = ref.softmax_attention(q, k, v, bias=bias, scale=0.7, causal=causal)
    close(got, loop_softmax_attention(q, k, v, bias, 0.7, causal))


def test_softmax_default_scale_is_inverse_sqrt_dk():
    r = rng(2)
    q, k, v = randn(r, 1, 1, 3, 4), randn(r, 1, 1, 5, 4), randn(r, 1, 1, 5, 2)
    close(ref.softmax_attention(q, k, v), loop_softmax_attention(q, k, v, None, 0.5, False))


def test_softmax_gqa_equals_repeated_kv_heads():
    r = rng(3)
    B, H, Hk, T, S = 2, 6, 3, 4, 5
    q, k, v = randn(r, B, H, T, 4), randn(r, B, Hk, S, 4), randn(r, B, Hk, S, 3)
    kr, vr = np.repeat(k, H // Hk, axis=1), np.repeat(v, H // Hk, axis=1)
    close(ref.softmax_attention(q, k, v, causal=True), ref.softmax_attention(q, kr, vr, causal=True))
    # and it is not the "tiled" head mapping h % Hk
    kt, vt = np.tile(k, (1, H // Hk, 1, 1)), np.tile(v, (1, H // Hk, 1, 1))
    assert not np.allclose(ref.softmax_attention(q, k, v), ref.softmax_attention(q, kt, vt))


def test_softmax_causal_bottom_right_alignment():
    r = rng(4)
    T, S = 2, 5
    q, k, v = randn(r, 1, 1, T, 3), randn(r, 1, 1, S, 3), randn(r, 1, 1, S, 2)
    got = ref.softmax_attention(q, k, v, causal=True)
    # query i sees keys 0 .. i + 3
    for i in range(T):
        n = i + S - T + 1
        want = ref.softmax_attention(q[:, :, i:i + 1], k[:, :, :n], v[:, :, :n])
        close(got[:, :, i:i + 1], want)


def test_fully_masked_rows_are_zero_not_nan():
    r = rng(5)
    T, S = 5, 2  # queries 0..2 see no key
    q, k, v = randn(r, 1, 2, T, 3), randn(r, 1, 2, S, 3), randn(r, 1, 2, S, 2)
    for o in (ref.softmax_attention(q, k, v, causal=True),
              ref.quad_attention(q, k, v, causal=True, bias=np.ones((1, 1, T, S))),
              ref.linear_attention(q, k, v, causal=True)[0]):
        assert np.all(np.isfinite(o))
        assert np.all(o[:, :, :3] == 0.0)
        assert np.any(o[:, :, 3:] != 0.0)
    # a row whose every score is -inf (through the bias) also gives zeros
    bias = np.zeros((1, 1, T, S))
    bias[0, 0, 4, :] = -np.inf
    o = ref.softmax_attention(q, k, v, bias=bias, causal=True)
    assert np.all(np.isfinite(o)) and np.all(o[:, :, 4] == 0.0)


# ---------------------------------------------------------------------------------------
# §2 quad_attention
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu2", "laplace"])
@pytest.mark.parametrize("mode", ["inside", "outside"])
@pytest.mark.parametrize("causal,T,S", [(False, 3, 4), (True, 3, 5), (True, 4, 2)])
def test_quad_matches_loop(activation, mode, causal, T, S):
    r = rng(6)
    B, H, Hk = 1, 4, 2
    q, k, v = randn(r, B, H, T, 3), randn(r, B, Hk, S, 3), randn(r, B, Hk, S, 2)
    bias, gate = randn(r, B, 1, T, S), randn(r, B, H, T, 2)
    act = s_relu2 if activation == "relu2" else s_laplace
    got = ref.quad_attention(q, k, v, bias=bias, gate=gate, scale=0.3, activation=activation,
                             scale_mode=mode, causal=causal)
    close(got, loop_quad(q, k, v, bias, gate, 0.3, act, mode, causal))


def test_quad_default_scale_is_inverse_key_length():
    r = rng(7)
    q, k, v = randn(r, 1, 1, 3, 2), randn(r, 1, 1, 7, 2), randn(r, 1, 1, 7, 2)
    close(ref.quad_attention(q, k, v), loop_quad(q, k, v, None, None, 1 / 7, s_relu2, "inside", False))


def test_quad_inside_vs_outside_relu2():
    # relu2(s x) = s^2 relu2(x) for s > 0, so inside(s) = s * outside(s) without bias.
    r = rng(8)
    q, k, v = randn(r, 2, 2, 4, 3), randn(r, 2, 2, 5, 3), randn(r, 2, 2, 5, 2)
    s = 0.37
    inside = ref.quad_attention(q, k, v, scale=s, scale_mode="inside")
    outside = ref.quad_attention(q, k, v, scale=s, scale_mode="outside")
    close(inside, s * outside)
    assert not np.allclose(inside, outside)


def test_quad_bias_never_scaled():
    # q = 0: inside gives act(bias), outside gives scale * act(bias)
    T, S = 2, 3
    q, k = np.zeros((1, 1, T, 2)), np.ones((1, 1, S, 2))
    v = np.eye(S)[None, None]  # output row i = a_i
    bias = np.arange(T * S, dtype=float).reshape(1, 1, T, S) - 2.0
    close(ref.quad_attention(q, k, v, bias=bias, scale=5.0)[0, 0], np.maximum(bias[0, 0], 0) ** 2)
    close(ref.quad_attention(q, k, v, bias=bias, scale=5.0, scale_mode="outside")[0, 0],
          5.0 * np.maximum(bias[0, 0], 0) ** 2)


def test_laplace_known_points():
    assert ref.laplace(math.sqrt(0.5)) == pytest.approx(0.5, abs=1e-15)
    sig = 1 / math.sqrt(4 * math.pi)
    # (x - mu) / (sqrt(2) sigma) = 1  ->  0.5 (1 + erf(1))
    assert ref.laplace(math.sqrt(0.5) + math.sqrt(2) * sig) == pytest.approx(0.9213503964748575, rel=1e-14)
    assert ref.laplace(math.sqrt(0.5) - math.sqrt(2) * sig) == pytest.approx(1 - 0.9213503964748575, rel=1e-13)
    assert ref.laplace(50.0) == 1.0 and ref.laplace(-50.0) == 0.0
    # through the op: T = S = 1, v = 1 gives laplace(scale * q k)
    o = ref.quad_attention(np.full((1, 1, 1, 1), 2.0), np.full((1, 1, 1, 1), 0.25),
                           np.ones((1, 1, 1, 1)), activation="laplace", scale=math.sqrt(2.0))
    assert o.item() == pytest.approx(0.5, abs=1e-15)


# ---------------------------------------------------------------------------------------
# §3 mixed_chunk_attention
# ---------------------------------------------------------------------------------------


def masked_mixed_chunk(qq, kq, ql, kl, v, gate, bias, C, causal, quad_scale, act, mode, lin_scale):
    """Whole-sequence mask formulation of SPEC §3 (no chunk loop)."""
    T = qq.shape[2]
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    ci, cj = i // C, j // C
    same = ci == cj
    if causal:
        same = same & (j <= i)
    x = quad_scale * np.einsum("bhid,bhjd->bhij", qq, kq)
    if bias is not None:
        x = x + bias[i % C, j % C]
    a = np.where(same, act(x), 0.0)
    quad = a @ v
    lin_vis = (cj < ci) if causal else np.ones((T, T), dtype=bool)
    lin_scores = np.where(lin_vis, np.einsum("bhid,bhjd->bhij", ql, kl), 0.0)
    lin = lin_scores @ v
    g = np.arange(T) // C
    if mode == "inverse_length":
        fac = np.where(g > 0, 1.0 / np.maximum(g * C, 1), 0.0) if causal else np.full(T, 1.0 / T)
    elif mode == "inverse_chunk":
        fac = np.full(T, 1.0 / C)
    else:
        fac = np.ones(T)
    out = quad + lin_scale * fac[:, None] * lin
    return out if gate is None else gate * out


@pytest.mark.parametrize("T,C", [(7, 3), (2, 4), (1, 1), (1, 3), (8, 4), (5, 1)])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("mode", ["inverse_length", "inverse_chunk", "none"])
@pytest.mark.parametrize("activation", ["relu2", "laplace"])
def test_mixed_chunk_matches_mask_formulation(T, C, causal, mode, activation):
    r = rng(9)
    B, H, Dk, Dv = 2, 2, 3, 2
    qq, kq, ql, kl = (randn(r, B, H, T, Dk) for _ in range(4))
    v, gate, bias = randn(r, B, H, T, Dv), randn(r, B, H, T, Dv), randn(r, C, C)
    act = ref.relu2 if activation == "relu2" else ref.laplace
    got = ref.mixed_chunk_attention(qq, kq, ql, kl, v, gate=gate, bias=bias, chunk_size=C,
                                    causal=causal, activation=activation, lin_scale_mode=mode,
                                    lin_scale=1.5)
    want = masked_mixed_chunk(qq, kq, ql, kl, v, gate, bias, C, causal, 1.0 / C, act, mode, 1.5)
    close(got, want)


def test_mixed_chunk_full_chunk_is_quad_plus_global_linear():
    r = rng(10)
    B, H, T, Dk, Dv = 1, 2, 6, 3, 4
    qq, kq, ql, kl = (randn(r, B, H, T, Dk) for _ in range(4))
    v, bias = randn(r, B, H, T, Dv), randn(r, T, T)
    got = ref.mixed_chunk_attention(qq, kq, ql, kl, v, bias=bias, chunk_size=T)
    quad = ref.quad_attention(qq, kq, v, bias=bias[None, None], scale=1.0 / T)
    lin = (1.0 / T) * ql @ (np.swapaxes(kl, -1, -2) @ v)
    close(got, quad + lin)


def test_mixed_chunk_c1_causal_is_exclusive_linear_recurrence():
    r = rng(11)
    B, H, T, Dk, Dv = 2, 1, 6, 3, 2
    qq, kq, ql, kl = (randn(r, B, H, T, Dk) for _ in range(4))
    v, bias = randn(r, B, H, T, Dv), np.array([[0.4]])
    got = ref.mixed_chunk_attention(qq, kq, ql, kl, v, bias=bias, chunk_size=1, causal=True)
    diag = np.maximum(np.sum(qq * kq, -1, keepdims=True) + 0.4, 0) ** 2 * v  # quad_scale 1/C = 1
    # exclusive prefix j < i: queries 1..T-1 against keys 0..T-2 (bottom-right causal, S = T-1)
    lin, _, _ = ref.linear_attention(ql[:, :, 1:], kl[:, :, :-1], v[:, :, :-1],
                                     feature_map="identity", causal=True, normalize=False)
    want = diag.copy()
    want[:, :, 1:] += lin / np.arange(1, T)[:, None]  # inverse_length: 1/(g*C) = 1/i
    close(got, want)


def test_mixed_chunk_partial_chunk_uses_bias_prefix_and_1_over_C():
    # T < C: one partial chunk of T rows; quad_scale stays 1/C, bias[:T, :T]
    r = rng(12)
    T, C = 3, 5
    qq, kq, ql, kl = (randn(r, 1, 1, T, 2) for _ in range(4))
    v, bias = randn(r, 1, 1, T, 2), randn(r, C, C)
    got = ref.mixed_chunk_attention(qq, kq, ql, kl, v, bias=bias, chunk_size=C,
                                    lin_scale_mode="none")
    want = ref.quad_attention(qq, kq, v, bias=bias[None, None, :T, :T], scale=1.0 / C) + ql @ (
        np.swapaxes(kl, -1, -2) @ v)
    close(got, want)


# ---------------------------------------------------------------------------------------
# §4 linear_attention
# ---------------------------------------------------------------------------------------


def quadratic_linear_attention(q, k, v, name, omega, causal, normalize, eps, scale):
    """Quadratic-form oracle: (mask * phi(q) phi(k)^T) v / rowsum."""
    H, Hk = q.shape[1], k.shape[1]
    k, v = np.repeat(k, H // Hk, 1), np.repeat(v, H // Hk, 1)
    T, S = q.shape[2], k.shape[2]
    A = phi_explicit(q * scale, name, omega) @ np.swapaxes(phi_explicit(k, name, omega), -1, -2)
    if causal:
        A = np.where(np.arange(S)[None, :] <= np.arange(T)[:, None] + S - T, A, 0.0)
    num = A @ v
    return num / (A.sum(-1, keepdims=True) + eps) if normalize else num


@pytest.mark.parametrize("name", ["identity", "elu_plus_one", "relu", "favor"])
@pytest.mark.parametrize("causal,T,S", [(False, 4, 6), (True, 5, 5), (True, 3, 6), (True, 6, 3)])
@pytest.mark.parametrize("normalize", [True, False])
def test_linear_matches_quadratic_form(name, causal, T, S, normalize):
    r = rng(13)
    B, H, Hk, Dk, Dv, M = 2, 4, 2, 3, 2, 5
    q, k, v = randn(r, B, H, T, Dk), randn(r, B, Hk, S, Dk), randn(r, B, Hk, S, Dv)
    omega = randn(r, M, Dk)
    eps = 0.3 if name == "identity" else 1e-6  # identity: |q|, |k| and a large eps keep the denominator > 0
    if name == "identity" and normalize:
        q, k = np.abs(q), np.abs(k)
    o, st, z = ref.linear_attention(q, k, v, omega=omega, feature_map=name, causal=causal,
                                    normalize=normalize, eps=eps, scale=0.8, chunk_size=2)
    close(o, quadratic_linear_attention(q, k, v, name, omega, causal, normalize, eps, 0.8),
          rtol=1e-10, atol=1e-11)
    fk = phi_explicit(k, name, omega)
    close(st, np.swapaxes(fk, -1, -2) @ v)
    if normalize:
        close(z, fk.sum(2))
    else:
        assert z is None


def test_linear_identity_noncausal_matrix_formula():
    r = rng(14)
    q, k, v = np.abs(randn(r, 1, 2, 4, 3)), np.abs(randn(r, 1, 2, 5, 3)), randn(r, 1, 2, 5, 2)
    o, _, _ = ref.linear_attention(q, k, v, feature_map="identity", eps=0.0)
    num = q @ (np.swapaxes(k, -1, -2) @ v)
    den = q @ k.sum(2)[..., None]
    close(o, num / den)


@pytest.mark.parametrize("name", ["identity", "elu_plus_one", "relu", "favor"])
@pytest.mark.parametrize("normalize", [True, False])
def test_linear_prefix_suffix_equals_one_call(name, normalize):
    r = rng(15)
    B, H, Hk, T, Dk, Dv = 2, 2, 1, 7, 3, 2
    q, k, v = randn(r, B, H, T, Dk), randn(r, B, Hk, T, Dk), randn(r, B, Hk, T, Dv)
    omega = randn(r, 6, Dk)
    kw = dict(omega=omega, feature_map=name, causal=True, normalize=normalize, scale=0.9)
    full, st_full, z_full = ref.linear_attention(q, k, v, **kw)
    t = 3
    o1, st1, z1 = ref.linear_attention(q[:, :, :t], k[:, :, :t], v[:, :, :t], **kw)
    o2, st2, z2 = ref.linear_attention(q[:, :, t:], k[:, :, t:], v[:, :, t:], initial_state=st1,
                                       initial_normalizer=z1, **kw)
    close(np.concatenate([o1, o2], axis=2), full, rtol=1e-10, atol=1e-12)
    close(st2, st_full)
    if normalize:
        close(z2, z_full)
    # the suffix alone (without the carried state) differs
    o2_cold, _, _ = ref.linear_attention(q[:, :, t:], k[:, :, t:], v[:, :, t:], **kw)
    assert not np.allclose(o2_cold, o2)


def test_linear_noncausal_initial_state_is_added():
    r = rng(16)
    q, k, v = randn(r, 1, 1, 3, 2), randn(r, 1, 1, 4, 2), randn(r, 1, 1, 4, 2)
    s0, z0 = np.abs(randn(r, 1, 1, 2, 2)), np.abs(randn(r, 1, 1, 2))
    o, st, z = ref.linear_attention(q, k, v, initial_state=s0, initial_normalizer=z0)
    fq, fk = phi_explicit(q, "elu_plus_one"), phi_explicit(k, "elu_plus_one")
    S_ = s0 + np.swapaxes(fk, -1, -2) @ v
    z_ = z0 + fk.sum(2)
    close(o, (fq @ S_) / (fq @ z_[..., None] + 1e-6))
    close(st, S_)
    close(z, z_)


def test_favor_approximates_softmax_kernel():
    # E[phi(x) . phi(y)] = exp(x . y / sqrt(Dk)) for omega ~ N(0, I)
    r = rng(17)
    Dk, M = 4, 200000
    q, k, v = 0.4 * randn(r, 1, 1, 3, Dk), 0.4 * randn(r, 1, 1, 5, Dk), randn(r, 1, 1, 5, 2)
    omega = randn(r, M, Dk)
    o, _, _ = ref.linear_attention(q, k, v, omega=omega, feature_map="favor")
    sm = ref.softmax_attention(q, k, v)
    np.testing.assert_allclose(o, sm, atol=2e-2)


def test_favor_explicit_formula():
    x = np.array([[1.0, -2.0, 0.5, 0.0]])
    omega = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0]])
    xp = x / 4 ** 0.25
    n2 = float((xp ** 2).sum())
    want = np.array([[math.exp(xp[0, 0] - n2 / 2), math.exp(xp[0, 1] + xp[0, 2] - n2 / 2)]]) / math.sqrt(2)
    close(ref.feature_map(x, "favor", omega), want)
    close(ref.feature_map(np.array([-1.0, 0.0, 2.0]), "elu_plus_one"), [math.exp(-1), 1.0, 3.0])


def test_linear_favor_requires_omega_and_rejects_bad_shapes():
    q = np.zeros((1, 1, 2, 3))
    with pytest.raises(ValueError, match="omega"):
        ref.linear_attention(q, q, q, feature_map="favor")
    with pytest.raises(ValueError, match="initial_state"):
        ref.linear_attention(q, q, q, initial_state=np.zeros((1, 1, 2, 3)))
    with pytest.raises(ValueError, match="feature_map"):
        ref.linear_attention(q, q, q, feature_map="elu")


# ---------------------------------------------------------------------------------------
# §5 lowrank_attention, §6 lowrank_kernel_attention
# ---------------------------------------------------------------------------------------


def test_lowrank_identity_projection_is_softmax_attention():
    r = rng(18)
    B, H, Hk, T, S = 2, 4, 2, 3, 5
    q, k, v = randn(r, B, H, T, 3), randn(r, B, Hk, S, 3), randn(r, B, Hk, S, 2)
    eye = np.eye(S)
    close(ref.lowrank_attention(q, k, v, eye, eye), ref.softmax_attention(q, k, v))
    # Smax > S: only the first S columns are read
    pad = np.concatenate([eye, 100 * np.ones((S, 3))], axis=1)
    close(ref.lowrank_attention(q, k, v, pad, pad, scale=0.3),
          ref.softmax_attention(q, k, v, scale=0.3))


def test_lowrank_is_softmax_over_projected_rows():
    r = rng(19)
    q, k, v = randn(r, 1, 2, 3, 3), randn(r, 1, 2, 6, 3), randn(r, 1, 2, 6, 2)
    e, f = randn(r, 4, 6), randn(r, 4, 6)
    kt, vt = np.einsum("rs,bhsd->bhrd", e, k), np.einsum("rs,bhsd->bhrd", f, v)
    close(ref.lowrank_attention(q, k, v, e, f), loop_softmax_attention(q, kt, vt, None, 1 / math.sqrt(3), False))


@pytest.mark.parametrize("name", ["identity", "elu_plus_one", "relu", "favor"])
def test_lowrank_kernel_is_linear_attention_on_projected_kv(name):
    r = rng(20)
    B, H, Hk, T, S, R = 2, 2, 1, 4, 7, 3
    q, k, v = randn(r, B, H, T, 3), randn(r, B, Hk, S, 3), randn(r, B, Hk, S, 2)
    e, f, omega = randn(r, R, S + 2), randn(r, R, S + 2), randn(r, 5, 3)
    if name == "identity":
        q, k, e = np.abs(q), np.abs(k), np.abs(e)
    kt = np.einsum("rs,bhsd->bhrd", e[:, :S], k)
    vt = np.einsum("rs,bhsd->bhrd", f[:, :S], v)
    got = ref.lowrank_kernel_attention(q, k, v, e, f, omega=omega, feature_map=name, scale=0.7)
    want, _, _ = ref.linear_attention(q, kt, vt, omega=omega, feature_map=name, scale=0.7)
    close(got, want)


# ---------------------------------------------------------------------------------------
# §7 partitioned_attention
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("causal", [False, True])
def test_partitioned_single_ones_partition_is_softmax(causal):
    r = rng(21)
    T, Tmax = 5, 7
    q, k, v = randn(r, 2, 2, T, 3), randn(r, 2, 2, T, 3), randn(r, 2, 2, T, 2)
    got = ref.partitioned_attention(q, k, v[:, :, None], np.ones((1, 2 * Tmax - 1)), causal=causal)
    close(got, ref.softmax_attention(q, k, v, causal=causal))


@pytest.mark.parametrize("score", ["softmax", "sigmoid"])
@pytest.mark.parametrize("causal", [False, True])
def test_partitioned_matches_loop(score, causal):
    r = rng(22)
    B, H, P, T, Tmax, Dk, Dv = 1, 2, 3, 4, 5, 3, 2
    q, k = randn(r, B, H, T, Dk), randn(r, B, H, T, Dk)
    vp, part = randn(r, B, H, P, T, Dv), randn(r, P, 2 * Tmax - 1)
    got = ref.partitioned_attention(q, k, vp, part, scale=0.6, score=score, causal=causal)
    want = np.zeros((B, H, T, Dv))
    for b in range(B):
        for h in range(H):
            for i in range(T):
                js = [j for j in range(T) if not causal or j <= i]
                sc = {j: 0.6 * float(q[b, h, i] @ k[b, h, j]) for j in js}
                if score == "softmax":
                    tot = sum(math.exp(s) for s in sc.values())
                    a = {j: math.exp(s) / tot for j, s in sc.items()}
                else:
                    a = {j: 1 / (1 + math.exp(-s)) for j, s in sc.items()}
                for p in range(P):
                    for j in js:
                        want[b, h, i] += a[j] * part[p, (i - j) + Tmax - 1] * vp[b, h, p, j]
    close(got, want)


def test_partitioned_offset_sign_convention():
    # partition selecting only r = i - j = +1: o_i = a_{i,i-1} v_{i-1}, o_0 = 0
    T, Tmax = 4, 4
    q = np.zeros((1, 1, T, 2))  # uniform softmax weights 1/T
    v = np.arange(T, dtype=float).reshape(1, 1, 1, T, 1) + 1.0
    part = np.zeros((1, 2 * Tmax - 1))
    part[0, 1 + Tmax - 1] = 1.0
    o = ref.partitioned_attention(q, q, v, part)[0, 0, :, 0]
    close(o, [0.0, 1 / T, 2 / T, 3 / T])


# ---------------------------------------------------------------------------------------
# §8 sparse_ffn, §9 multiplicative_dense, §10 offset_scale
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_biases", [False, True])
def test_sparse_ffn_equals_masked_dense(with_biases):
    r = rng(23)
    D, R, Dff, N = 5, 3, 12, 4
    x = randn(r, 2, 3, D)
    cd, cu, cb = randn(r, D, R), randn(r, R, Dff), randn(r, Dff)
    w1, w2 = randn(r, D, Dff), randn(r, Dff, D)
    b1, b2 = (randn(r, Dff), randn(r, D)) if with_biases else (None, None)
    y, idx = ref.sparse_ffn(x, cd, cu, cb, w1, w2, b1=b1, b2=b2, block_size=N)
    assert idx.dtype == np.int32 and idx.shape == (2, 3, Dff // N)
    logits = x @ cd @ cu + cb
    mask = np.zeros_like(logits)
    for pos in np.ndindex(2, 3):
        for b in range(Dff // N):
            blk = logits[pos][b * N:(b + 1) * N]
            n = max(range(N), key=lambda t: (blk[t], -t))
            assert idx[pos][b] == b * N + n
            mask[pos][b * N + n] = 1.0
    h = x @ w1 + (0 if b1 is None else b1)
    want = (np.maximum(h, 0) * mask) @ w2 + (0 if b2 is None else b2)
    close(y, want)


def test_sparse_ffn_ties_choose_lowest_n():
    D, R, Dff, N = 2, 2, 6, 3
    x = np.array([[1.0, -0.5], [0.3, 0.2]])
    cd = np.eye(2)
    cu = np.zeros((R, Dff))
    cb = np.array([0.0, 1.0, 1.0, 2.0, 2.0, 2.0])  # block 0: tie n=1,2; block 1: all tie
    w1, w2 = np.ones((D, Dff)), np.arange(Dff * D, dtype=float).reshape(Dff, D)
    y, idx = ref.sparse_ffn(x, cd, cu, cb, w1, w2, block_size=N)
    np.testing.assert_array_equal(idx, [[1, 3], [1, 3]])
    close(y, np.maximum(x.sum(-1, keepdims=True), 0) * (w2[1] + w2[3]))


def test_sparse_ffn_rejects_bad_block_size():
    z = np.zeros
    with pytest.raises(ValueError, match="block_size"):
        ref.sparse_ffn(z((1, 2)), z((2, 1)), z((1, 6)), z(6), z((2, 6)), z((6, 2)), block_size=4)
    with pytest.raises(ValueError, match="w2"):
        ref.sparse_ffn(z((1, 2)), z((2, 1)), z((1, 6)), z(6), z((2, 6)), z((6, 3)), block_size=3)


def test_multiplicative_dense_loop():
    r = rng(24)
    Din, S, M = 3, 2, 4
    x, d, e, bias = randn(r, 2, Din), randn(r, Din, S), randn(r, Din, M), randn(r, S * M)
    y = ref.multiplicative_dense(x, d, e, bias=bias)
    assert y.shape == (2, S * M)
    for n in range(2):
        for s in range(S):
            for m in range(M):
                want = sum(x[n, i] * d[i, s] * e[i, m] for i in range(Din)) + bias[s * M + m]
                assert y[n, s * M + m] == pytest.approx(want, rel=1e-12, abs=1e-12)
    close(ref.multiplicative_dense(x, d, e), y - bias)


def test_offset_scale():
    z = np.arange(6, dtype=float).reshape(1, 2, 3)
    gamma = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])
    beta = np.array([[0.0, 0.0, 1.0], [5.0, 5.0, 5.0]])
    out = ref.offset_scale(z, gamma, beta)
    assert isinstance(out, list) and len(out) == 2
    close(out[0], [[[0, 2, 7], [3, 8, 16]]])
    close(out[1], [[[5, 4, 6], [5, 1, 7.5]]])
    with pytest.raises(ValueError, match="beta"):
        ref.offset_scale(z, gamma, beta[:1])


# ---------------------------------------------------------------------------------------
# §11 rel_pos_bias
# ---------------------------------------------------------------------------------------


def test_toeplitz_values():
    Smax = 4
    params = np.arange(2 * Smax - 1, dtype=float) * 10  # params[j - i + 3]
    b = ref.rel_pos_bias(params, 2, 4, "toeplitz", scale=0.5)
    # i=0: j-i = 0..3 -> 3..6 ; i=1: j-i = -1..2 -> 2..5
    close(b, 0.5 * np.array([[30, 40, 50, 60], [20, 30, 40, 50]]))
    b = ref.rel_pos_bias(params, 3, 1, "toeplitz")
    close(b, [[30], [20], [10]])
    with pytest.raises(ValueError, match="params"):
        ref.rel_pos_bias(params, 5, 5, "toeplitz")


def test_t5_bidirectional_buckets_hand_computed():
    # num_buckets 32 -> 16 per sign, max_exact 8, log-spaced up to 128
    cases = {0: 0, -1: 1, -7: 7, -8: 8, -15: 9, -16: 10, -31: 11, -32: 12, -127: 15,
             -128: 15, -1000: 15, 1: 17, 7: 23, 8: 24, 15: 25, 127: 31, 5000: 31}
    rp = np.array(list(cases))
    got = ref.t5_relative_position_bucket(rp, bidirectional=True, num_buckets=32, max_distance=128)
    np.testing.assert_array_equal(got, list(cases.values()))


def test_t5_unidirectional_buckets_hand_computed():
    # max_exact 16; 16 + floor(log(n/16) / log(8) * 16)
    cases = {5: 0, 1: 0, 0: 0, -1: 1, -15: 15, -16: 16, -20: 17, -64: 26, -127: 31, -128: 31}
    rp = np.array(list(cases))
    got = ref.t5_relative_position_bucket(rp, bidirectional=False, num_buckets=32, max_distance=128)
    np.testing.assert_array_equal(got, list(cases.values()))


def test_rel_pos_bias_t5_uses_key_minus_query():
    params = np.arange(32, dtype=float)
    b = ref.rel_pos_bias(params, 3, 5, "t5_buckets", scale=2.0)  # num_buckets = 32
    assert b.shape == (3, 5)
    # (i, j) = (2, 0): rp = -2 -> bucket 2 ; (0, 3): rp = +3 -> bucket 16 + 3
    assert b[2, 0] == 4.0 and b[0, 3] == 38.0 and b[1, 1] == 0.0
    b = ref.rel_pos_bias(params, 3, 5, "t5_buckets", num_buckets=8, bidirectional=False)
    # unidirectional, 8 buckets, max_exact 4, max_distance 128: keys after the query -> 0
    assert b[0, 4] == 0.0 and b[2, 0] == 2.0


# ---------------------------------------------------------------------------------------
# §12 gau
# ---------------------------------------------------------------------------------------


def _gau_weights(r, D=4, E=6, Dk=3, n=2):
    return dict(w_u=randn(r, D, E), w_v=randn(r, D, E), w_z=randn(r, D, Dk), w_o=randn(r, E, D),
                gamma=randn(r, n, Dk), beta=randn(r, n, Dk), b_u=randn(r, E), b_v=randn(r, E),
                b_z=randn(r, Dk), b_o=randn(r, D))


def _silu(a):
    return a / (1 + np.exp(-a))


@pytest.mark.parametrize("causal", [False, True])
def test_gau_quad_composes(causal):
    r = rng(25)
    B, T = 2, 5
    x, w = randn(r, B, T, 4), _gau_weights(r)
    bias = randn(r, T, T)
    y = ref.gau(x, bias=bias, attention="quad", causal=causal, scale=0.4, **w)
    u = _silu(x @ w["w_u"] + w["b_u"])
    v = _silu(x @ w["w_v"] + w["b_v"])
    z = _silu(x @ w["w_z"] + w["b_z"])
    q, k = (z * w["gamma"][n] + w["beta"][n] for n in range(2))
    A = np.maximum(0.4 * q @ np.swapaxes(k, -1, -2) + bias, 0) ** 2
    if causal:
        A = np.tril(A)
    close(y, (u * (A @ v)) @ w["w_o"] + w["b_o"])


@pytest.mark.parametrize("causal", [False, True])
def test_gau_mixed_chunk_composes(causal):
    r = rng(26)
    B, T, C = 1, 7, 3
    x, w = randn(r, B, T, 4), _gau_weights(r, n=4)
    bias = randn(r, C, C)
    y = ref.gau(x, bias=bias, attention="mixed_chunk", chunk_size=C, causal=causal, **w)
    u = _silu(x @ w["w_u"] + w["b_u"])
    v = _silu(x @ w["w_v"] + w["b_v"])
    z = _silu(x @ w["w_z"] + w["b_z"])
    qq, kq, ql, kl = ((z * w["gamma"][n] + w["beta"][n])[:, None] for n in range(4))
    att = masked_mixed_chunk(qq, kq, ql, kl, v[:, None], None, bias, C, causal, 1.0 / C,
                             ref.relu2, "inverse_length", 1.0)[:, 0]
    close(y, (u * att) @ w["w_o"] + w["b_o"])


def test_gau_without_biases_and_validation():
    r = rng(27)
    x, w = randn(r, 1, 3, 4), _gau_weights(r)
    for b in ("b_u", "b_v", "b_z", "b_o"):
        w.pop(b)
    y = ref.gau(x, **w)
    assert y.shape == (1, 3, 4) and np.all(np.isfinite(y))
    with pytest.raises(ValueError, match="gamma"):
        ref.gau(x, attention="mixed_chunk", chunk_size=2, **w)


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------


def test_validation_messages_name_the_argument():
    q = np.zeros((1, 4, 3, 2))
    with pytest.raises(ValueError, match=r"k must have shape \[B=1, Hk, S, Dk=2\], got \[1, 3, 5, 3\]"):
        ref.softmax_attention(q, np.zeros((1, 3, 5, 3)), np.zeros((1, 3, 5, 2)))
    with pytest.raises(ValueError, match="Hk=3"):
        ref.softmax_attention(q, np.zeros((1, 3, 5, 2)), np.zeros((1, 3, 5, 2)))
    with pytest.raises(ValueError, match="bias"):
        ref.quad_attention(q, q, q, bias=np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="activation"):
        ref.quad_attention(q, q, q, activation="gelu")
    with pytest.raises(ValueError, match="chunk_size"):
        ref.mixed_chunk_attention(q, q, q, q, q, chunk_size=0)
    with pytest.raises(ValueError, match="chunk_size is required"):
        ref.mixed_chunk_attention(q, q, q, q, q)
    with pytest.raises(ValueError, match=r"bias must have shape \[C=2, C=2\]"):
        ref.mixed_chunk_attention(q, q, q, q, q, chunk_size=2, bias=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="f_proj"):
        ref.lowrank_attention(q, q, q, np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="partition"):
        ref.partitioned_attention(q, q, q[:, :, None], np.zeros((1, 4)))
