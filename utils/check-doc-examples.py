#!/usr/bin/env python3
"""Checks that every ```mlir example of the generated dialect docs verifies.

Each example uses SSA values it does not define; they become the arguments of
a wrapper function whose types are read off the example's functional type.
Usage: check-doc-examples.py DOC.md EFFATTN_OPT
"""
import re
import subprocess
import sys


def split_types(text):
    """Splits a comma-separated type list at top-level commas."""
    types, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            types.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        types.append(cur.strip())
    return types


def wrap(example):
    text = " ".join(example.split())
    lhs, rhs = text.split(" = ", 1)
    body, sig = rhs.split(" : ", 1)
    operand_types = split_types(sig[sig.index("(") + 1:sig.index(") ->")])
    operands = []
    for name in re.findall(r"%[A-Za-z_][\w]*", body):
        if name not in operands:
            operands.append(name)
    if len(operands) != len(operand_types):
        raise ValueError(f"cannot pair operands {operands} with {operand_types}")
    args = ", ".join(f"{n}: {t}" for n, t in zip(operands, operand_types))
    return f"func.func @example({args}) {{\n  {text}\n  return\n}}\n"


def main():
    doc, opt = sys.argv[1], sys.argv[2]
    examples = re.findall(r"```mlir\n(.*?)```", open(doc).read(), re.S)
    failures = 0
    for example in examples:
        try:
            module = wrap(example)
        except ValueError as err:
            print(f"error: {err}\n{example}")
            failures += 1
            continue
        proc = subprocess.run([opt, "-"], input=module, capture_output=True,
                              text=True)
        if proc.returncode != 0:
            print(f"error: example does not verify:\n{module}{proc.stderr}")
            failures += 1
    print(f"{len(examples)} examples, {failures} failed")
    return 1 if failures or not examples else 0


if __name__ == "__main__":
    sys.exit(main())
