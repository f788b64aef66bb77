"""float64 oracles of the models of ``effattn.models`` (``effattn.reference.run``).

Each oracle computes a whole model from its ``config`` and ``weights`` with the op
functions of ``effattn.reference`` and plain numpy: the layer formulas of the
``effattn.models`` docstring, written here independently of the IR builder. Weights are
read as float64 (the float32 values the compiled model uses), and every intermediate is
float64.
"""

from __future__ import annotations

from typing import Callable, Dict

import numpy as np

from . import reference as R

__all__ = ["run", "ORACLES", "layer_norm", "scale_norm"]


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """(x - mean) / sqrt(var + eps) * gamma + beta over the last axis (biased variance)."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def scale_norm(x: np.ndarray, g: float, eps: float) -> np.ndarray:
    """ScaleNorm: g * x / sqrt(mean(x^2) + eps) over the last axis, g a scalar."""
    return g * x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps)


def _norm(cfg, w, prefix: str, kind: str, x):
    if kind == "scale":
        return scale_norm(x, float(w[f"{prefix}_g"]), cfg["eps"])
    return layer_norm(x, w[f"{prefix}_gamma"], w[f"{prefix}_beta"], cfg["eps"])


def _heads(x, h):
    """[B, T, H*Dh] -> [B, H, T, Dh]."""
    b, t, hd = x.shape
    return x.reshape(b, t, h, hd // h).transpose(0, 2, 1, 3)


def _unheads(o):
    """[B, H, T, Dh] -> [B, T, H*Dh]."""
    b, h, t, dh = o.shape
    return o.transpose(0, 2, 1, 3).reshape(b, t, h * dh)


def _ffn(cfg, w, x):
    h = layer_norm(x, w["ffn_norm_gamma"], w["ffn_norm_beta"], cfg["eps"])
    a = np.maximum(h @ w["ffn_w1"] + w["ffn_b1"], 0.0)
    return x + a @ w["ffn_w2"] + w["ffn_b2"]


def _gau(cfg, w, p, h, attention, bias=None):
    kwargs = dict(attention=attention, causal=cfg["causal"], activation=cfg["activation"])
    if attention == "mixed_chunk":
        kwargs["chunk_size"] = cfg["chunk_size"]
    return R.gau(h, w[f"{p}w_u"], w[f"{p}w_v"], w[f"{p}w_z"], w[f"{p}w_o"], w[f"{p}gamma"],
                 w[f"{p}beta"], b_u=w[f"{p}b_u"], b_v=w[f"{p}b_v"], b_z=w[f"{p}b_z"],
                 b_o=w[f"{p}b_o"], bias=bias, **kwargs)


def flash_lm(cfg, w, x):
    c = cfg["chunk_size"]
    for l in range(cfg["layers"]):
        h = _norm(cfg, w, f"l{l}_norm", cfg["norm"], x)
        bias = R.rel_pos_bias(w[f"l{l}_rel"], c, c, "t5_buckets",
                              bidirectional=not cfg["causal"])
        x = x + _gau(cfg, w, f"l{l}_", h, "mixed_chunk", bias)
    return _norm(cfg, w, "final_norm", cfg["norm"], x)


def flash_quad(cfg, w, x):
    h = _norm(cfg, w, "norm", cfg["norm"], x)
    return x + _gau(cfg, w, "", h, "quad")


def _attention_layer(cfg, w, x, attend):
    h = layer_norm(x, w["attn_norm_gamma"], w["attn_norm_beta"], cfg["eps"])
    heads = cfg["heads"]
    q, k, v = (_heads(h @ w[f"w_{n}"] + w[f"b_{n}"], heads) for n in ("q", "k", "v"))
    o = attend(q, k, v)
    x = x + _unheads(o) @ w["w_o"] + w["b_o"]
    return _ffn(cfg, w, x)


def performer_layer(cfg, w, x):
    def attend(q, k, v):
        o, _, _ = R.linear_attention(q, k, v, omega=w["omega"], feature_map="favor",
                                     causal=cfg["causal"])
        return o

    return _attention_layer(cfg, w, x, attend)


def linformer_layer(cfg, w, x):
    return _attention_layer(cfg, w, x, lambda q, k, v: R.lowrank_attention(
        q, k, v, w["e_proj"], w["f_proj"]))


def flurka_layer(cfg, w, x):
    fm = cfg["feature_map"]
    omega = w["omega"] if fm == "favor" else None
    return _attention_layer(cfg, w, x, lambda q, k, v: R.lowrank_kernel_attention(
        q, k, v, w["e_proj"], w["f_proj"], omega=omega, feature_map=fm))


def shatter_layer(cfg, w, x):
    b, t, _ = x.shape
    p, dv = cfg["parts"], cfg["d_value"]
    h = layer_norm(x, w["attn_norm_gamma"], w["attn_norm_beta"], cfg["eps"])
    q = (h @ w["w_q"] + w["b_q"])[:, None]  # [B, 1, T, Dk]
    k = (h @ w["w_k"] + w["b_k"])[:, None]
    vp = (h @ w["w_v"] + w["b_v"]).reshape(b, t, p, dv).transpose(0, 2, 1, 3)[:, None]
    o = R.partitioned_attention(q, k, vp, w["partition"], score=cfg["score"],
                                causal=cfg["causal"])
    x = x + o[:, 0] @ w["w_o"] + w["b_o"]
    return _ffn(cfg, w, x)


def scaling_transformer_block(cfg, w, x):
    s = cfg["modules"]
    h = layer_norm(x, w["attn_norm_gamma"], w["attn_norm_beta"], cfg["eps"])
    q, k, v = (_heads(R.multiplicative_dense(h, w[f"{n}_d"], w[f"{n}_e"], w[f"{n}_bias"]), s)
               for n in ("q", "k", "v"))
    o = R.softmax_attention(q, k, v, causal=cfg["causal"])
    x = x + _unheads(o) @ w["w_o"] + w["b_o"]
    h2 = layer_norm(x, w["ffn_norm_gamma"], w["ffn_norm_beta"], cfg["eps"])
    y, _ = R.sparse_ffn(h2, w["ctrl_down"], w["ctrl_up"], w["ctrl_bias"], w["ffn_w1"],
                        w["ffn_w2"], b1=w["ffn_b1"], b2=w["ffn_b2"],
                        block_size=cfg["block_size"])
    return x + y


ORACLES: Dict[str, Callable] = {
    "flash_lm": flash_lm,
    "flash_quad": flash_quad,
    "performer_layer": performer_layer,
    "linformer_layer": linformer_layer,
    "flurka_layer": flurka_layer,
    "shatter_layer": shatter_layer,
    "scaling_transformer_block": scaling_transformer_block,
}


def run(model, *inputs) -> np.ndarray:
    """The float64 output of ``model`` (from ``effattn.models``) on ``inputs`` (its
    activations, e.g. ``x : [B, T, d_model]``; any real dtype, read as float64)."""
    if model.name not in ORACLES:
        raise ValueError(f"effattn.reference.run: no oracle for model {model.name!r}; "
                         f"known: {sorted(ORACLES)}")
    model.validate_inputs(*inputs)
    arrays = [np.asarray(a, dtype=np.float64) for a in inputs]
    weights = {n: np.asarray(a, dtype=np.float64) for n, a in model.weights.items()}
    return ORACLES[model.name](model.config, weights, *arrays)
