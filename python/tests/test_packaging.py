"""`pip install ./python` (setuptools, pyproject.toml) gives a working package that finds
the compiled library through EFFATTN_BUILD_DIR. Offline: no build isolation, no index."""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR

# Looked up, not imported: importing setuptools next to an imported distutils breaks.
if not all(importlib.util.find_spec(m) for m in ("pip", "setuptools")):
    pytest.skip("needs pip and setuptools", allow_module_level=True)


def test_pip_install_and_run(tmp_path, native):
    src = tmp_path / "src"
    shutil.copytree(PYTHON_DIR, src, ignore=shutil.ignore_patterns(
        "__pycache__", "tests", "build", "*.egg-info", ".pytest_cache"))
    target = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
         "--no-index", "--target", str(target), str(src)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (target / "effattn" / "models.py").is_file()
    assert not (target / "effattn" / "tests").exists()

    script = (
        "import effattn, numpy as np\n"
        "print(effattn.__file__)\n"
        "m = effattn.models.flash_quad(d_model=16, expansion=2, s=8, seed=2)\n"
        "x = np.random.default_rng(0).standard_normal((1, 9, 16)).astype(np.float32)\n"
        "y = effattn.compile(m)(x)\n"
        "r = effattn.reference.run(m, x)\n"
        "print(float(np.sqrt(((y - r) ** 2).sum() / (r ** 2).sum())))\n")
    env = dict(os.environ, PYTHONPATH=str(target),
               EFFATTN_BUILD_DIR=str(__import__("pathlib").Path(native._effattn_path)
                                     .resolve().parent.parent))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    location, err = proc.stdout.split()
    assert location.startswith(str(target))
    assert float(err) < 1e-5

    # Without the variable and outside the source tree, the error says what to do.
    env.pop("EFFATTN_BUILD_DIR")
    proc = subprocess.run([sys.executable, "-c", "import effattn; effattn.compile('')"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    if "LibraryNotFoundError" in proc.stderr:  # unless installed on the loader's path
        assert "set EFFATTN_BUILD_DIR" in proc.stderr
