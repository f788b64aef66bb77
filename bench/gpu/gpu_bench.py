#!/usr/bin/env python3
"""GPU benchmark of effattn's kernels against PyTorch, in one call on a GPU machine.

Two steps, so that the GPU machine (whose time is short) only runs:

  bench/gpu/gpu_bench.py build [--chip sm_90a]      (here: no GPU needed)
      writes bench/gpu/artifacts/bench.mlir (bf16, dynamic B and T), compiles
      it with effattn-compile into bench_<chip>.so (CUDA, scalar kernels),
      bench_<chip>_tc.so (CUDA, --tensor-cores: bf16 mma.sync kernels for the
      contractions) and bench_cpu.so (the same functions for the CPU), and
      copies the CUDA runtime next to them.
  bench/gpu/gpu_bench.py check-cpu                    (here)
      calls bench_cpu.so through the same ctypes harness as `run`, on small
      random inputs, against the float64 oracle (python/effattn/reference.py):
      proves the harness (descriptors, result struct, bf16) without a GPU.
  bench/gpu/gpu_bench.py run [--out DIR] [--quick]    (on the GPU machine, torch)
      for every configuration: checks effattn's result (both libraries)
      against a float32 PyTorch reference on fresh random inputs, then times
      effattn (effattn_*: scalar kernels, effattn_tc_*: tensor cores) and the
      peers side by side: SDPA (flash backend) for softmax attention; eager
      and torch.compile versions of quad, mixed-chunk and linear attention; a
      FLASH layer (gau, mixed chunk) against an MHA + SDPA layer of the same
      width; sparse_ffn decode against the dense FFN and its memory-bound
      limit. Measures the bf16 GEMM peak and the copy bandwidth in the same
      run. Prints a table and writes gpu-bench.json (with the command) to
      --out (default bench/results/).

The effattn entry points are the `_mlir_ciface_<name>` functions of the
library: memref descriptors in (device pointers from torch tensors), a result
descriptor (or a struct of them) out, whose buffer the library allocated with
mgpuMemAlloc: it is copied into a torch tensor and freed. Every call
synchronises the library's streams before it returns, so wall time around the
call is the kernel time plus launch and allocation overhead.

FLOP formulas (../shared/docs/PERFORMANCE.md): softmax and quad attention
4·B·H·T·S·D (half when causal); mixed chunk B·H·T·(2·C·(Dk+Dv) + 4·Dk·Dv)
(causal: the quad term halves); linear attention B·H·T·4·F·Dv; sparse FFN per
token 2·D·R + 2·R·Dff + 4·D·Dff/N.
"""
import argparse
import ctypes
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ARTIFACTS = os.path.join(HERE, "artifacts")

# Configurations. Attention: tokens B·T = 16k, H·D = 2048 (H = 2048 / D).
LENGTHS = [512, 2048, 8192, 16384]
HEAD_DIMS = [64, 128]
CHUNK = 256  # mixed-chunk attention
LIN_D = 128  # linear attention head dim (H = 16)
# FLASH layer: model width, expansion, shared dim; MHA at the same width.
LAYER_D, LAYER_E, LAYER_S, MHA_HEADS = 1024, 2048, 128, 16
# sparse FFN decode (Scaling Transformers): d, Dff, block N, controller rank.
FFN_D, FFN_DFF, FFN_N, FFN_R = 4096, 16384, 64, 128
TOKENS = 16384
EPS = 1e-6


def heads(d):
    return 2048 // d


# ----------------------------------------------------------------------------
# The IR: one function per (op, head dim, causal)
# ----------------------------------------------------------------------------

def tt(*dims, elt="bf16"):
    return "tensor<%sx%s>" % ("x".join("?" if d is None else str(d) for d in dims), elt)


