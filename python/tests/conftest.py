"""pytest setup: the tests import ``effattn`` from this source tree (python/), whatever is
installed. Tests of compiled code need libEffAttnExecutionEngine.so: from
``$EFFATTN_BUILD_DIR`` or the default build tree ``<repo>/build`` (scripts/test.sh builds
it and sets the variable). When it is missing they fail, with the loader's message."""

import sys
from pathlib import Path

import numpy as np
import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
sys.path.insert(0, str(PYTHON_DIR))

# f32 against the float64 oracle (SPEC "Testing rules"), for ops and for whole models.
F32_RTOL = 1e-5
# f16/bf16 inputs with f32 accumulation.
HALF_RTOL = 2e-2


def rel_rms(got, want) -> float:
    """||got - want|| / ||want|| (relative RMS error)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    den = np.sqrt(np.sum(want * want))
    num = np.sqrt(np.sum((got - want) ** 2))
    return float(num / den) if den > 0 else float(num)


@pytest.fixture(scope="session")
def native():
    """The loaded execution library (fails the test when it cannot be loaded)."""
    from effattn import _native

    return _native.library()


# Worst relative RMS error of each model against the oracle, printed after the run.
MODEL_ERRORS = {}


def record_model_error(name: str, err: float) -> None:
    MODEL_ERRORS[name] = max(err, MODEL_ERRORS.get(name, 0.0))


def pytest_terminal_summary(terminalreporter):
    if MODEL_ERRORS:
        terminalreporter.write_sep("-", f"worst relative RMS error vs the float64 oracle "
                                        f"(tolerance {F32_RTOL:g})")
        for name, err in sorted(MODEL_ERRORS.items()):
            terminalreporter.write_line(f"{name:28s} {err:.2e}")
