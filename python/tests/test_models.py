"""effattn.models: every builder compiled for the CPU and run against its float64 oracle
(effattn.reference.run), plus the builders' and the executables' errors.

Tolerance: relative RMS error < 1e-5 (the spec's f32 bound for one op holds for these
whole models too; the worst errors seen are printed at the end of the run)."""

import functools

import numpy as np
import pytest

from conftest import F32_RTOL, rel_rms, record_model_error

import effattn
from effattn import models

pytestmark = pytest.mark.usefixtures("native")

# name -> (builder, kwargs, sequence lengths to run)
CASES = {
    "flash_lm_causal": ("flash_lm", dict(layers=2, d_model=32, expansion=2, s=16, chunk_size=8,
                                         causal=True), [1, 5, 8, 37]),
    "flash_lm_layernorm_laplace": ("flash_lm", dict(layers=1, d_model=32, expansion=2, s=16,
                                                    chunk_size=8, causal=False, norm="layer",
                                                    activation="laplace"), [3, 20]),
    "flash_quad": ("flash_quad", dict(d_model=32, expansion=2, s=16), [1, 13]),
    "flash_quad_causal_laplace": ("flash_quad", dict(d_model=32, expansion=3, s=8, causal=True,
                                                     norm="layer", activation="laplace"),
                                  [2, 17]),
    "performer_layer": ("performer_layer", dict(d_model=32, heads=2, head_dim=16, features=24,
                                                d_ff=64), [1, 29]),
    "performer_layer_causal": ("performer_layer", dict(d_model=32, heads=4, head_dim=8,
                                                       features=16, d_ff=48, causal=True),
                               [1, 29]),
    "linformer_layer": ("linformer_layer", dict(d_model=32, heads=2, head_dim=16, rank=8,
                                                max_len=32, d_ff=64), [1, 20, 32]),
    "flurka_layer": ("flurka_layer", dict(d_model=32, heads=2, head_dim=16, rank=8,
                                          max_len=32, d_ff=64), [1, 20, 32]),
    "flurka_layer_favor": ("flurka_layer", dict(d_model=32, heads=2, head_dim=16, rank=8,
                                                max_len=32, d_ff=64, feature_map="favor",
                                                features=24), [20]),
    "shatter_layer": ("shatter_layer", dict(d_model=32, d_head=16, d_value=8, parts=3,
                                            max_len=24, d_ff=64), [1, 11, 24]),
    "shatter_layer_causal_sigmoid": ("shatter_layer", dict(d_model=32, d_head=16, d_value=8,
                                                           parts=4, max_len=24, d_ff=64,
                                                           causal=True, score="sigmoid"),
                                     [11]),
    "scaling_transformer_block": ("scaling_transformer_block",
                                  dict(d_model=32, modules=4, d_ff=128, block_size=16,
                                       controller_rank=8), [1, 19]),
    "scaling_transformer_block_noncausal": ("scaling_transformer_block",
                                            dict(d_model=32, modules=2, d_ff=64, block_size=8,
                                                 controller_rank=4, causal=False), [19]),
}

CAUSAL = ["flash_lm_causal", "flash_quad_causal_laplace", "performer_layer_causal",
          "shatter_layer_causal_sigmoid", "scaling_transformer_block"]
NON_CAUSAL = ["flash_lm_layernorm_laplace", "flash_quad", "performer_layer", "linformer_layer",
              "flurka_layer", "shatter_layer", "scaling_transformer_block_noncausal"]


@functools.lru_cache(maxsize=None)
def built(case):
    builder, kwargs, _ = CASES[case]
    model = models.BUILDERS[builder](seed=7, **kwargs)
    return model, effattn.compile(model)


def inputs(model, t, batch=None, seed=0):
    b = batch or model.inputs[0].shape[0]
    d = model.config["d_model"]
    return np.random.default_rng(seed).standard_normal((b, t, d)).astype(np.float32)


@pytest.mark.parametrize("case", list(CASES))
def test_model_matches_oracle(case):
    model, exe = built(case)
    for t in CASES[case][2]:
        x = inputs(model, t, seed=t)
        y = exe(x)
        want = effattn.reference.run(model, x)
        assert y.shape == x.shape and y.dtype == np.float32
        err = rel_rms(y, want)
        record_model_error(model.name, err)
        assert err < F32_RTOL, f"{case} T={t}: relative RMS error {err:.2e}"
        # The layers do something: the output is not (close to) the input.
        assert rel_rms(x, want) > 0.05, f"{case} T={t}: the model is nearly the identity"


def test_the_issue_example():
    """The call sequence of the issue, at its sizes."""
    model = effattn.models.flash_lm(layers=2, d_model=256, expansion=2, s=128,
                                    chunk_size=64, causal=True, seed=0)
    assert "effattn.gau" in model.mlir and "mixed_chunk" in model.mlir
    exe = effattn.compile(model, target="cpu")
    x = np.random.default_rng(0).standard_normal((1, 300, 256)).astype(np.float32)
    y = exe(x)
    ref = effattn.reference.run(model, x)
    assert y.shape == (1, 300, 256)
    err = rel_rms(y, ref)
    record_model_error("flash_lm", err)
    assert err < F32_RTOL