def functions():
    """name -> (argument types, body op text, result types, metadata)."""
    fns = {}
    for d in HEAD_DIMS:
        h = heads(d)
        x = tt(None, h, None, d)
        for causal in (False, True):
            sfx = "_causal" if causal else ""
            c = " causal" if causal else ""
            fns["softmax_d%d%s" % (d, sfx)] = (
                [x, x, x], "effattn.softmax_attention %a0, %a1, %a2" + c, [x],
                dict(op="softmax_attention", d=d, h=h, causal=causal))
            fns["quad_d%d%s" % (d, sfx)] = (
                [x, x, x], "effattn.quad_attention %a0, %a1, %a2" + c, [x],
                dict(op="quad_attention", d=d, h=h, causal=causal))
            fns["mixed_d%d%s" % (d, sfx)] = (
                [x] * 5,
                "effattn.mixed_chunk_attention %%a0, %%a1, %%a2, %%a3, %%a4 "
                "chunk_size = %d%s" % (CHUNK, c), [x],
                dict(op="mixed_chunk_attention", d=d, h=h, causal=causal))
    x = tt(None, heads(LIN_D), None, LIN_D)
    fns["linear_d%d" % LIN_D] = (
        [x, x, x], "effattn.linear_attention %a0, %a1, %a2", [x],
        dict(op="linear_attention", d=LIN_D, h=heads(LIN_D), causal=False))
    D, E, S = LAYER_D, LAYER_E, LAYER_S
    fns["flash_layer"] = (
        [tt(None, None, D), tt(D, E), tt(D, E), tt(D, S), tt(E, D), tt(4, S), tt(4, S)],
        "effattn.gau %%a0, %%a1, %%a2, %%a3, %%a4, %%a5, %%a6 attention mixed_chunk "
        "chunk_size = %d causal" % CHUNK, [tt(None, None, D)],
        dict(op="gau", causal=True))
    fns["sparse_ffn_decode"] = (
        [tt(None, FFN_D), tt(FFN_D, FFN_R), tt(FFN_R, FFN_DFF), tt(FFN_DFF),
         tt(FFN_D, FFN_DFF), tt(FFN_DFF, FFN_D)],
        "effattn.sparse_ffn %%a0, %%a1, %%a2, %%a3, %%a4, %%a5 block_size = %d" % FFN_N,
        [tt(None, FFN_D)], dict(op="sparse_ffn"))
    return fns


def module_text(elt="bf16"):
    out = ["// Generated by bench/gpu/gpu_bench.py build: the benchmark's functions."]
    for name, (args, body, results, _) in functions().items():
        args = [a.replace("bf16", elt) for a in args]
        results = [r.replace("bf16", elt) for r in results]
        params = ", ".join("%%a%d: %s" % (i, a) for i, a in enumerate(args))
        res = ", ".join(results)
        out.append("func.func @%s(%s) -> %s {" % (name, params, res))
        # linear_attention prints its results in parentheses.
        op_res = "(%s)" % res if "linear_attention" in body else res
        out.append("  %%r = %s : (%s) -> %s" % (body, ", ".join(args), op_res))
        out.append("  return %%r : %s" % res)
        out.append("}")
    return "\n".join(out) + "\n"


