"""Loads libEffAttnC.so with ctypes and runs the compile entry (ctypes.test).

Usage: compile_ctypes.py LIBRARY INPUT [OPTIONS]
Prints the result and exits 0, or prints the error text and exits 1.
"""

import ctypes
import sys


class MlirStringRef(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("length", ctypes.c_size_t)]


class MlirLogicalResult(ctypes.Structure):
    _fields_ = [("value", ctypes.c_int8)]


LLVM_DIALECT, LLVM_IR = 0, 1


def main() -> int:
    library, path = sys.argv[1], sys.argv[2]
    options = sys.argv[3].encode() if len(sys.argv) > 3 else b""
    lib = ctypes.CDLL(library)
    lib.mlirEffAttnCompileToString.argtypes = [
        MlirStringRef, MlirStringRef, ctypes.c_int, ctypes.POINTER(MlirStringRef)]
    lib.mlirEffAttnCompileToString.restype = MlirLogicalResult
    lib.mlirEffAttnStringDestroy.argtypes = [MlirStringRef]
    lib.mlirEffAttnStringDestroy.restype = None

    with open(path, "rb") as f:
        source = f.read()
    source_buffer = ctypes.create_string_buffer(source, len(source))
    options_buffer = ctypes.create_string_buffer(options, len(options))
    result = MlirStringRef()
    status = lib.mlirEffAttnCompileToString(
        MlirStringRef(ctypes.cast(source_buffer, ctypes.c_void_p), len(source)),
        MlirStringRef(ctypes.cast(options_buffer, ctypes.c_void_p), len(options)),
        LLVM_IR, ctypes.byref(result))
    text = ctypes.string_at(result.data, result.length).decode()
    lib.mlirEffAttnStringDestroy(result)
    print(text, end="")
    return 0 if status.value else 1


if __name__ == "__main__":
    sys.exit(main())
