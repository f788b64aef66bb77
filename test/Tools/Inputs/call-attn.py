"""Calls _mlir_ciface_attn of a shared library effattn-compile built for the
CPU from compile.mlir (causal softmax attention, memref<1x2x?x8xf32> in and
out) and compares it with numpy in float64."""

import ctypes
import sys

import numpy as np


def descriptor_type(rank):
    class Descriptor(ctypes.Structure):
        _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                    ("offset", ctypes.c_int64),
                    ("sizes", ctypes.c_int64 * rank),
                    ("strides", ctypes.c_int64 * rank)]
    return Descriptor


def describe(array):
    d = descriptor_type(array.ndim)()
    d.allocated = d.aligned = array.ctypes.data
    d.offset = 0
    d.sizes[:] = list(array.shape)
    d.strides[:] = [s // array.itemsize for s in array.strides]
    return d


def reference(q, k, v):
    t = q.shape[2]
    s = np.einsum("bhtd,bhsd->bhts", q, k) / np.sqrt(q.shape[3])
    s = np.where(np.tril(np.ones((t, t), bool)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return np.einsum("bhts,bhsd->bhtd", p / p.sum(-1, keepdims=True), v)


def main():
    lib = ctypes.CDLL(sys.argv[1])
    t = int(sys.argv[2])
    rng = np.random.default_rng(7)
    q, k, v = (np.ascontiguousarray(rng.standard_normal((1, 2, t, 8)),
                                    dtype=np.float32) for _ in range(3))
    out = descriptor_type(4)()
    args = [describe(x) for x in (q, k, v)]
    lib._mlir_ciface_attn(ctypes.byref(out), *(ctypes.byref(a) for a in args))
    shape = tuple(out.sizes)
    count = int(np.prod(shape))
    base = out.aligned + out.offset * 4
    got = np.ctypeslib.as_array((ctypes.c_float * count).from_address(base))
    got = got.reshape(shape).astype(np.float64)
    want = reference(*(x.astype(np.float64) for x in (q, k, v)))
    err = float(np.max(np.abs(got - want)))
    print(f"call-attn: T={t} shape={list(shape)} max_abs_err={err:.2e} "
          f"{'OK' if err < 1e-5 else 'WRONG'}")
    return 0 if err < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
