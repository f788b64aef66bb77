#!/usr/bin/env python3
"""Regenerates examples/models/*.mlir: every builder of effattn.models at a small size,
as a self-contained module (weights as constants; see README.md).

    python3 examples/models/generate.py           # rewrite the files
    python3 examples/models/generate.py --check   # exit 1 if any file is stale

python/tests/test_examples.py runs the check.
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "python"))

from effattn import models  # noqa: E402

# name -> (builder, keyword arguments): small sizes, every builder once.
EXAMPLES = {
    "flash_lm": ("flash_lm", dict(layers=2, d_model=16, expansion=2, s=8, chunk_size=8,
                                  causal=True, seed=0)),
    "flash_quad": ("flash_quad", dict(d_model=16, expansion=2, s=8, causal=False, seed=0,
                                      activation="laplace")),
    "performer_layer": ("performer_layer", dict(d_model=16, heads=2, head_dim=8,
                                                features=16, d_ff=32, causal=True, seed=0)),
    "linformer_layer": ("linformer_layer", dict(d_model=16, heads=2, head_dim=8, rank=8,
                                                max_len=64, d_ff=32, seed=0)),
    "flurka_layer": ("flurka_layer", dict(d_model=16, heads=2, head_dim=8, rank=8,
                                          max_len=64, d_ff=32, seed=0)),
    "shatter_layer": ("shatter_layer", dict(d_model=16, d_head=8, d_value=8, parts=4,
                                            max_len=64, d_ff=32, causal=True, seed=0)),
    "scaling_transformer_block": ("scaling_transformer_block",
                                  dict(d_model=16, modules=4, d_ff=64, block_size=8,
                                       controller_rank=8, causal=True, seed=0)),
}


def build(name: str) -> "models.Model":
    builder, kwargs = EXAMPLES[name]
    return models.BUILDERS[builder](**kwargs)


def render(name: str) -> str:
    """The text of examples/models/<name>.mlir."""
    return build(name).to_mlir(weights="constants")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="report stale files instead of writing them")
    args = parser.parse_args()
    stale = []
    for name in EXAMPLES:
        path = HERE / f"{name}.mlir"
        text = render(name)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(HERE.parent.parent)}")
    if stale:
        print("stale: " + ", ".join(stale) + " (run examples/models/generate.py)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
