#!/usr/bin/env python3
"""CPU cost scaling of every core effattn op, side by side with numpy.

For each op and each T in --lengths, the script writes a function with static
shapes, draws the inputs with numpy (seeded, standard normal), and runs
`effattn-run --input ... --repeat=N --json --output-dir` (the default
pipeline: the efficient schedules). In the same run it times a numpy
(float32, OpenBLAS) implementation of the same math on the same inputs and
checks that the two results agree (relative RMS error), so every timed kernel
is also checked. Cost is CPU time (the median over --repeat calls after a
warm-up: effattn-run's thread CPU time, numpy's process CPU time with
single-threaded BLAS), which a busy 2-core machine disturbs far less than
wall time; wall times are recorded too. It reports cost(Tmax)/cost(Tmin) per op (ideal for
1024 -> 8192: 8 for the linear-time ops, 64 for softmax and quad attention)
and, at --numpy-length, effattn's time over numpy's.

Usage: bench/cpu/scaling.py [--build build] [--lengths 1024,2048,4096,8192]
       [--repeat 5] [--ops softmax_attention,...] [--out FILE.json]
"""
import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

# The compiled code runs on one thread: compare with single-threaded BLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# One batch, one head, head dims 64: the point is how cost grows with T.
DK = DV = 64
C = 64  # chunk size of mixed_chunk and linear attention
R = 256  # Linformer / FLuRKA projected length
P = 4  # Shatter partitions
D, DFF, N, RC = 512, 2048, 32, 64  # sparse FFN: model, hidden, block, controller
EPS = 1e-6
OPS = ["softmax_attention", "quad_attention", "mixed_chunk_attention",
       "linear_attention", "lowrank_attention", "lowrank_kernel_attention",
       "partitioned_attention", "sparse_ffn"]


def ty(*dims):
    return "tensor<%sx%s>" % ("x".join(str(d) for d in dims), "f32")


