"""effattn: Python layer of the effattn MLIR dialect (builders, numpy reference, compile/run API).

The float64 numpy oracle lives in ``effattn.reference`` and has no other dependency.
"""
