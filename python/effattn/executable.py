"""``effattn.compile``: JIT-compile effattn IR (or a model of ``effattn.models``) for the
CPU and call it with numpy arrays.

Arrays in and out:

* ``f32`` arguments take ``float32`` arrays (any byte order); ``i32`` ones ``int32``.
* ``f16`` arguments take ``float16`` arrays, or ``float32`` rounded to nearest-even.
* ``bf16`` arguments take ``uint16`` arrays holding bf16 bit patterns, or ``float32``
  arrays rounded to nearest-even (numpy has no bf16 dtype). ``bf16`` results come back as
  ``float32`` arrays holding the exact bf16 values (``effattn.executable.bf16_bits`` turns
  them into bit patterns).
* Other dtypes (``float64`` included) are rejected with a ``TypeError`` naming the argument,
  what it expects and what it got: cast with ``.astype(np.float32)``.
* Any strides are accepted: every call copies its arguments into fresh C-ordered buffers
  (the compiled code may update an argument buffer in place, e.g. a carried state), so
  the caller's arrays are never modified and non-contiguous arrays just work.
* Shapes are checked before anything runs: the rank and static sizes against the entry's
  signature (``ValueError``), and dynamic sizes that must agree between arguments (a ``q``
  with T = 17 and a gate with T = 18) against the shape rules of the effattn ops that read
  them. A wrong number of arguments is a ``TypeError``.

A function with one result returns an array; with several, a tuple of arrays.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _native

__all__ = ["compile", "Executable", "TensorType", "CompileError", "bf16_bits", "bf16_to_f32",
           "f32_to_bf16_bits", "CPU_TARGETS", "GPU_TARGETS"]

CPU_TARGETS = ("cpu", "host", "llvm")
GPU_TARGETS = ("cuda", "gpu", "nvptx", "nvvm")


class CompileError(RuntimeError):
    """The module does not parse, verify, lower or JIT-compile; the message holds every
    MLIR diagnostic."""


# ---------------------------------------------------------------------------------------
# bf16 helpers
# ---------------------------------------------------------------------------------------


def f32_to_bf16_bits(x) -> np.ndarray:
    """float32 values -> bf16 bit patterns (uint16), rounded to nearest-even; NaN stays a
    (quiet) NaN."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = ((u + (0x7FFF + ((u >> 16) & 1))) >> 16).astype(np.uint16)
    return np.where(np.isnan(u.view(np.float32)), np.uint16(0x7FC0), rounded).astype(np.uint16)


def bf16_to_f32(bits) -> np.ndarray:
    """bf16 bit patterns (uint16) -> the exact float32 values."""
    b = np.ascontiguousarray(bits, dtype=np.uint16)
    return (b.astype(np.uint32) << 16).view(np.float32)


def bf16_bits(x) -> np.ndarray:
    """The bf16 bit patterns of float32 values that are exactly representable in bf16 (e.g.
    a bf16 result): alias of ``f32_to_bf16_bits``."""
    return f32_to_bf16_bits(x)


# ---------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------


class TensorType:
    """An argument or result of the entry: ``shape`` (None where dynamic), ``dtype`` (one of
    'f32', 'f16', 'bf16', 'i32') and ``mlir`` (its MLIR spelling)."""

    __slots__ = ("name", "shape", "dtype", "mlir")

    def __init__(self, name: str, shape: Tuple[Optional[int], ...], dtype: str, mlir: str):
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.mlir = mlir

    @property
    def rank(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"TensorType({self.name!r}, {self.mlir})"


_NUMPY_RESULT = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16, "i32": np.int32}
_ITEMSIZE = {"f32": 4, "f16": 2, "bf16": 2, "i32": 4}
_ACCEPTS = {
    "f32": "float32",
    "f16": "float16 (or float32, rounded)",
    "bf16": "uint16 bf16 bit patterns (or float32, rounded)",
    "i32": "int32",
}


def _fmt_shape(shape) -> str:
    return "[" + ", ".join("?" if s is None else str(s) for s in shape) + "]"


# ---------------------------------------------------------------------------------------
# Executable
# ---------------------------------------------------------------------------------------


