#!/usr/bin/env python3
"""Writes the seed corpus of effattn-fuzz: the MLIR of test/ and examples/.

Usage: gather-corpus.py SOURCE_ROOT OUT_DIR

Every test/**/*.mlir, test/**/Inputs/*.mlir and examples/**/*.mlir file is
split on `// -----` (as mlir-opt --split-input-file does) and stripped of
whole-line comments (RUN, CHECK, expected-error lines). A chunk larger than
MAX_SEED bytes is split further into one module per top-level func.func, so
that the fuzzer starts from small inputs; nothing over MAX_LEN is kept. Seeds are named after their source
and written once per distinct content. Prints the number of seeds.
"""

import hashlib
import os
import re
import sys

MAX_SEED = 4096
# effattn-fuzz runs with -max_len=16384 (scripts/fuzz.sh); libFuzzer would
# cut a longer seed short, so none is written.
MAX_LEN = 16384

FUNC_START = re.compile(r"^(\s*)func\.func\b")


def strip_comments(text):
    return "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("//")
    ).strip() + "\n"


def split_functions(text):
    """Top-level func.func ops of `text`, each as a module of its own.

    A function starts at a line `func.func` and ends at the first later line
    that is a lone `}` at the same indentation (the usual printed layout).
    """
    lines = text.splitlines()
    funcs = []
    i = 0
    while i < len(lines):
        m = FUNC_START.match(lines[i])
        if not m:
            i += 1
            continue
        indent = m.group(1)
        end = i
        if not lines[i].rstrip().endswith("{"):
            funcs.append(lines[i].strip())  # a declaration
            i += 1
            continue
        for j in range(i + 1, len(lines)):
            if lines[j].rstrip() == indent + "}":
                end = j
                break
        else:
            break
        funcs.append("\n".join(l[len(indent):] for l in lines[i:end + 1]))
        i = end + 1
    return funcs


def chunks(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for part in re.split(r"^// -----\s*$", text, flags=re.M):
        part = strip_comments(part)
        if not part.strip():
            continue
        if len(part) <= MAX_LEN:
            yield part
        if len(part) > MAX_SEED:
            for func in split_functions(part):
                if len(func) < MAX_LEN:
                    yield func + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    sources = []
    for top in ("test", "examples"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            sources += [os.path.join(dirpath, f) for f in files
                        if f.endswith(".mlir")]
    seen = set()
    for path in sorted(sources):
        rel = os.path.relpath(path, root).replace(os.sep, "_")
        for index, seed in enumerate(chunks(path)):
            digest = hashlib.sha1(seed.encode()).hexdigest()[:10]
            if digest in seen:
                continue
            seen.add(digest)
            name = "%s.%d.%s.mlir" % (rel[:-len(".mlir")], index, digest)
            with open(os.path.join(out, name), "w", encoding="utf-8") as f:
                f.write(seed)
    print(len(seen))


if __name__ == "__main__":
    main()