@pytest.mark.parametrize("options", [dict(reference=True), dict(query_tile=3, key_tile=5)])
def test_model_with_pipeline_options(options):
    model, exe = built("flash_lm_causal")
    other = effattn.compile(model, **options)
    x = inputs(model, 19)
    assert rel_rms(other(x), effattn.reference.run(model, x)) < F32_RTOL
    np.testing.assert_allclose(other(x), exe(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CAUSAL)
def test_causal_models_ignore_the_future(case):
    model, exe = built(case)
    x = inputs(model, 24)
    x2 = x.copy()
    x2[:, 13:] = np.random.default_rng(9).standard_normal(x2[:, 13:].shape)
    y, y2 = exe(x), exe(x2)
    np.testing.assert_allclose(y2[:, :13], y[:, :13], rtol=1e-6, atol=1e-6)
    assert rel_rms(y2[:, 13:], y[:, 13:]) > 0.1


@pytest.mark.parametrize("case", NON_CAUSAL)
def test_non_causal_models_see_the_future(case):
    model, exe = built(case)
    x = inputs(model, 20)
    x2 = x.copy()
    x2[:, 13:] = np.random.default_rng(9).standard_normal(x2[:, 13:].shape)
    y, y2 = exe(x), exe(x2)
    assert rel_rms(y2[:, :13], y[:, :13]) > 1e-4


@pytest.mark.parametrize("batch", [2, None])
def test_batches(batch):
    model = models.flash_lm(layers=1, d_model=16, expansion=2, s=8, chunk_size=4, batch=batch)
    exe = effattn.compile(model)
    assert exe.arguments[0].shape == (batch, None, 16)
    x = inputs(model, 9, batch=batch or 3)
    y = exe(x)
    assert rel_rms(y, effattn.reference.run(model, x)) < F32_RTOL
    # every batch row is its own sequence: reversing the batch reverses the output
    np.testing.assert_allclose(exe(np.ascontiguousarray(x[::-1])), y[::-1], rtol=1e-6,
                               atol=1e-6)
    assert rel_rms(y[0], y[1]) > 0.1


def test_constants_module_matches_arguments_module():
    model, exe = built("scaling_transformer_block")
    text = model.to_mlir(weights="constants")
    assert f"func.func @{model.entry}(%x: tensor<1x?x32xf32>)" in text
    assert f"func.call @{model.entry}_body(" in text and 'dense<"0x' in text
    const_exe = effattn.compile(text, entry=model.entry)
    assert len(const_exe.arguments) == 1
    x = inputs(model, 15)
    np.testing.assert_allclose(const_exe(x), exe(x), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match=r"weights must be 'arguments' or 'constants'"):
        model.to_mlir(weights="inline")


def test_ir_uses_the_dialect_ops():
    expected = {
        "flash_lm_causal": ["effattn.rel_pos_bias t5_buckets", "bidirectional = false",
                            "effattn.gau", "attention mixed_chunk chunk_size = 8 causal"],
        "flash_quad": ["effattn.gau", "attention quad"],
        "performer_layer_causal": ["effattn.linear_attention", "causal feature_map favor"],
        "linformer_layer": ["effattn.lowrank_attention"],
        "flurka_layer_favor": ["effattn.lowrank_kernel_attention", "feature_map favor"],
        "shatter_layer_causal_sigmoid": ["effattn.partitioned_attention", "causal score sigmoid"],
        "scaling_transformer_block": ["effattn.multiplicative_dense", "effattn.softmax_attention",
                                      "effattn.sparse_ffn", "block_size = 16"],
    }
    for case, needles in expected.items():
        model, _ = built(case)
        for needle in needles:
            assert needle in model.mlir, (case, needle)
        assert model.mlir.count("func.func") == 1
        # one argument per activation and weight, in .weights order
        for name in model.weights:
            assert f"%{name}: tensor<" in model.mlir


# ---------------------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------------------


def test_weights_are_seeded():
    a = models.performer_layer(d_model=16, heads=2, head_dim=8, features=8, d_ff=16, seed=3)
    b = models.performer_layer(d_model=16, heads=2, head_dim=8, features=8, d_ff=16, seed=3)
    c = models.performer_layer(d_model=16, heads=2, head_dim=8, features=8, d_ff=16, seed=4)
    assert list(a.weights) == list(b.weights)
    assert all(np.array_equal(a.weights[n], b.weights[n]) for n in a.weights)
    assert not np.array_equal(a.weights["w_q"], c.weights["w_q"])
    assert all(w.dtype == np.float32 and w.flags.c_contiguous for w in a.weights.values())


def test_orthogonal_random_features():
    omega = models.orthogonal_random_features(24, 8, np.random.default_rng(0))
    assert omega.shape == (24, 8)
    for block in (omega[0:8], omega[8:16]):
        unit = block / np.linalg.norm(block, axis=1, keepdims=True)
        np.testing.assert_allclose(unit @ unit.T, np.eye(8), atol=1e-12)


def test_given_weights_replace_drawn_ones():
    base = models.flash_quad(d_model=16, expansion=2, s=8, seed=1)
    w_o = np.random.default_rng(5).standard_normal((32, 16))
    model = models.flash_quad(d_model=16, expansion=2, s=8, seed=1, weights={"w_o": w_o})
    np.testing.assert_array_equal(model.weights["w_o"], w_o.astype(np.float32))
    for name in base.weights:
        if name != "w_o":
            np.testing.assert_array_equal(model.weights[name], base.weights[name])
    exe = effattn.compile(model)
    x = inputs(model, 10)
    y = exe(x)
    assert rel_rms(y, effattn.reference.run(model, x)) < F32_RTOL
    assert rel_rms(y, effattn.compile(base)(x)) > 1e-3


def test_bad_given_weights():
    with pytest.raises(ValueError, match=r"flash_quad: weight 'w_o' must have shape \[32, 16\], "
                                         r"got \[16, 32\]"):
        models.flash_quad(d_model=16, expansion=2, s=8, weights={"w_o": np.zeros((16, 32))})
    with pytest.raises(ValueError, match=r"unknown weight\(s\) \['w_x'\]; this model's weights "
                                         r"are \['norm_g', 'w_u'"):
        models.flash_quad(d_model=16, expansion=2, s=8, weights={"w_x": np.zeros(3)})
    with pytest.raises(ValueError, match=r"weight 'w_u' must be a real array, got dtype <U1"):
        models.flash_quad(d_model=16, expansion=2, s=8,
                          weights={"w_u": np.full((16, 32), "a")})


# ---------------------------------------------------------------------------------------
# Builder and input validation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, message", [
    (lambda: models.flash_lm(layers=0), r"flash_lm: layers must be an integer >= 1, got 0"),
    (lambda: models.flash_lm(d_model=32.5), r"d_model must be an integer >= 1, got 32.5"),
    (lambda: models.flash_lm(chunk_size=0), r"chunk_size must be an integer >= 1, got 0"),
    (lambda: models.flash_lm(norm="rms"), r"norm must be one of \['scale', 'layer'\], got 'rms'"),
    (lambda: models.flash_lm(causal="yes"), r"causal must be True or False, got 'yes'"),
    (lambda: models.flash_lm(seed=-1), r"seed must be an integer >= 0, got -1"),
    (lambda: models.flash_lm(batch=0), r"batch must be an integer >= 1, got 0"),
    (lambda: models.flash_quad(activation="gelu"), r"activation must be one of"),
    (lambda: models.performer_layer(features=0), r"features must be an integer >= 1"),
    (lambda: models.flurka_layer(feature_map="softmax"), r"feature_map must be one of"),
    (lambda: models.flurka_layer(features=8), r"features is only used with feature_map='favor'"),
    (lambda: models.shatter_layer(score="relu"), r"score must be one of \['softmax', 'sigmoid'\]"),
    (lambda: models.scaling_transformer_block(d_model=30, modules=4),
     r"modules=4 must divide d_model=30"),
    (lambda: models.scaling_transformer_block(d_ff=100, block_size=32),
     r"block_size=32 must divide d_ff=100"),
    (lambda: models.linformer_layer(eps=0), r"eps must be a positive number, got 0"),
])
def test_builder_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_input_errors():
    model, exe = built("linformer_layer")
    x = inputs(model, 10)
    with pytest.raises(TypeError, match=r"@linformer_layer takes 1 argument \(x\), got 2"):
        exe(x, x)
    with pytest.raises(TypeError, match=r"argument #0 \(x\): dtype float64, expected float32"):
        exe(x.astype(np.float64))
    with pytest.raises(ValueError, match=r"argument #0 \(x\): shape \[1, 10, 31\] does not "
                                         r"match tensor<1x\?x32xf32> \(expected \[1, \?, 32\]\)"):
        exe(x[:, :, :31])
    with pytest.raises(ValueError, match=r"argument #0 \(x\): shape \[10, 32\] does not match"):
        exe(x[0])
    too_long = inputs(model, 33)
    for run in (exe, lambda a: effattn.reference.run(model, a)):
        with pytest.raises(ValueError, match=r"linformer_layer: input x has sequence length "
                                             r"T=33, more than this model's max_len=32"):
            run(too_long)
    with pytest.raises(ValueError, match=r"needs a sequence length T >= 1"):
        exe(inputs(model, 0))
    with pytest.raises(ValueError, match=r"linformer_layer: input x must have shape "
                                         r"\[1, T, 32\]"):
        effattn.reference.run(model, x[:, :, :31])
    # the executable still works afterwards
    assert rel_rms(exe(x), effattn.reference.run(model, x)) < F32_RTOL


def test_compile_model_entry_mismatch():
    model, _ = built("flash_quad")
    with pytest.raises(ValueError, match=r"the model's entry is @flash_quad, got entry='f'"):
        effattn.compile(model, entry="f")


def test_reference_run_needs_a_known_model():
    class Fake:
        name = "transformer_xl"

    with pytest.raises(ValueError, match=r"no oracle for model 'transformer_xl'"):
        effattn.reference.run(Fake(), np.zeros((1, 2, 3)))
