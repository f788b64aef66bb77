"""examples/models: the saved IR of every builder must be what
examples/models/generate.py writes today (the drift test), must run, and must compute the
same as the builder's model."""

import importlib.util
import re

import numpy as np
import pytest

from conftest import F32_RTOL, REPO, rel_rms

import effattn

EXAMPLES_DIR = REPO / "examples" / "models"
_spec = importlib.util.spec_from_file_location("effattn_examples_generate",
                                               EXAMPLES_DIR / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

_BLOB = re.compile(r'dense<"0x([0-9A-F]*)">')


def _split(text):
    """The text with every weight blob replaced by a marker, and the blobs as float32."""
    blobs = [np.frombuffer(bytes.fromhex(h), dtype="<f4") for h in _BLOB.findall(text)]
    return _BLOB.sub('dense<"0x...">', text), blobs


@pytest.mark.parametrize("name", list(generate.EXAMPLES))
def test_example_is_up_to_date(name):
    path = EXAMPLES_DIR / f"{name}.mlir"
    assert path.is_file(), f"{path} is missing: run examples/models/generate.py"
    saved_text, saved_blobs = _split(path.read_text())
    fresh_text, fresh_blobs = _split(generate.render(name))
    # The IR must match exactly; the weights to float32 rounding (they come from numpy's
    # seeded generator through float64 arithmetic, e.g. a QR for Performer's features).
    assert saved_text == fresh_text, f"{path.name} is stale: run examples/models/generate.py"
    assert len(saved_blobs) == len(fresh_blobs)
    for saved, fresh in zip(saved_blobs, fresh_blobs):
        assert saved.shape == fresh.shape
        np.testing.assert_allclose(saved, fresh, rtol=1e-6, atol=1e-7,
                                   err_msg=f"{path.name}: weights are stale")


def test_no_stray_examples():
    files = {p.stem for p in EXAMPLES_DIR.glob("*.mlir")}
    assert files == set(generate.EXAMPLES)
    readme = (EXAMPLES_DIR / "README.md").read_text()
    for name in generate.EXAMPLES:
        assert (f"build/bin/effattn-run examples/models/{name}.mlir --entry={name} "
                f"--random-inputs") in readme, f"README.md does not show how to run {name}"


def test_check_mode_detects_drift(tmp_path, monkeypatch):
    """generate.py --check fails on a changed file and passes on fresh ones."""
    for name in generate.EXAMPLES:
        (tmp_path / f"{name}.mlir").write_text(generate.render(name))
    monkeypatch.setattr(generate, "HERE", tmp_path)
    monkeypatch.setattr("sys.argv", ["generate.py", "--check"])
    assert generate.main() == 0
    stale = tmp_path / "flash_quad.mlir"
    stale.write_text(stale.read_text().replace("attention quad", "attention quad causal"))
    assert generate.main() == 1


@pytest.mark.usefixtures("native")
@pytest.mark.parametrize("name", list(generate.EXAMPLES))
def test_example_runs_like_its_model(name):
    model = generate.build(name)
    exe = effattn.compile(EXAMPLES_DIR / f"{name}.mlir", entry=name)
    assert [a.mlir for a in exe.arguments] == ["tensor<1x?x16xf32>"]
    x = np.random.default_rng(3).standard_normal((1, 21, 16)).astype(np.float32)
    y = exe(x)
    assert rel_rms(y, effattn.reference.run(model, x)) < F32_RTOL