def write_mlir(directory, name, text):
    """Writes `text` to directory/name; returns the path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def compile_library(build_dir, mlir, out, flags):
    """effattn-compile `mlir` --emit=so -o `out` `flags`, echoing the command;
    returns the finished process (its stderr captured)."""
    cmd = [os.path.join(build_dir, "bin", "effattn-compile"), mlir, "--emit=so",
           "-o", out] + flags
    print("+", " ".join(shlex.quote(c) for c in cmd), flush=True)
    return subprocess.run(cmd, stderr=subprocess.PIPE, text=True)


def build(args):
    mlir = write_mlir(ARTIFACTS, "bench.mlir", module_text())
    cuda = ["--target=cuda", "--chip=" + args.chip]
    for out, flags in (("bench_%s.so" % args.chip, cuda),
                       ("bench_%s_tc.so" % args.chip, cuda + ["--tensor-cores"]),
                       ("bench_cpu.so", ["--target=cpu"])):
        proc = compile_library(args.build, mlir, os.path.join(ARTIFACTS, out), flags)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            sys.exit(proc.returncode)
    copy_runtime(args.build)
    total = sum(os.path.getsize(os.path.join(ARTIFACTS, f)) for f in os.listdir(ARTIFACTS))
    print("artifacts in %s (%.1f MB); carry bench/gpu/artifacts to the GPU machine"
          % (ARTIFACTS, total / 1e6))


def copy_runtime(build_dir):
    """The CUDA runtime next to the libraries that need it."""
    shutil.copy(os.path.join(build_dir, "lib", "libeffattn_cuda_runtime.so"), ARTIFACTS)


# ----------------------------------------------------------------------------
# The ctypes harness (shared by check-cpu, run and effattn_tune.py)
# ----------------------------------------------------------------------------

def descriptor_type(rank):
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type("Memref%dD" % rank, (ctypes.Structure,), {"_fields_": fields})


def make_descriptor(pointer, shape):
    desc = descriptor_type(len(shape))()
    desc.allocated = desc.aligned = pointer
    desc.offset = 0
    stride = 1
    for i in reversed(range(len(shape))):
        desc.sizes[i] = shape[i]
        desc.strides[i] = stride
        stride *= shape[i]
    return desc


class Library:
    """The `_mlir_ciface_` entries of one compiled library."""

    def __init__(self, path, runtime=None):
        if runtime:
            # Loaded first and globally: the library's NEEDED entry resolves to it.
            self.runtime = ctypes.CDLL(runtime, mode=ctypes.RTLD_GLOBAL)
        self.lib = ctypes.CDLL(path)

    def call(self, name, arg_pointers, arg_shapes, result_ranks):
        """Calls `name`; returns [(allocated, aligned, offset, shape)] per result."""
        descs = [make_descriptor(p, s) for p, s in zip(arg_pointers, arg_shapes)]
        types = [descriptor_type(r) for r in result_ranks]
        if len(types) == 1:
            result = types[0]()
        else:
            result = type("Results", (ctypes.Structure,),
                          {"_fields_": [("r%d" % i, t) for i, t in enumerate(types)]})()
        fn = getattr(self.lib, "_mlir_ciface_" + name)
        fn.restype = None
        fn(ctypes.byref(result), *[ctypes.byref(d) for d in descs])
        parts = [result] if len(types) == 1 else [getattr(result, "r%d" % i)
                                                  for i in range(len(types))]
        return [(p.allocated, p.aligned, p.offset,
                 [p.sizes[i] for i in range(r)] if r else [])
                for p, r in zip(parts, result_ranks)]


def device_caller(lib, name, tensors, out_like=None):
    """A function that calls `name` on the device tensors `tensors` and returns
    its result as a torch tensor (dtype and device of `out_like`, by default
    the last tensor), freeing the library's buffer."""
    import torch
    rt = lib.runtime
    rt.mgpuMemFree.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    rt.mgpuMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                              ctypes.c_void_p]
    tensors = [t.contiguous() for t in tensors]
    out_like = tensors[-1] if out_like is None else out_like

    def call():
        res = lib.call(name, [t.data_ptr() for t in tensors],
                       [list(t.shape) for t in tensors], [out_like.dim()])
        alloc, aligned, offset, shape = res[0]
        out = torch.empty(shape, dtype=out_like.dtype, device=out_like.device)
        rt.mgpuMemcpy(out.data_ptr(), aligned + offset * out.element_size(),
                      out.numel() * out.element_size(), None)
        torch.cuda.synchronize()
        rt.mgpuMemFree(alloc, None)
        return out
    return call


def median_ms(fn, reps):
    """Median wall time of `fn` in ms over `reps` calls, after one warm-up."""
    import torch
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3


