"""effattn.compile on input that is not a valid module: missing, unreadable or binary
files, truncated IR, bad entry names and bad option values. Each is one exception with a
message naming what is wrong; nothing crashes the interpreter."""

import os
from pathlib import Path

import pytest

import effattn

pytestmark = pytest.mark.usefixtures("native")

ATTN = """
func.func @attn(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>,
                %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %o = effattn.softmax_attention %q, %k, %v causal
      : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>)
      -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
"""


def test_missing_file(tmp_path):
    path = tmp_path / "missing.mlir"
    with pytest.raises(FileNotFoundError, match="missing.mlir"):
        effattn.compile(path)


def test_directory(tmp_path):
    with pytest.raises(IsADirectoryError):
        effattn.compile(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.mlir"
    path.write_text(ATTN)
    path.chmod(0)
    try:
        with pytest.raises(PermissionError, match="secret.mlir"):
            effattn.compile(path)
    finally:
        path.chmod(0o600)


def test_binary_file(tmp_path):
    path = tmp_path / "garbage.mlir"
    path.write_bytes(b"\x93NUMPY\x01\x00\xff\xfe")
    with pytest.raises(effattn.CompileError,
                       match=r"garbage.mlir: not MLIR text \(byte 0x93 at offset 0 is not "
                             r"UTF-8\)"):
        effattn.compile(path)


def test_binary_text():
    with pytest.raises(effattn.CompileError,
                       match=r"cannot parse the module:\n<effattn-ir>:1:1: error: "
                             r"unexpected character"):
        effattn.compile("\x7f\x01 not mlir", entry="attn")


def test_truncated_ir(tmp_path):
    # Cut in the middle of the result type of the op.
    cut = ATTN.index("-> tensor<1x2x?x8xf32>\n  return") + len("-> tensor<1x2")
    path = tmp_path / "truncated.mlir"
    path.write_text(ATTN[:cut])
    with pytest.raises(effattn.CompileError, match=r"cannot parse the module:\n<effattn-ir>:"):
        effattn.compile(path, entry="attn")


def test_bad_entry_names():
    with pytest.raises(TypeError, match=r"entry must be a function name .*got 5"):
        effattn.compile(ATTN, entry=5)
    # A NUL would cut the name short at the C boundary.
    with pytest.raises(TypeError, match=r"entry must be a function name"):
        effattn.compile(ATTN, entry="attn\0other")


@pytest.mark.parametrize("options, message", [
    ({"query_tile": -1}, r"option 'query-tile' takes an integer >= 0, got '-1'"),
    ({"chunk_size": 1.5}, r"option 'chunk-size' takes an integer >= 0, got '1.5'"),
    ({"key_tile": True}, r"option 'key-tile' takes an integer >= 0, got 'true'"),
    ({"key_tile": 2 ** 70}, r"option 'key-tile' takes an integer >= 0, got '1180591620717411303424'"),
])
def test_bad_option_values(options, message):
    with pytest.raises(effattn.CompileError, match=message):
        effattn.compile(ATTN, **options)


def test_bad_tuning_tables(tmp_path):
    with pytest.raises(effattn.CompileError,
                       match=r"tuning table cannot read '.*': Is a directory"):
        effattn.compile(ATTN, tuning_table=str(tmp_path))
    binary = tmp_path / "table.json"
    binary.write_bytes(b"\xff\xfe{")
    with pytest.raises(effattn.CompileError, match=r"tuning table '.*table.json': .*UTF-8"):
        effattn.compile(ATTN, tuning_table=str(binary))
    # The message is the diagnostic alone, not a dump of the module.
    with pytest.raises(effattn.CompileError) as e:
        effattn.compile(ATTN, tuning_table=str(tmp_path / "missing.json"))
    assert "func.func" not in str(e.value)


def test_good_file_still_compiles(tmp_path):
    path = tmp_path / "attn.mlir"
    path.write_text(ATTN)
    exe = effattn.compile(Path(path))
    assert [t.mlir for t in exe.arguments] == ["tensor<1x2x?x8xf32>"] * 3