def program(op, T):
    """(argument types, op text, result types) of `op` at length T."""
    q, v = ty(1, 1, T, DK), ty(1, 1, T, DV)
    if op == "softmax_attention":
        return [q, q, v], "effattn.softmax_attention %a0, %a1, %a2 causal", [v]
    if op == "quad_attention":
        return [q, q, v], "effattn.quad_attention %a0, %a1, %a2 causal", [v]
    if op == "mixed_chunk_attention":
        return ([q, q, q, q, v],
                "effattn.mixed_chunk_attention %a0, %a1, %a2, %a3, %a4 "
                "chunk_size = {} causal".format(C), [v])
    if op == "linear_attention":
        return ([q, q, v], "effattn.linear_attention %a0, %a1, %a2 "
                "causal chunk_size = {}".format(C), [v])
    if op in ("lowrank_attention", "lowrank_kernel_attention"):
        e = ty(R, T)
        return ([q, q, v, e, e],
                "effattn.%s %%a0, %%a1, %%a2, %%a3, %%a4" % op, [v])
    if op == "partitioned_attention":
        return ([q, q, ty(1, 1, P, T, DV), ty(P, 2 * T - 1)],
                "effattn.partitioned_attention %a0, %a1, %a2, %a3 causal", [v])
    if op == "sparse_ffn":
        return ([ty(T, D), ty(D, RC), ty(RC, DFF), ty(DFF), ty(D, DFF),
                 ty(DFF, D)],
                "effattn.sparse_ffn %a0, %a1, %a2, %a3, %a4, %a5 "
                "block_size = {}".format(N),
                [ty(T, D), "tensor<%dx%dxi32>" % (T, DFF // N)])
    raise ValueError(op)


def flops(op, T):
    """PERFORMANCE.md's formulas, B = H = 1."""
    if op in ("softmax_attention", "quad_attention"):
        return 4 * T * T * DK / 2  # causal halves
    if op == "mixed_chunk_attention":
        return T * (2 * C * (DK + DV) / 2 + 4 * DK * DV)
    if op == "linear_attention":
        return T * 4 * DK * DV
    if op in ("lowrank_attention", "lowrank_kernel_attention"):
        return 2 * R * T * (DK + DV) + 4 * T * R * DK
    if op == "partitioned_attention":
        return 2 * T * T * DK / 2 + 2 * P * T * T * DV / 2
    if op == "sparse_ffn":
        return T * (2 * D * RC + 2 * RC * DFF + 4 * D * DFF // N)
    raise ValueError(op)


# ---------------------------------------------------------------------------
# numpy versions of the same math (float32), written for speed: batched
# matmuls, chunked where the op is chunked. Inputs are 2-D [T, D] views.
# ---------------------------------------------------------------------------


def causal(T):
    return np.tril(np.ones((T, T), bool))


def np_softmax(q, k, v):
    s = (q @ k.T) * np.float32(1 / np.sqrt(DK))
    s = np.where(causal(len(q)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ v


def np_quad(q, k, v):
    a = np.maximum((q @ k.T) * np.float32(1 / len(k)), 0) ** 2
    return np.where(causal(len(q)), a, 0) @ v


def chunks(x):
    return x.reshape(-1, C, x.shape[-1])  # T % C == 0 here


def np_mixed(qq, kq, ql, kl, v):
    G = len(qq) // C
    a = np.maximum(chunks(qq) @ chunks(kq).transpose(0, 2, 1) / C, 0) ** 2
    quad = np.where(causal(C), a, 0) @ chunks(v)
    per_chunk = chunks(kl).transpose(0, 2, 1) @ chunks(v)  # [G, Dk, Dv]
    state = np.cumsum(per_chunk, 0) - per_chunk  # exclusive prefix
    factor = np.zeros((G, 1, 1), np.float32)
    factor[1:, 0, 0] = 1.0 / (np.arange(1, G) * C)
    lin = factor * (chunks(ql) @ state)
    return (quad + lin).reshape(len(qq), -1)


def elu1(x):
    return np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))


def np_linear(q, k, v):
    pq, pk = chunks(elu1(q)), chunks(elu1(k))
    a = np.where(causal(C), pq @ pk.transpose(0, 2, 1), 0)
    kv = pk.transpose(0, 2, 1) @ chunks(v)
    state = np.cumsum(kv, 0) - kv
    z = np.cumsum(pk.sum(1), 0) - pk.sum(1)  # [G, Dk]
    num = a @ chunks(v) + pq @ state
    den = a.sum(-1) + np.einsum("gcd,gd->gc", pq, z) + EPS
    return (num / den[..., None]).reshape(len(q), -1)


def np_lowrank(q, k, v, e, f):
    kk, vv = e @ k, f @ v
    s = (q @ kk.T) * np.float32(1 / np.sqrt(DK))
    p = np.exp(s - s.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)) @ vv


def np_lowrank_kernel(q, k, v, e, f):
    pk, vv = elu1(e @ k), f @ v
    pq = elu1(q)
    return (pq @ (pk.T @ vv)) / (pq @ pk.sum(0) + EPS)[:, None]


def np_partitioned(q, k, vp, pi):
    T = len(q)
    s = (q @ k.T) * np.float32(1 / np.sqrt(DK))
    s = np.where(causal(T), s, -np.inf)
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    r = np.arange(T)[:, None] - np.arange(T)[None, :] + T - 1
    out = np.zeros((T, vp.shape[-1]), np.float32)
    for p in range(len(pi)):
        out += (a * pi[p][r]) @ vp[p]
    return out


def np_sparse_ffn(x, cd, cu, cb, w1, w2):
    logits = ((x @ cd) @ cu + cb).reshape(len(x), DFF // N, N)
    u = np.arange(DFF // N) * N + logits.argmax(-1)  # [T, Dff/N]
    h = np.maximum(np.einsum("td,tbd->tb", x, w1.T[u]), 0)
    return np.einsum("tb,tbd->td", h, w2[u])


NUMPY = {"softmax_attention": np_softmax, "quad_attention": np_quad,
         "mixed_chunk_attention": np_mixed, "linear_attention": np_linear,
         "lowrank_attention": np_lowrank,
         "lowrank_kernel_attention": np_lowrank_kernel,
         "partitioned_attention": np_partitioned,
         "sparse_ffn": np_sparse_ffn}


def make_inputs(op, T, rng):
    args, _, _ = program(op, T)
    arrays = []
    for a in args:
        shape = [int(d) for d in a[len("tensor<"):-1].split("x")[:-1]]
        x = rng.standard_normal(shape).astype(np.float32)
        if op in ("lowrank_attention", "lowrank_kernel_attention") and \
                len(shape) == 2:
            x /= np.float32(np.sqrt(T))  # keep projected keys O(1)
        arrays.append(x)
    return arrays


def numpy_args(op, arrays):
    """The numpy function's arguments: attention operands as 2-D [T, D]."""
    if op == "sparse_ffn":
        return arrays
    out = []
    for x in arrays:
        if x.ndim == 4:
            out.append(x[0, 0])
        elif x.ndim == 5:
            out.append(x[0, 0])  # [P, T, Dv]
        else:
            out.append(x)
    return out


def median_ms(fn, repeat):
    """Median CPU and wall milliseconds of `fn()`, and its result."""
    result = fn()  # warm-up
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - c0) * 1e3)
        wall.append((time.perf_counter() - w0) * 1e3)
    return float(np.median(cpu)), float(np.median(wall)), result


def rel_rms(got, ref):
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    return float(np.sqrt(np.mean((got - ref) ** 2) / np.mean(ref ** 2)))


def run_case(build, op, T, repeat, workdir, with_numpy):
    args, line, results = program(op, T)
    names = ", ".join("%%a%d: %s" % (i, a) for i, a in enumerate(args))
    res = ", ".join(results)
    lhs = ", ".join("%%r%d" % i for i in range(len(results)))
    text = ("func.func @main(%s) -> (%s) {\n  %s = %s\n      : (%s) -> (%s)\n"
            "  return %s : %s\n}\n" % (names, res, lhs, line, ", ".join(args),
                                      res, lhs, res))
    case_dir = os.path.join(workdir, "%s_%d" % (op, T))
    os.makedirs(case_dir, exist_ok=True)
    path = os.path.join(case_dir, "main.mlir")
    with open(path, "w") as f:
        f.write(text)
    arrays = make_inputs(op, T, np.random.default_rng(T))
    cmd = [os.path.join(build, "bin", "effattn-run"), path, "--entry=main"]
    for i, x in enumerate(arrays):
        np.save(os.path.join(case_dir, "in%d.npy" % i), x)
        cmd += ["--input", os.path.join(case_dir, "in%d.npy" % i)]
    out_dir = os.path.join(case_dir, "out")
    cmd += ["--repeat=%d" % repeat, "--json", "--output-dir", out_dir]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit("effattn-run failed: %s\n%s" % (shlex.join(cmd), proc.stderr))
    summary = json.loads(proc.stdout)
    row = {"op": op, "T": T, "effattn_ms": summary["median_cpu_ms"],
           "effattn_wall_ms": summary["median_ms"], "flop": flops(op, T),
           "command": shlex.join(cmd)}
    row["effattn_gflops"] = row["flop"] / row["effattn_ms"] / 1e6
    if with_numpy:
        nargs = numpy_args(op, arrays)
        row["numpy_ms"], row["numpy_wall_ms"], ref = median_ms(
            lambda: NUMPY[op](*nargs), repeat)
        got = np.load(os.path.join(out_dir, "result0.npy")).reshape(ref.shape)
        row["rel_rms_vs_numpy"] = rel_rms(got, ref)
        row["effattn_over_numpy"] = row["effattn_ms"] / row["numpy_ms"]
    return row


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--lengths", default="1024,2048,4096,8192")
    parser.add_argument("--ops", default=",".join(OPS))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--numpy-length", type=int, default=4096)
    parser.add_argument("--numpy-max-length", type=int, default=8192,
                        help="numpy (and the agreement check) up to this T; "
                        "partitioned attention's numpy forms [T, T] per "
                        "partition and stops at 4096")
    parser.add_argument("--tolerance", type=float, default=1e-4,
                        help="max relative RMS between effattn and numpy")
    parser.add_argument("--out", default=os.path.join(
        ROOT, "bench", "results", "cpu-scaling.json"))
    args = parser.parse_args()
    lengths = [int(x) for x in args.lengths.split(",")]
    ops = args.ops.split(",")
    for op in ops:
        if op not in OPS:
            parser.error("unknown op %s (known: %s)" % (op, ", ".join(OPS)))

    rows, failures = [], []
    print("%-26s %6s %11s %9s %11s %9s %10s" % (
        "op", "T", "effattn ms", "GFLOP/s", "numpy ms", "ratio", "rel RMS"))
    with tempfile.TemporaryDirectory() as workdir:
        for op in ops:
            for T in lengths:
                limit = 4096 if op == "partitioned_attention" else \
                    args.numpy_max_length
                row = run_case(args.build, op, T, args.repeat, workdir,
                               with_numpy=T <= limit)
                rows.append(row)
                if row.get("rel_rms_vs_numpy", 0) > args.tolerance:
                    failures.append("%s T=%d rel RMS %.2e" % (
                        op, T, row["rel_rms_vs_numpy"]))
                print("%-26s %6d %11.2f %9.2f %11s %9s %10s" % (
                    op, T, row["effattn_ms"], row["effattn_gflops"],
                    "%.2f" % row["numpy_ms"] if "numpy_ms" in row else "-",
                    "%.2f" % row["effattn_over_numpy"]
                    if "numpy_ms" in row else "-",
                    "%.1e" % row["rel_rms_vs_numpy"]
                    if "numpy_ms" in row else "-"), flush=True)

    print("\n%-26s %18s %18s" % (
        "op", "cost(%d)/cost(%d)" % (lengths[-1], lengths[0]),
        "effattn/numpy@%d" % args.numpy_length))
    scaling, vs_numpy = {}, {}
    for op in ops:
        times = {r["T"]: r for r in rows if r["op"] == op}
        scaling[op] = times[lengths[-1]]["effattn_ms"] / \
            times[lengths[0]]["effattn_ms"]
        at = times.get(args.numpy_length, {})
        vs_numpy[op] = at.get("effattn_over_numpy")
        print("%-26s %18.1f %18s" % (
            op, scaling[op], "%.2f" % vs_numpy[op] if vs_numpy[op] else "-"))

    result = {
        "command": shlex.join([sys.executable] + sys.argv),
        "machine": {"node": platform.node(), "machine": platform.machine(),
                    "cpus": os.cpu_count(), "numpy": np.__version__},
        "shapes": {"B": 1, "H": 1, "Dk": DK, "Dv": DV, "chunk": C,
                   "lowrank_R": R, "partitions": P, "sparse_ffn":
                   {"D": D, "Dff": DFF, "block_size": N, "ctrl_rank": RC},
                   "dtype": "f32",
                   "causal": "softmax, quad, mixed_chunk, linear, partitioned"},
        "flop_formulas": "see flops() in bench/cpu/scaling.py "
                         "(PERFORMANCE.md conventions)",
        "timing": "*_ms: median CPU time of --repeat calls after a warm-up "
                  "(effattn: effattn-run --repeat --json median_cpu_ms, the "
                  "calling thread, JIT compile excluded; numpy: "
                  "time.process_time, OPENBLAS_NUM_THREADS=1); *_wall_ms: "
                  "the same calls' median wall time",
        "rows": rows, "scaling": scaling, "effattn_over_numpy": vs_numpy,
        "failures": failures,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print("\nwrote", args.out)
    if failures:
        print("effattn and numpy disagree: " + "; ".join(failures),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