def bf16_bits(a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    bits = a.view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def bits_to_f32(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def check_cpu(args):
    """The harness on the CPU library at small sizes, against the oracle."""
    sys.path.insert(0, os.path.join(ROOT, "python"))
    from effattn import reference as ref  # noqa: E402
    lib = Library(os.path.join(ARTIFACTS, "bench_cpu.so"))
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    rng = np.random.default_rng(0)
    failures = 0
    fns = functions()
    cases = ["softmax_d64_causal", "quad_d64", "mixed_d128_causal", "linear_d128"]
    def call_and_check(name, arrays, want):
        """Calls `name` on `arrays` (rounded to bf16), compares with `want`."""
        nonlocal failures
        bits = [bf16_bits(a) for a in arrays]
        out = lib.call(name, [b.ctypes.data for b in bits], [list(a.shape) for a in arrays],
                       [want.ndim])
        alloc, aligned, offset, oshape = out[0]
        n = int(np.prod(oshape))
        got = np.ctypeslib.as_array(
            ctypes.cast(aligned + 2 * offset, ctypes.POINTER(ctypes.c_uint16)), (n,))
        got = bits_to_f32(got.copy()).reshape(oshape)
        libc.free(alloc)
        err = np.sqrt(np.mean((got - want) ** 2)) / max(np.sqrt(np.mean(want ** 2)), 1e-30)
        ok = err <= 2e-2
        failures += not ok
        print("%-22s shape %-18s rel RMS error %.2e  %s"
              % (name, "x".join(map(str, oshape)), err, "ok" if ok else "FAIL"))

    r64 = lambda a: bits_to_f32(bf16_bits(a)).astype(np.float64)
    for name in cases:
        args_t, _, _, meta = fns[name]
        shape = [1, meta["h"], 300, meta["d"]]
        xs = [rng.standard_normal(shape) for _ in args_t]
        xr = [r64(x) for x in xs]
        causal = meta["causal"]
        if meta["op"] == "softmax_attention":
            want = ref.softmax_attention(*xr, causal=causal)
        elif meta["op"] == "quad_attention":
            want = ref.quad_attention(*xr, causal=causal)
        elif meta["op"] == "mixed_chunk_attention":
            want = ref.mixed_chunk_attention(*xr, chunk_size=CHUNK, causal=causal)
        else:
            want = ref.linear_attention(*xr)
            want = want[0] if isinstance(want, tuple) else want
        call_and_check(name, xs, want)

    # The layer and the decode step: shapes of their own.
    D, E, S, T = LAYER_D, LAYER_E, LAYER_S, 2 * CHUNK
    layer = [rng.standard_normal((1, T, D)), rng.standard_normal((D, E)) / D ** 0.5,
             rng.standard_normal((D, E)) / D ** 0.5, rng.standard_normal((D, S)) / D ** 0.5,
             rng.standard_normal((E, D)) / E ** 0.5, 1 + 0.1 * rng.standard_normal((4, S)),
             0.1 * rng.standard_normal((4, S))]
    call_and_check("flash_layer", layer,
                   ref.gau(*[r64(a) for a in layer], attention="mixed_chunk",
                           chunk_size=CHUNK, causal=True))
    ffn = [rng.standard_normal((1, FFN_D)), rng.standard_normal((FFN_D, FFN_R)) / FFN_D ** 0.5,
           rng.standard_normal((FFN_R, FFN_DFF)) / FFN_R ** 0.5, np.zeros(FFN_DFF),
           rng.standard_normal((FFN_D, FFN_DFF)) / FFN_D ** 0.5,
           rng.standard_normal((FFN_DFF, FFN_D)) / FFN_DFF ** 0.5]
    call_and_check("sparse_ffn_decode", ffn,
                   ref.sparse_ffn(*[r64(a) for a in ffn], block_size=FFN_N)[0])
    cases += ["flash_layer", "sparse_ffn_decode"]
    print("check-cpu: %d of %d failed" % (failures, len(cases)))
    return 1 if failures else 0


# Eager math of the peers (float32 references use the same functions); torch
# is imported by the callers, on the GPU machine.
def quad_ref(q, k, v, causal):
    import torch
    s = q @ k.transpose(-1, -2) / k.shape[-2]
    a = torch.relu(s) ** 2
    if causal:
        T = q.shape[-2]
        a = a.masked_fill(torch.ones(T, T, device=q.device, dtype=torch.bool).triu(1), 0)
    return a @ v


def mixed_ref(qq, kq, ql, kl, v, causal, C=CHUNK):
    import torch
    B, H, T, D = qq.shape
    G = T // C  # the benchmark's T are multiples of C
    r = lambda x: x.reshape(B, H, G, C, x.shape[-1])
    qq, kq, ql, kl, vv = r(qq), r(kq), r(ql), r(kl), r(v)
    a = torch.relu(qq @ kq.transpose(-1, -2) / C) ** 2
    if causal:
        a = a.masked_fill(torch.ones(C, C, device=qq.device, dtype=torch.bool).triu(1), 0)
    quad = a @ vv
    kv = kl.transpose(-1, -2) @ vv  # [B,H,G,Dk,Dv]
    if causal:
        state = torch.cumsum(kv, dim=2) - kv
        g = torch.arange(G, device=qq.device).clamp_min(1).to(qq.dtype) * C
        lin = (ql @ state) / g.view(1, 1, G, 1, 1)
    else:
        lin = (ql @ kv.sum(dim=2, keepdim=True)) / T
    return (quad + lin).reshape(B, H, T, -1)


def linear_ref(q, k, v):
    import torch.nn.functional as F
    fq, fk = F.elu(q) + 1, F.elu(k) + 1
    state = fk.transpose(-1, -2) @ v
    z = fk.sum(dim=-2)
    return (fq @ state) / ((fq * z.unsqueeze(-2)).sum(-1, keepdim=True) + EPS)


# ----------------------------------------------------------------------------
# run: on the GPU machine
# ----------------------------------------------------------------------------

def run(args):
    import torch
    import torch.nn.functional as F

    dev = torch.device("cuda")
    props = torch.cuda.get_device_properties(0)
    chip = args.chip
    runtime = os.path.join(ARTIFACTS, "libeffattn_cuda_runtime.so")
    # The two builds of the same functions: row keys effattn_* and effattn_tc_*.
    libs = {"effattn": Library(os.path.join(ARTIFACTS, "bench_%s.so" % chip), runtime),
            "effattn_tc": Library(os.path.join(ARTIFACTS, "bench_%s_tc.so" % chip), runtime)}
    torch.manual_seed(0)
    fns = functions()
    rows = []
    started = time.time()

    def over_budget():
        return time.time() - started > args.budget

    timed = median_ms

    def reps_for(first_ms):
        return max(1, min(args.repeat, int(2000 / max(first_ms, 1e-3))))

    def rel_rms(got, want):
        got, want = got.float(), want.float()
        return float(((got - want).pow(2).mean().sqrt() / want.pow(2).mean().sqrt().clamp_min(1e-30)))

    # Ceilings measured in this run.
    a = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    gemm_ms = timed(lambda: a @ a, 10)
    gemm_peak = 2 * 8192 ** 3 / gemm_ms / 1e9
    big = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
    copy_ms = timed(lambda: big.clone(), 10)
    bandwidth = 2 * big.numel() / copy_ms / 1e6  # GB/s
    del a, big
    print("bf16 GEMM peak %.0f TFLOP/s, copy bandwidth %.0f GB/s" % (gemm_peak, bandwidth))

    # The peers' math against the float64 oracle first (small, on the CPU):
    # a wrong peer would make every comparison below meaningless.
    sys.path.insert(0, os.path.join(ROOT, "python"))
    from effattn import reference as oracle  # noqa: E402
    gen = np.random.default_rng(1)
    small = [gen.standard_normal((1, 2, 2 * CHUNK, 64)) for _ in range(5)]
    ts = [torch.from_numpy(a) for a in small]
    peer_checks = {
        "quad_causal": (quad_ref(*ts[:3], True), oracle.quad_attention(*small[:3], causal=True)),
        "mixed_causal": (mixed_ref(*ts, True),
                         oracle.mixed_chunk_attention(*small, chunk_size=CHUNK, causal=True)),
        "mixed": (mixed_ref(*ts, False),
                  oracle.mixed_chunk_attention(*small, chunk_size=CHUNK)),
        "linear": (linear_ref(*ts[:3]), oracle.linear_attention(*small[:3])),
    }
    for key, (got, want) in peer_checks.items():
        want = want[0] if isinstance(want, tuple) else want
        err = np.sqrt(np.mean((got.numpy() - want) ** 2) / np.mean(want ** 2))
        print("peer %-13s vs float64 oracle: rel RMS error %.1e" % (key, err))
        if err > 1e-9:
            print("the peer's math is wrong; stopping")
            return 1

    compiled = {}

    def compiled_fn(key, fn):
        if args.no_compile:
            return None
        if key not in compiled:
            compiled[key] = torch.compile(fn, dynamic=False)
        return compiled[key]

    def measure(row, name, tensors, out_like, want, reps=None):
        """Checks and times `name` in each library: <lib>_rel_rms_error,
        <lib>_correct, <lib>_ms (and `correct`: every library's result is)."""
        for key, lib in libs.items():
            call = device_caller(lib, name, tensors, out_like)
            t0 = time.perf_counter()
            try:
                err = rel_rms(call(), want)
            except Exception as e:  # recorded; the row counts as incorrect
                row[key + "_error"] = str(e).splitlines()[0][:200]
                row[key + "_correct"] = False
                continue
            first_ms = (time.perf_counter() - t0) * 1e3
            row[key + "_rel_rms_error"] = err
            row[key + "_correct"] = err <= 2e-2
            row[key + "_ms"] = timed(call, reps or reps_for(first_ms))
        row["correct"] = all(row[key + "_correct"] for key in libs)

    def record(row):
        rows.append(row)
        print("  ".join("%s=%s" % (k, ("%.4g" % v) if isinstance(v, float) else v)
                        for k, v in row.items()), flush=True)

    lengths = [512, 2048] if args.quick else LENGTHS
    for name, (_, _, _, meta) in fns.items():
        op = meta["op"]
        if op not in ("softmax_attention", "quad_attention", "mixed_chunk_attention",
                      "linear_attention"):
            continue
        for T in lengths:
            if over_budget():
                break
            d, h, causal = meta["d"], meta["h"], meta["causal"]
            B = max(1, TOKENS // T)
            n_in = 5 if op == "mixed_chunk_attention" else 3
            xs = [torch.randn(B, h, T, d, device=dev, dtype=torch.bfloat16)
                  for _ in range(n_in)]
            if op == "softmax_attention":
                flop = 4 * B * h * T * T * d * (0.5 if causal else 1)
                peer = lambda: F.scaled_dot_product_attention(*xs, is_causal=causal)
                want = F.scaled_dot_product_attention(*[x.float() for x in xs],
                                                      is_causal=causal)
                peers = {"sdpa": peer}
            elif op == "quad_attention":
                flop = 4 * B * h * T * T * d * (0.5 if causal else 1)
                want = quad_ref(*[x.float() for x in xs], causal)
                peers = {"eager": lambda: quad_ref(*xs, causal)}
                cf = compiled_fn(("quad", causal), quad_ref)
                if cf:
                    peers["compile"] = lambda: cf(*xs, causal)
            elif op == "mixed_chunk_attention":
                flop = B * h * T * (2 * CHUNK * 2 * d * (0.5 if causal else 1) + 4 * d * d)
                want = mixed_ref(*[x.float() for x in xs], causal)
                peers = {"eager": lambda: mixed_ref(*xs, causal)}
                cf = compiled_fn(("mixed", causal), mixed_ref)
                if cf:
                    peers["compile"] = lambda: cf(*xs, causal)
            else:
                flop = B * h * T * 4 * d * d
                want = linear_ref(*[x.float() for x in xs])
                peers = {"eager": lambda: linear_ref(*xs)}
                cf = compiled_fn(("linear",), linear_ref)
                if cf:
                    peers["compile"] = lambda: cf(*xs)
            row = dict(fn=name, op=op, B=B, H=h, T=T, D=d, causal=causal, flop=flop)
            measure(row, name, xs, xs[-1], want)
            for key in libs:
                if key + "_ms" in row:
                    row[key + "_tflops"] = flop / row[key + "_ms"] / 1e9
                    row[key + "_frac_gemm_peak"] = row[key + "_tflops"] / gemm_peak
            reps = reps_for(min(row.get(k + "_ms", 1e3) for k in libs))
            for peer_name, fn in peers.items():
                try:
                    ms = timed(fn, max(3, reps))
                    row[peer_name + "_ms"] = ms
                    row[peer_name + "_tflops"] = flop / ms / 1e9
                except Exception as e:  # a peer that fails is recorded, not fatal
                    row[peer_name + "_error"] = str(e).splitlines()[0][:200]
            record(row)
            del xs, want

    # FLASH layer (gau, mixed chunk, causal) vs MHA + SDPA at the same width.
    D, E, S = LAYER_D, LAYER_E, LAYER_S
    for T in ([2048] if args.quick else [2048, 8192]):
        if over_budget():
            break
        B = max(1, TOKENS // T)
        x = torch.randn(B, T, D, device=dev, dtype=torch.bfloat16)
        w = lambda *s: (torch.randn(*s, device=dev) / s[0] ** 0.5).to(torch.bfloat16)
        wu, wv, wz, wo = w(D, E), w(D, E), w(D, S), w(E, D)
        gamma = (1 + 0.1 * torch.randn(4, S, device=dev)).to(torch.bfloat16)
        beta = (0.1 * torch.randn(4, S, device=dev)).to(torch.bfloat16)
        params = [x, wu, wv, wz, wo, gamma, beta]

        def gau_ref(x, wu, wv, wz, wo, gamma, beta):
            u, v, z = F.silu(x @ wu), F.silu(x @ wv), F.silu(x @ wz)
            qk = z.unsqueeze(-2) * gamma + beta  # [B,T,4,S]
            qq, kq, ql, kl = [qk[..., i, :].unsqueeze(1) for i in range(4)]
            o = mixed_ref(qq, kq, ql, kl, v.unsqueeze(1), True).squeeze(1)
            return (u * o) @ wo

        want = gau_ref(*[p.float() for p in params])
        wqkv, wout = w(D, 3 * D), w(D, D)

        def mha():
            qkv = (x @ wqkv).view(B, T, 3, MHA_HEADS, D // MHA_HEADS).permute(2, 0, 3, 1, 4)
            o = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=True)
            return o.transpose(1, 2).reshape(B, T, D) @ wout

        row = dict(fn="flash_layer", op="gau", B=B, T=T, D=D, E=E, S=S, causal=True)
        measure(row, "flash_layer", params, x, want, args.repeat)
        row["gau_eager_ms"] = timed(lambda: gau_ref(*params), args.repeat)
        row["mha_sdpa_ms"] = timed(mha, args.repeat)
        for key in libs:
            if key + "_ms" in row:
                row[key + "_speedup_vs_mha"] = row["mha_sdpa_ms"] / row[key + "_ms"]
        record(row)

    # sparse_ffn decode (batch 1) vs dense FFN and the memory-bound limit.
    if not over_budget():
        Dm, Dff, N, R = FFN_D, FFN_DFF, FFN_N, FFN_R
        x = torch.randn(1, Dm, device=dev, dtype=torch.bfloat16)
        w = lambda *s: (torch.randn(*s, device=dev) / s[0] ** 0.5).to(torch.bfloat16)
        cd, cu, cb = w(Dm, R), w(R, Dff), torch.zeros(Dff, device=dev, dtype=torch.bfloat16)
        w1, w2 = w(Dm, Dff), w(Dff, Dm)
        params = [x, cd, cu, cb, w1, w2]

        def ffn_ref(x, cd, cu, cb, w1, w2):
            logits = ((x @ cd) @ cu + cb).view(-1, Dff // N, N)
            sel = logits.argmax(-1) + torch.arange(Dff // N, device=dev) * N  # [1, Dff/N]
            h = torch.relu(torch.einsum("td,dk->tk", x, w1[:, sel[0]]))
            return h @ w2[sel[0], :]

        want = ffn_ref(*[p.float() for p in params])
        must_read = 2 * (Dm * R + R * Dff + Dff + (Dff // N) * 2 * Dm + 2 * Dm)
        row = dict(fn="sparse_ffn_decode", op="sparse_ffn", D=Dm, Dff=Dff, N=N, R=R,
                   bytes_must_read=must_read)
        measure(row, "sparse_ffn_decode", params, x, want, args.repeat)
        row["dense_ms"] = timed(lambda: torch.relu(x @ w1) @ w2, args.repeat)
        row["memory_bound_ms"] = must_read / (bandwidth * 1e6)
        for key in libs:
            if key + "_ms" in row:
                row[key + "_x_memory_bound"] = row[key + "_ms"] / row["memory_bound_ms"]
                row[key + "_speedup_vs_dense"] = row["dense_ms"] / row[key + "_ms"]
        record(row)

    result = dict(
        command="python3 bench/gpu/gpu_bench.py run " + " ".join(sys.argv[2:]),
        machine=dict(gpu=props.name, sm="%d.%d" % (props.major, props.minor),
                     memory_gb=props.total_memory / 2 ** 30, host=platform.node(),
                     torch=torch.__version__, cuda=torch.version.cuda),
        chip=chip, dtype="bf16", gemm_peak_tflops=gemm_peak, copy_bandwidth_gbs=bandwidth,
        flop_formulas=__doc__.split("FLOP formulas")[1].strip(),
        rows=rows, incomplete=over_budget())
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "gpu-bench.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    bad = [r["fn"] for r in rows if not r.get("correct")]
    print("wrote %s; %d rows, %d incorrect%s" % (path, len(rows), len(bad),
                                                 (": " + ", ".join(bad)) if bad else ""))
    return 1 if bad else 0


def command_parser(doc):
    """The argument parser both bench scripts share: subcommands, `build`
    with --build and --chip."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--build", default=os.path.join(ROOT, "build"))
    b.add_argument("--chip", default="sm_90a")
    return p, sub


def main():
    p, sub = command_parser(__doc__)
    sub.add_parser("check-cpu")
    sub.add_parser("ir", help="print the benchmark's IR")
    r = sub.add_parser("run")
    r.add_argument("--chip", default="sm_90a")
    r.add_argument("--out", default=os.environ.get("OUT", os.path.join(ROOT, "bench", "results")))
    r.add_argument("--repeat", type=int, default=10)
    r.add_argument("--budget", type=float, default=480, help="seconds before skipping the rest")
    r.add_argument("--quick", action="store_true")
    r.add_argument("--no-compile", action="store_true", help="skip the torch.compile peers")
    args = p.parse_args()
    if args.cmd == "build":
        build(args)
        return 0
    if args.cmd == "ir":
        sys.stdout.write(module_text())
        return 0
    if args.cmd == "check-cpu":
        return check_cpu(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
