#!/usr/bin/env python3
"""Prints (or checks) the device code held by the gpu.binary ops of MLIR text.

effattn-to-nvvm leaves each kernel module as `gpu.binary @name [#gpu.object<
#nvvm.target<...>, ..., "<escaped PTX or cubin>">]`. This script reads such
IR (a file or stdin) and

    extract-gpu-binary.py out.mlir                 # every PTX, one after another
    extract-gpu-binary.py out.mlir --out-dir DIR   # DIR/<binary>.ptx (or .cubin)
    extract-gpu-binary.py out.mlir --ptxas PTXAS --arch sm_90a
        # runs `PTXAS -arch=ARCH -v` on each PTX and prints one line per
        # kernel: PTXAS <kernel> registers=N stack=N spill_stores=N
        # spill_loads=N smem=N OK (exit 1 when ptxas rejects one), then
        # PTXAS summary: N kernels, N failed, max registers=N,
        # stack bytes=N, spill bytes=N
    extract-gpu-binary.py out.mlir --only REGEX ...
        # only the binaries whose name matches REGEX
    extract-gpu-binary.py out.mlir --ptxas PTXAS --arch sm_90a --sass NVDISASM
        # also disassembles each cubin and prints, per binary, the count of
        # the SASS instructions that show the kernel uses the hardware:
        # SASS <binary> HMMA=N HGMMA=N LDSM=N LDGSTS128=N LDG128=N STG128=N
        # BF16=N (tensor-core MMAs, ldmatrix, 16-byte cp.async, 16-byte
        # global loads and stores, the MMAs on bf16)

Each PTX printed to stdout is preceded by `// gpu.binary @<name>`. With no
gpu.binary in the input it fails (exit 1), so a test cannot pass vacuously.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

BINARY = re.compile(r"gpu\.binary\s+@([A-Za-z0-9_$.]+)")
STRING = re.compile(r'"((?:[^"\\]|\\[0-9A-Fa-f]{2})*)"')


def unescape(text: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
        else:
            out.extend(c.encode("utf-8"))
            i += 1
    return bytes(out)


def binaries(ir: str):
    """(name, payload bytes) of every gpu.binary, in order."""
    found = []
    for line in ir.splitlines():
        m = BINARY.search(line)
        if not m:
            continue
        strings = STRING.findall(line[m.end():])
        if not strings:
            continue
        # The object's payload is its last string (after the properties).
        found.append((m.group(1), unescape(strings[-1])))
    return found


def is_ptx(payload: bytes) -> bool:
    return b".version" in payload[:4096] and b".target" in payload[:4096]


SASS_COUNTS = (("HMMA", r"\bHMMA\."), ("HGMMA", r"\bHGMMA\."),
               ("LDSM", r"\bLDSM\."), ("LDGSTS128", r"\bLDGSTS\.[A-Z.]*128"),
               ("LDG128", r"\bLDG\.E\.128"), ("STG128", r"\bSTG\.E\.128"),
               ("BF16", r"\bHMMA\.[0-9A-Z.]*\.BF16\b"))


def run_ptxas(ptxas, arch, name, ptx: bytes, nvdisasm=None):
    """ptxas -v's exit code and log, and (with `nvdisasm`) the cubin's SASS."""
    sass = None
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, name + ".ptx")
        cubin = os.path.join(tmp, name + ".cubin")
        with open(src, "wb") as fh:
            fh.write(ptx)
        proc = subprocess.run(
            [ptxas, f"-arch={arch}", "-v", src, "-o", cubin],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if nvdisasm and proc.returncode == 0:
            dis = subprocess.run([nvdisasm, cubin], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
            sass = dis.stdout if dis.returncode == 0 else None
    return proc.returncode, proc.stdout, sass


def report(name, log):
    """One line per kernel from ptxas -v."""
    lines = []
    kernel = None
    info = {}
    for line in log.splitlines():
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            if kernel:
                lines.append((kernel, info))
            kernel, info = m.group(1), {}
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, "
                      r"(\d+) bytes spill loads", line)
        if m:
            info["stack"], info["spill_stores"], info["spill_loads"] = m.groups()
        m = re.search(r"Used (\d+) registers", line)
        if m:
            info["registers"] = m.group(1)
        m = re.search(r"(\d+) bytes smem", line)
        if m:
            info["smem"] = m.group(1)
    if kernel:
        lines.append((kernel, info))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?", default="-")
    ap.add_argument("--out-dir")
    ap.add_argument("--ptxas")
    ap.add_argument("--arch", default="sm_80")
    ap.add_argument("--sass", metavar="NVDISASM",
                    help="with --ptxas: count tensor-core and wide-memory "
                         "SASS instructions of each cubin")
    ap.add_argument("--only", metavar="REGEX",
                    help="only the binaries whose name REGEX matches (a "
                         "search); none matching is an error")
    args = ap.parse_args()
    ir = sys.stdin.read() if args.input == "-" else open(args.input).read()
    found = binaries(ir)
    if not found:
        print("extract-gpu-binary: no gpu.binary with a payload in the input",
              file=sys.stderr)
        return 1
    if args.only:
        found = [(n, p) for n, p in found if re.search(args.only, n)]
        if not found:
            print(f"extract-gpu-binary: no gpu.binary name matches "
                  f"'{args.only}'", file=sys.stderr)
            return 1
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        for name, payload in found:
            ext = "ptx" if is_ptx(payload) else "cubin"
            with open(os.path.join(args.out_dir, f"{name}.{ext}"), "wb") as fh:
                fh.write(payload)
        return 0
    if args.ptxas:
        rc = 0
        totals = {"kernels": 0, "failed": 0, "max_registers": 0, "stack": 0,
                  "spill_stores": 0, "spill_loads": 0}
        for name, payload in found:
            if not is_ptx(payload):
                print(f"PTXAS {name}: not PTX (format=isa?) FAIL")
                rc = 1
                continue
            code, log, sass = run_ptxas(args.ptxas, args.arch, name, payload,
                                        args.sass)
            if code != 0:
                print(f"PTXAS {name}: ptxas exit {code} FAIL")
                sys.stdout.write(log[-4000:])
                totals["failed"] += 1
                rc = 1
                continue
            kernels = report(name, log)
            if not kernels:
                print(f"PTXAS {name}: no entry function reported FAIL")
                totals["failed"] += 1
                rc = 1
            for kernel, info in kernels:
                totals["kernels"] += 1
                totals["max_registers"] = max(totals["max_registers"],
                                              int(info.get("registers", 0)))
                for key in ("stack", "spill_stores", "spill_loads"):
                    totals[key] += int(info.get(key, 0))
                fields = " ".join(
                    f"{k}={info.get(k, '0')}"
                    for k in ("registers", "stack", "spill_stores",
                              "spill_loads", "smem"))
                print(f"PTXAS {kernel} {fields} OK")
            if args.sass:
                if sass is None:
                    print(f"SASS {name}: nvdisasm failed FAIL")
                    rc = 1
                else:
                    counts = " ".join(
                        f"{key}={len(re.findall(pattern, sass))}"
                        for key, pattern in SASS_COUNTS)
                    print(f"SASS {name} {counts}")
        print("PTXAS summary: {kernels} kernels, {failed} failed, "
              "max registers={max_registers}, stack bytes={stack}, "
              "spill bytes={spill}".format(
                  spill=totals["spill_stores"] + totals["spill_loads"],
                  **totals))
        return rc
    for name, payload in found:
        sys.stdout.write(f"// gpu.binary @{name}\n")
        if is_ptx(payload):
            sys.stdout.write(payload.decode("utf-8", errors="replace"))
        else:
            sys.stdout.write(f"// {len(payload)} bytes of binary\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
