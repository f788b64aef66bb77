"""effattn: Python layer of the effattn MLIR dialect (builders, numpy reference, compile/run API).

    import numpy as np, effattn
    model = effattn.models.flash_lm(layers=2, d_model=256, expansion=2, s=128,
                                    chunk_size=64, causal=True, seed=0)
    print(model.mlir)                          # the effattn IR, weights as arguments
    exe = effattn.compile(model, target="cpu") # JIT-compiled; weights bound
    x = np.random.randn(1, 300, 256).astype(np.float32)
    y = exe(x)
    ref = effattn.reference.run(model, x)      # float64 numpy oracle

* ``effattn.compile`` (``effattn/executable.py``): JIT-compiles a model, MLIR text or a
  ``.mlir`` path for the CPU through ``libEffAttnExecutionEngine.so`` (found via
  ``$EFFATTN_BUILD_DIR``, see ``effattn/_native.py``), returning a callable ``Executable``.
* ``effattn.models``: builders of small efficient-attention models as effattn IR.
* ``effattn.reference``: the float64 numpy oracle of every op (no dependency beyond numpy;
  the compiled library is loaded only by ``compile``), and ``reference.run(model, x)``.
"""

from . import models, reference
from .executable import CompileError, Executable, TensorType, compile

__all__ = ["compile", "models", "reference", "Executable", "TensorType", "CompileError"]
