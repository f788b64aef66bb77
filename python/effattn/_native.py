"""ctypes binding of libEffAttnExecutionEngine.so (``include/effattn-c/ExecutionEngine.h``).

The library is looked up, in this order:

1. ``$EFFATTN_BUILD_DIR/lib/libEffAttnExecutionEngine.so`` when the environment variable
   ``EFFATTN_BUILD_DIR`` is set (a CMake build directory of effattn, or the prefix of
   ``cmake --install``: both keep the library in ``lib/``). When it is set and the
   library is not there, that is an error: nothing else is tried.
2. ``effattn/_lib/libEffAttnExecutionEngine.so`` next to this file (an installed copy).
3. ``<repo>/build/lib/libEffAttnExecutionEngine.so`` when this package is used from its
   source tree (``<repo>/python/effattn``): the default build directory of
   ``scripts/setup.sh``.
4. The dynamic loader's search path (``ctypes.util.find_library``).

Build it with ``ninja -C build EffAttnExecutionEngine``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path
from typing import List, Optional

LIBRARY_NAME = "libEffAttnExecutionEngine.so"
BUILD_DIR_ENV = "EFFATTN_BUILD_DIR"
API_VERSION = 1
DYNAMIC_SIZE = -(2**63)

# EffAttnElementType
ELEMENT_TYPES = ("f32", "f16", "bf16", "i32")


class LibraryNotFoundError(RuntimeError):
    """The compiled execution library could not be found or loaded."""


def candidate_paths() -> List[Path]:
    """Where the library is looked for, in order (see the module docstring)."""
    build_dir = os.environ.get(BUILD_DIR_ENV)
    if build_dir:
        return [Path(build_dir) / "lib" / LIBRARY_NAME]
    here = Path(__file__).resolve().parent
    paths = [here / "_lib" / LIBRARY_NAME]
    repo = here.parent.parent
    if (repo / "CMakeLists.txt").is_file() and (repo / "python" / "effattn").is_dir():
        paths.append(repo / "build" / "lib" / LIBRARY_NAME)
    return paths


_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None


def _declare(lib: ctypes.CDLL) -> None:
    c_int64_p = ctypes.POINTER(ctypes.c_int64)
    c_char_pp = ctypes.POINTER(ctypes.c_void_p)  # char **: read, then freed
    exe = ctypes.c_void_p

    def fn(name, restype, *argtypes):
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = list(argtypes)

    fn("effattnExecutionEngineApiVersion", ctypes.c_int)
    fn("effattnExecutableCreate", exe, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
       ctypes.c_char_p, c_char_pp)
    fn("effattnExecutableDestroy", None, exe)
    fn("effattnFreeString", None, ctypes.c_void_p)
    fn("effattnExecutableGetNumArguments", ctypes.c_int64, exe)
    fn("effattnExecutableGetNumResults", ctypes.c_int64, exe)
    for what in ("Argument", "Result"):
        fn(f"effattnExecutableGet{what}", ctypes.c_int, exe, ctypes.c_int64,
           ctypes.POINTER(ctypes.c_int), c_int64_p, ctypes.POINTER(c_int64_p))
        fn(f"effattnExecutableGet{what}TypeString", ctypes.c_char_p, exe, ctypes.c_int64)
    fn("effattnExecutableCheckShapes", ctypes.c_int, exe, ctypes.POINTER(c_int64_p), c_char_pp)
    fn("effattnExecutableGetResultWords", ctypes.c_int64, exe)
    fn("effattnExecutableInvoke", ctypes.c_int, exe, ctypes.POINTER(ctypes.c_void_p), c_int64_p,
       c_char_pp)
    fn("effattnExecutableFreeResults", None, exe, ctypes.POINTER(ctypes.c_void_p), c_int64_p)


def library() -> ctypes.CDLL:
    """The loaded library (loaded once per process)."""
    global _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        path = None
        for candidate in candidate_paths():
            tried.append(str(candidate))
            if candidate.is_file():
                path = str(candidate)
                break
        if path is None and not os.environ.get(BUILD_DIR_ENV):
            found = ctypes.util.find_library("EffAttnExecutionEngine")
            tried.append("the dynamic loader's search path")
            path = found
        if path is None:
            hint = (f"{BUILD_DIR_ENV} is set; build the library there with "
                    f"`ninja -C {os.environ[BUILD_DIR_ENV]} EffAttnExecutionEngine`"
                    if os.environ.get(BUILD_DIR_ENV) else
                    f"build it with `ninja -C build EffAttnExecutionEngine` and/or set "
                    f"{BUILD_DIR_ENV} to the CMake build directory")
            raise LibraryNotFoundError(
                f"effattn: cannot find {LIBRARY_NAME} (tried: {', '.join(tried)}); {hint}")
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise LibraryNotFoundError(f"effattn: cannot load {path}: {e}") from None
        _declare(lib)
        version = lib.effattnExecutionEngineApiVersion()
        if version != API_VERSION:
            raise LibraryNotFoundError(
                f"effattn: {path} implements API version {version}, this package needs "
                f"{API_VERSION}; rebuild the library or reinstall the package")
        lib._effattn_path = path  # type: ignore[attr-defined]
        _lib = lib
        return lib


def take_string(lib: ctypes.CDLL, ptr: ctypes.c_void_p) -> str:
    """Decodes a string returned through a ``char **`` and frees it."""
    if not ptr.value:
        return ""
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", errors="replace")
    finally:
        lib.effattnFreeString(ptr)