class Executable:
    """A JIT-compiled entry function. Call it with numpy arrays (see the module docstring).

    ``arguments`` are the arguments the caller passes; ``results`` what it returns.
    For a model, ``arguments`` are the model's activations only (its weights are bound).
    """

    def __init__(self, ir: str, entry: str, options: str, *, bound: Sequence[np.ndarray] = (),
                 argument_names: Optional[Sequence[str]] = None, validate=None,
                 source_name: str = "module"):
        self._lib = _native.library()
        self._handle = None
        self.entry = entry
        self.options = options
        self._source_name = source_name
        error = ctypes.c_void_p()
        data = ir.encode("utf-8")
        handle = self._lib.effattnExecutableCreate(data, len(data), entry.encode("utf-8"),
                                                   options.encode("utf-8"),
                                                   ctypes.byref(error))
        if not handle:
            message = _native.take_string(self._lib, error)
            raise CompileError(f"effattn: {source_name}: {message}")
        self._handle = ctypes.c_void_p(handle)

        n_args = self._lib.effattnExecutableGetNumArguments(self._handle)
        n_results = self._lib.effattnExecutableGetNumResults(self._handle)
        all_args = [self._type("Argument", i, f"#{i}") for i in range(n_args)]
        self._all_arguments = all_args
        n_bound = len(bound)
        if n_bound > n_args:
            raise ValueError(f"effattn: @{entry} takes {n_args} arguments, {n_bound} are bound")
        self._n_user = n_args - n_bound
        if argument_names is not None:
            if len(argument_names) != self._n_user:
                raise ValueError(f"effattn: {len(argument_names)} argument names for "
                                 f"{self._n_user} arguments of @{entry}")
            for t, name in zip(all_args, argument_names):
                t.name = name
        self.arguments: List[TensorType] = all_args[: self._n_user]
        self.results: List[TensorType] = [
            self._type("Result", i, f"result #{i}") for i in range(n_results)]
        self._result_words = self._lib.effattnExecutableGetResultWords(self._handle)
        self._validate = validate
        self._checked_shapes: Optional[tuple] = None
        # Bound arguments (a model's weights), converted once.
        self._bound = [self._convert(all_args[self._n_user + i], self._n_user + i, np.asarray(a))
                       for i, a in enumerate(bound)]

    def _type(self, what: str, index: int, name: str) -> TensorType:
        elt = ctypes.c_int()
        rank = ctypes.c_int64()
        shape = ctypes.POINTER(ctypes.c_int64)()
        getattr(self._lib, f"effattnExecutableGet{what}")(
            self._handle, index, ctypes.byref(elt), ctypes.byref(rank), ctypes.byref(shape))
        dims = tuple(None if shape[i] == _native.DYNAMIC_SIZE else int(shape[i])
                     for i in range(rank.value))
        mlir = getattr(self._lib, f"effattnExecutableGet{what}TypeString")(self._handle, index)
        return TensorType(name, dims, _native.ELEMENT_TYPES[elt.value], mlir.decode())

    # -- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Releases the compiled code (also done when the object is collected)."""
        if self._handle is not None:
            self._lib.effattnExecutableDestroy(self._handle)
            self._handle = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        args = ", ".join(f"{t.name}: {t.mlir}" for t in self.arguments)
        res = ", ".join(t.mlir for t in self.results)
        return f"<effattn.Executable @{self.entry}({args}) -> ({res})>"

    # -- arguments ------------------------------------------------------------------------

    def _what(self, t: TensorType, index: int) -> str:
        label = f"argument #{index}"
        if t.name != f"#{index}":
            label += f" ({t.name})"
        return f"effattn: @{self.entry} {label}"

    def _convert(self, t: TensorType, index: int, a) -> np.ndarray:
        """A fresh C-ordered native array of ``t``'s storage type (uint16 for bf16)."""
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{self._what(t, index)}: expected a numpy array "
                            f"({_ACCEPTS[t.dtype]}), got {type(a).__name__}")
        kind, size = a.dtype.kind, a.dtype.itemsize
        if a.ndim != t.rank or any(w is not None and w != g for w, g in zip(t.shape, a.shape)):
            raise ValueError(f"{self._what(t, index)}: shape {list(a.shape)} does not match "
                             f"{t.mlir} (expected {_fmt_shape(t.shape)})")
        if t.dtype == "f32" and kind == "f" and size == 4:
            return np.array(a, dtype=np.float32, order="C", copy=True)
        if t.dtype == "i32" and kind == "i" and size == 4:
            return np.array(a, dtype=np.int32, order="C", copy=True)
        if t.dtype == "f16" and kind == "f" and size in (2, 4):
            return np.array(a, dtype=np.float16, order="C", copy=True)
        if t.dtype == "bf16" and kind == "u" and size == 2:
            return np.array(a, dtype=np.uint16, order="C", copy=True)
        if t.dtype == "bf16" and kind == "f" and size == 4:
            return f32_to_bf16_bits(a)
        raise TypeError(f"{self._what(t, index)}: dtype {a.dtype}, expected "
                        f"{_ACCEPTS[t.dtype]} for {t.dtype} ({t.mlir})")

    def _check_shapes(self, arrays: List[np.ndarray]) -> None:
        shapes = tuple(a.shape for a in arrays)
        if shapes == self._checked_shapes:
            return
        rows = [(ctypes.c_int64 * max(1, len(s)))(*s) for s in shapes]
        table = (ctypes.POINTER(ctypes.c_int64) * max(1, len(rows)))(
            *[ctypes.cast(r, ctypes.POINTER(ctypes.c_int64)) for r in rows])
        error = ctypes.c_void_p()
        if not self._lib.effattnExecutableCheckShapes(self._handle, table, ctypes.byref(error)):
            message = _native.take_string(self._lib, error)
            got = ", ".join(f"{t.name}: {list(s)}" for t, s in
                            zip(self._all_arguments[: self._n_user], shapes))
            raise ValueError(f"effattn: {message} (arguments: {got})")
        self._checked_shapes = shapes

    # -- calling --------------------------------------------------------------------------

    def __call__(self, *args):
        if self._handle is None:
            raise RuntimeError(f"effattn: @{self.entry} was closed")
        if len(args) != self._n_user:
            names = ", ".join(t.name for t in self.arguments)
            plural = "" if self._n_user == 1 else "s"
            raise TypeError(f"effattn: @{self.entry} takes {self._n_user} argument{plural} "
                            f"({names}), got {len(args)}")
        arrays = [self._convert(t, i, a) for i, (t, a) in enumerate(zip(self.arguments, args))]
        if self._validate is not None:
            self._validate(*args)
        # Bound arguments get fresh copies too: the compiled code may write into them.
        arrays += [b.copy() for b in self._bound]
        self._check_shapes(arrays)
        return self._invoke(arrays)

    def _invoke(self, arrays: List[np.ndarray]):
        descriptors = []
        for a in arrays:
            ptr = a.ctypes.data
            strides = [s // a.itemsize for s in a.strides] if a.ndim else []
            if a.size == 0:
                strides = [1] * a.ndim
            words = [ptr, ptr, 0, *a.shape, *strides]
            descriptors.append((ctypes.c_int64 * len(words))(*words))
        argv = (ctypes.c_void_p * max(1, len(descriptors)))(
            *[ctypes.cast(d, ctypes.c_void_p) for d in descriptors])
        results = (ctypes.c_int64 * max(1, self._result_words))()
        error = ctypes.c_void_p()
        ok = self._lib.effattnExecutableInvoke(self._handle, argv, results, ctypes.byref(error))
        if not ok:
            raise RuntimeError(f"effattn: @{self.entry}: "
                               f"{_native.take_string(self._lib, error)}")
        try:
            outputs = []
            at = 0
            for t in self.results:
                aligned, offset = results[at + 1], results[at + 2]
                shape = tuple(results[at + 3 + i] for i in range(t.rank))
                n = int(np.prod(shape, dtype=np.int64))
                dtype = _NUMPY_RESULT[t.dtype]
                if n == 0:
                    out = np.zeros(shape, dtype=dtype)
                else:
                    start = aligned + offset * _ITEMSIZE[t.dtype]
                    buf = (ctypes.c_char * (n * _ITEMSIZE[t.dtype])).from_address(start)
                    out = np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
                if t.dtype == "bf16":
                    out = bf16_to_f32(out)
                outputs.append(out)
                at += 3 + 2 * t.rank
        finally:
            self._lib.effattnExecutableFreeResults(self._handle, argv, results)
        if not outputs:
            return None
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


# ---------------------------------------------------------------------------------------
# compile
# ---------------------------------------------------------------------------------------

_FUNC_RE = re.compile(r"func\.func\s+(?:(?:public|private|nested)\s+)?@([\w$.\-]+)\s*\(")


def _pipeline_options(reference: bool, options: Dict[str, object]) -> str:
    parts = [f"reference={'true' if reference else 'false'}"]
    for key, value in options.items():
        if value is None:
            continue
        name = key.replace("_", "-")
        if isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        if any(c.isspace() for c in text) or text == "":
            text = "{" + text + "}"
        parts.append(f"{name}={text}")
    return " ".join(parts)


def compile(model_or_ir, target: str = "cpu", entry: Optional[str] = None,
            reference: bool = False, **pipeline_options) -> Executable:
    """JIT-compiles ``model_or_ir`` for ``target`` and returns an ``Executable``.

    ``model_or_ir``: a model from ``effattn.models`` (its weights are bound; the executable
    takes the model's activations), MLIR text, or a ``pathlib.Path`` to a ``.mlir`` file.
    ``entry``: the function to call (default: the model's entry, or the only function of
    the module). ``reference=True`` lowers through the plain reference semantics instead
    of the efficient schedules. ``pipeline_options`` are the other options of the
    ``effattn-to-llvm`` pipeline with ``-`` spelled ``_``: ``query_tile``, ``key_tile``,
    ``chunk_size``, ``tuning_table``.

    ``target``: "cpu" (the host, through LLVM's JIT). "cuda" raises
    ``NotImplementedError``: the GPU path is not available from Python yet.

    Errors: a ``Path`` that cannot be read raises its ``OSError`` (``FileNotFoundError``,
    ``PermissionError``, ``IsADirectoryError``); text that is not UTF-8, a module that does
    not parse, verify or lower, and bad ``pipeline_options`` values raise ``CompileError``.
    """
    if not isinstance(target, str):
        raise TypeError(f"effattn.compile: target must be a string, got {type(target).__name__}")
    t = target.lower()
    if t in GPU_TARGETS:
        raise NotImplementedError(
            f"effattn.compile: target={target!r}: the GPU path is not available from Python "
            f"yet (effattn.compile runs the effattn-to-llvm pipeline on the host); use "
            f"target='cpu'")
    if t not in CPU_TARGETS:
        raise ValueError(f"effattn.compile: unknown target {target!r}; expected 'cpu' "
                         f"(or 'cuda', not available from Python yet)")
    options = _pipeline_options(bool(reference), pipeline_options)

    # A model of effattn.models (duck-typed: .mlir, .entry, .weight_arrays(), .inputs).
    if hasattr(model_or_ir, "weight_arrays") and hasattr(model_or_ir, "mlir"):
        model = model_or_ir
        if entry is not None and entry != model.entry:
            raise ValueError(f"effattn.compile: the model's entry is @{model.entry}, "
                             f"got entry={entry!r}")
        return Executable(model.mlir, model.entry, options, bound=model.weight_arrays(),
                          argument_names=[i.name for i in model.inputs],
                          validate=model.validate_inputs, source_name=f"model {model.name}")

    if entry is not None and (not isinstance(entry, str) or "\0" in entry):
        raise TypeError(f"effattn.compile: entry must be a function name (a string without "
                        f"NUL characters), got {entry!r}")
    source_name = "module"
    if isinstance(model_or_ir, Path):
        source_name = str(model_or_ir)
        # OSError (missing, unreadable, a directory) propagates with the path in it.
        data = model_or_ir.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise CompileError(f"effattn: {source_name}: not MLIR text (byte "
                               f"0x{data[e.start]:02x} at offset {e.start} is not UTF-8)") from None
    elif isinstance(model_or_ir, str):
        text = model_or_ir
    else:
        raise TypeError(f"effattn.compile: expected a model of effattn.models, MLIR text or a "
                        f"pathlib.Path, got {type(model_or_ir).__name__}")
    if entry is None:
        names = _FUNC_RE.findall(text)
        if len(names) != 1:
            found = ", ".join("@" + n for n in names) or "none"
            raise ValueError(f"effattn.compile: {source_name} has {len(names)} functions "
                             f"({found}); pass entry=NAME")
        entry = names[0]
    return Executable(text, entry, options, source_name=source_name)
