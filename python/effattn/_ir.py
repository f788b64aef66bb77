"""A small text emitter of MLIR for ``effattn.models``: one function, straight-line code,
tensors of f32 whose dynamic sizes are SSA index values.

Dense layers, norms, residuals and activations are ``linalg.generic`` ops (so any rank
works and nothing needs reshaping); reshapes are ``tensor.expand_shape`` /
``tensor.collapse_shape``; transposes ``linalg.transpose``; the attention and feed-forward
layers are effattn ops, written in their custom syntax.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

Dim = Union[int, str]  # a static size, or the SSA name of a dynamic one ("%T")


def tensor_type(dims: Sequence[Dim], elt: str = "f32") -> str:
    return "tensor<" + "".join(("?" if isinstance(d, str) else str(d)) + "x" for d in dims) + elt + ">"


def f32_literal(value: float) -> str:
    """An f32 constant as MLIR text: the shortest decimal of the f32 value as a double,
    which the parser turns back into exactly that f32."""
    v = np.float32(value)
    text = repr(float(v))
    short = np.format_float_scientific(v, unique=True, trim="-")
    if np.float32(float(short)) == v:  # the parser's path: decimal -> double -> f32
        text = repr(float(short))
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + ("e" + exponent if exponent else "")


def dense_hex(array: np.ndarray) -> str:
    """``dense<"0x...">``: the raw little-endian bytes of a float32 array."""
    a = np.ascontiguousarray(array, dtype="<f4")
    return 'dense<"0x' + a.tobytes().hex().upper() + '">'


_BODY_NAMES = {"%m", "%s", "%r", "%sq", "%mean", "%d", "%acc", "%var", "%ve", "%rs", "%n",
               "%ng", "%o", "%ms", "%me", "%out"} | {f"%in{i}" for i in range(8)}


class Value:
    """An SSA tensor value: its name and sizes."""

    __slots__ = ("name", "dims", "elt")

    def __init__(self, name: str, dims: Sequence[Dim], elt: str = "f32"):
        self.name = name
        self.dims = list(dims)
        self.elt = elt

    @property
    def type(self) -> str:
        return tensor_type(self.dims, self.elt)

    @property
    def rank(self) -> int:
        return len(self.dims)


def _map(n_loops: int, exprs: Sequence[str]) -> str:
    loops = ", ".join(f"d{i}" for i in range(n_loops))
    return f"affine_map<({loops}) -> ({', '.join(exprs)})>"


class FunctionBuilder:
    """Emits one ``func.func``. Arguments come first (``arg``), then the body."""

    def __init__(self, name: str):
        self.name = name
        self.args: List[Tuple[str, str]] = []
        self.lines: List[str] = []
        self.results: List[Value] = []
        self._count: Dict[str, int] = {}
        self._consts: Dict[Tuple[str, str], str] = {}
        # Names used inside linalg.generic bodies: never given to outer values, which
        # would be visible (and redefined) there.
        self._taken: set = set(_BODY_NAMES)

    # -- names and constants --------------------------------------------------------------

    def fresh(self, hint: str) -> str:
        n = self._count.get(hint, 0)
        while True:
            name = f"%{hint}" if n == 0 else f"%{hint}_{n}"
            n += 1
            if name not in self._taken:
                break
        self._count[hint] = n
        self._taken.add(name)
        return name

    def emit(self, line: str) -> None:
        self.lines.append("  " + line)

    def comment(self, text: str) -> None:
        self.lines.append("  // " + text)

    def index(self, value: int) -> str:
        key = ("index", str(value))
        if key not in self._consts:
            name = self.fresh(f"c{value}")
            self.emit(f"{name} = arith.constant {value} : index")
            self._consts[key] = name
        return self._consts[key]

    def f32(self, value: float, hint: str = "cst") -> str:
        lit = f32_literal(value)
        key = ("f32", lit)
        if key not in self._consts:
            name = self.fresh(hint)
            self.emit(f"{name} = arith.constant {lit} : f32")
            self._consts[key] = name
        return self._consts[key]

    # -- arguments ------------------------------------------------------------------------

    def arg(self, name: str, dims: Sequence[Optional[int]], dyn_names: Sequence[str] = ()) -> Value:
        """A tensor argument ``%name``; ``None`` sizes are dynamic and get SSA names from
        ``dyn_names`` (e.g. "T"), read with ``tensor.dim``."""
        ssa = "%" + name
        self._taken.add(ssa)
        it = iter(dyn_names)
        out: List[Dim] = []
        pending = []
        for i, d in enumerate(dims):
            if d is None:
                dname = "%" + next(it)
                self._taken.add(dname)
                out.append(dname)
                pending.append((dname, i))
            else:
                out.append(int(d))
        v = Value(ssa, out)
        self.args.append((ssa, v.type))
        for dname, i in pending:
            self.emit(f"{dname} = tensor.dim {ssa}, {self.index(i)} : {v.type}")
        return v

    # -- tensor creation ------------------------------------------------------------------

    def empty(self, dims: Sequence[Dim], hint: str = "init") -> Value:
        dyn = [d for d in dims if isinstance(d, str)]
        v = Value(self.fresh(hint), dims)
        self.emit(f"{v.name} = tensor.empty({', '.join(dyn)}) : {v.type}")
        return v

    def filled(self, dims: Sequence[Dim], value: float, hint: str = "zero") -> Value:
        e = self.empty(dims)
        c = self.f32(value)
        v = Value(self.fresh(hint), dims)
        self.emit(f"{v.name} = linalg.fill ins({c} : f32) outs({e.name} : {e.type}) -> {v.type}")
        return v

    # -- linalg.generic -------------------------------------------------------------------

    def generic(self, ins: Sequence[Tuple[Value, Sequence[str]]], out_dims: Sequence[Dim],
                out_exprs: Sequence[str], iterators: Sequence[str],
                body: Callable[..., Tuple[List[str], str]], init: Optional[Value] = None,
                hint: str = "v", name: Optional[str] = None) -> Value:
        """``linalg.generic`` over ``len(iterators)`` loops. ``ins`` pairs a value with its
        indexing expressions (``"d0"``...); ``body(*block_args)`` returns the body lines and
        the yielded value (block args: one per input, then the output)."""
        n = len(iterators)
        if init is None:
            init = self.empty(out_dims)
        maps = [_map(n, e) for _, e in ins] + [_map(n, out_exprs)]
        iters = ", ".join(f'"{it}"' for it in iterators)
        out = Value(name or self.fresh(hint), out_dims)
        ins_names = ", ".join(v.name for v, _ in ins)
        ins_types = ", ".join(v.type for v, _ in ins)
        block_args = [f"%in{i}" for i in range(len(ins))] + ["%out"]
        lines, result = body(*block_args)
        self.emit(f"{out.name} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = [{iters}]}}")
        self.emit(f"    ins({ins_names} : {ins_types}) outs({init.name} : {init.type}) {{")
        sig = ", ".join(f"{a}: f32" for a in block_args)
        self.lines.append(f"  ^bb0({sig}):")
        for line in lines:
            self.emit("  " + line)
        self.emit(f"  linalg.yield {result} : f32")
        self.emit(f"}} -> {out.type}")
        return out

    @staticmethod
    def _loops(rank: int) -> List[str]:
        return [f"d{i}" for i in range(rank)]

    def dense(self, x: Value, w: Value, b: Optional[Value] = None, hint: str = "y") -> Value:
        """``x @ w (+ b)`` over the last dim of ``x``: [..., D] x [D, E] -> [..., E]."""
        r = x.rank
        assert w.dims[0] == x.dims[-1], (x.dims, w.dims)
        out_dims = x.dims[:-1] + [w.dims[1]]
        name = self.fresh(hint)
        self.comment(f"{name} = {x.name} @ {w.name}" + (f" + {b.name}" if b is not None else ""))
        lead = self._loops(r - 1)
        e, red = f"d{r - 1}", f"d{r}"
        zero = self.filled(out_dims, 0.0, "zeros")
        y = self.generic(
            [(x, lead + [red]), (w, [red, e])], out_dims, lead + [e],
            ["parallel"] * r + ["reduction"],
            lambda a, bb, c: ([f"%m = arith.mulf {a}, {bb} : f32",
                               f"%s = arith.addf {c}, %m : f32"], "%s"),
            init=zero, hint=hint + "_mm", name=None if b is not None else name)
        if b is not None:
            y = self.add_last(y, b, name=name)
        return y

    def add_last(self, x: Value, b: Value, hint: str = "v", name: Optional[str] = None) -> Value:
        """``x + b`` with ``b`` ([E]) broadcast along the leading dims of ``x`` ([..., E])."""
        loops = self._loops(x.rank)
        return self.generic([(x, loops), (b, loops[-1:])], x.dims, loops,
                            ["parallel"] * x.rank,
                            lambda a, bb, c: ([f"%s = arith.addf {a}, {bb} : f32"], "%s"),
                            hint=hint, name=name)

    def add(self, x: Value, y: Value, hint: str = "v") -> Value:
        """Element-wise ``x + y`` (same shapes)."""
        loops = self._loops(x.rank)
        return self.generic([(x, loops), (y, loops)], x.dims, loops, ["parallel"] * x.rank,
                            lambda a, bb, c: ([f"%s = arith.addf {a}, {bb} : f32"], "%s"),
                            hint=hint)

    def relu(self, x: Value, hint: str = "v") -> Value:
        loops = self._loops(x.rank)
        zero = self.f32(0.0)
        return self.generic([(x, loops)], x.dims, loops, ["parallel"] * x.rank,
                            lambda a, c: ([f"%r = arith.maximumf {a}, {zero} : f32"], "%r"),
                            hint=hint)

    def sum_last(self, x: Value, square: bool = False, hint: str = "sum") -> Value:
        """Sum (of squares) over the last dim: [..., D] -> [...]."""
        r = x.rank
        lead = self._loops(r - 1)
        zero = self.filled(x.dims[:-1], 0.0, "zeros")

        def body(a, c):
            if square:
                return [f"%sq = arith.mulf {a}, {a} : f32", f"%s = arith.addf {c}, %sq : f32"], "%s"
            return [f"%s = arith.addf {c}, {a} : f32"], "%s"

        return self.generic([(x, lead + [f"d{r - 1}"])], x.dims[:-1], lead,
                            ["parallel"] * (r - 1) + ["reduction"], body, init=zero, hint=hint)

    def layer_norm(self, x: Value, gamma: Value, beta: Value, eps: float, hint: str = "ln") -> Value:
        """(x - mean) / sqrt(var + eps) * gamma + beta over the last dim (biased var)."""
        r = x.rank
        d = x.dims[-1]
        inv_d = self.f32(1.0 / d)
        eps_c = self.f32(eps)
        total = self.sum_last(x, hint=hint + "_sum")
        loops = self._loops(r)
        lead = loops[:-1]
        zero = self.filled(x.dims[:-1], 0.0, "zeros")
        var = self.generic(
            [(x, loops), (total, lead)], x.dims[:-1], lead,
            ["parallel"] * (r - 1) + ["reduction"],
            lambda a, s, c: ([f"%mean = arith.mulf {s}, {inv_d} : f32",
                              f"%d = arith.subf {a}, %mean : f32",
                              "%sq = arith.mulf %d, %d : f32",
                              f"%acc = arith.addf {c}, %sq : f32"], "%acc"),
            init=zero, hint=hint + "_sqdev")
        return self.generic(
            [(x, loops), (total, lead), (var, lead), (gamma, loops[-1:]), (beta, loops[-1:])],
            x.dims, loops, ["parallel"] * r,
            lambda a, s, v, g, b, c: ([f"%mean = arith.mulf {s}, {inv_d} : f32",
                                       f"%var = arith.mulf {v}, {inv_d} : f32",
                                       f"%ve = arith.addf %var, {eps_c} : f32",
                                       "%rs = math.sqrt %ve : f32",
                                       f"%d = arith.subf {a}, %mean : f32",
                                       "%n = arith.divf %d, %rs : f32",
                                       f"%ng = arith.mulf %n, {g} : f32",
                                       f"%o = arith.addf %ng, {b} : f32"], "%o"),
            hint=hint)

    def scale_norm(self, x: Value, g: Value, eps: float, hint: str = "sn") -> Value:
        """g * x / sqrt(mean(x^2) + eps) over the last dim; ``g`` is a scalar (rank 0)."""
        r = x.rank
        d = x.dims[-1]
        inv_d = self.f32(1.0 / d)
        eps_c = self.f32(eps)
        ss = self.sum_last(x, square=True, hint=hint + "_sumsq")
        loops = self._loops(r)
        return self.generic(
            [(x, loops), (ss, loops[:-1]), (g, [])], x.dims, loops, ["parallel"] * r,
            lambda a, s, gg, c: ([f"%ms = arith.mulf {s}, {inv_d} : f32",
                                  f"%me = arith.addf %ms, {eps_c} : f32",
                                  "%rs = math.sqrt %me : f32",
                                  f"%n = arith.divf {a}, %rs : f32",
                                  f"%o = arith.mulf %n, {gg} : f32"], "%o"),
            hint=hint)

    # -- shapes ---------------------------------------------------------------------------

    def expand(self, x: Value, reassociation: Sequence[Sequence[int]], dims: Sequence[Dim],
               hint: str = "v") -> Value:
        out = Value(self.fresh(hint), dims)
        reassoc = "[" + ", ".join("[" + ", ".join(map(str, g)) + "]" for g in reassociation) + "]"
        shape = "[" + ", ".join(str(d) for d in dims) + "]"
        self.emit(f"{out.name} = tensor.expand_shape {x.name} {reassoc} output_shape {shape}"
                  f" : {x.type} into {out.type}")
        return out

    def collapse(self, x: Value, reassociation: Sequence[Sequence[int]], hint: str = "v") -> Value:
        dims: List[Dim] = []
        for g in reassociation:
            sizes = [x.dims[i] for i in g]
            if len(sizes) == 1:
                dims.append(sizes[0])
            else:
                statics = [s for s in sizes if not isinstance(s, str)]
                dyn = [s for s in sizes if isinstance(s, str)]
                assert not dyn or all(s == 1 for s in statics) and len(dyn) == 1, sizes
                dims.append(dyn[0] if dyn else int(np.prod(statics)))
        out = Value(self.fresh(hint), dims)
        reassoc = "[" + ", ".join("[" + ", ".join(map(str, g)) + "]" for g in reassociation) + "]"
        self.emit(f"{out.name} = tensor.collapse_shape {x.name} {reassoc} : {x.type} into {out.type}")
        return out

    def transpose(self, x: Value, perm: Sequence[int], hint: str = "v",
                  name: Optional[str] = None) -> Value:
        dims = [x.dims[p] for p in perm]
        init = self.empty(dims)
        out = Value(name or self.fresh(hint), dims)
        self.emit(f"{out.name} = linalg.transpose ins({x.name} : {x.type}) outs({init.name} : "
                  f"{init.type}) permutation = [{', '.join(map(str, perm))}]")
        return out

    def split_heads(self, x: Value, heads: int, head_dim: int, hint: str = "v") -> Value:
        """[B, T, H*Dh] -> [B, H, T, Dh]."""
        b, t = x.dims[0], x.dims[1]
        name = self.fresh(hint)
        self.comment(f"{name}: {x.name} split into {heads} heads of {head_dim}, [B, H, T, Dh]")
        e = self.expand(x, [[0], [1], [2, 3]], [b, t, heads, head_dim], hint=hint + "_bthd")
        return self.transpose(e, [0, 2, 1, 3], name=name)

    def merge_heads(self, x: Value, hint: str = "v") -> Value:
        """[B, H, T, Dh] -> [B, T, H*Dh]."""
        t = self.transpose(x, [0, 2, 1, 3], hint=hint + "_bthd")
        return self.collapse(t, [[0], [1], [2, 3]], hint=hint)

    # -- raw ops --------------------------------------------------------------------------

    def op(self, text: str, dims: Sequence[Dim], hint: str = "v") -> Value:
        """``%name = <text>`` producing one tensor of ``dims``."""
        out = Value(self.fresh(hint), dims)
        self.emit(f"{out.name} = {text}")
        return out

    # -- output ---------------------------------------------------------------------------

    def ret(self, *values: Value) -> None:
        self.results = list(values)
        self.emit(f"return {', '.join(v.name for v in values)} : "
                  f"{', '.join(v.type for v in values)}")

    def text(self) -> str:
        args = ",\n".join(f"    {n}: {t}" for n, t in self.args)
        res = ", ".join(v.type for v in self.results)
        if len(self.results) != 1:
            res = f"({res})"
        return f"func.func @{self.name}(\n{args})\n    -> {res} {{\n" + "\n".join(self.lines) + "\n}\n"
