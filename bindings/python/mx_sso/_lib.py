"""Finding and loading the mx-sso C library, checking its version, declaring its prototypes.

The library is looked for, in order:

1. next to this package (``libmx_sso.so`` bundled by ``pip install``),
2. the path in the environment variable ``MX_SSO_LIB``,
3. the system search path (``ctypes.util.find_library("mx_sso")``).

Every C function gets ``argtypes`` and ``restype`` here. Strings that the library hands over
(``out_buf``, ``out_err``) are declared as ``c_void_p`` so that ctypes keeps the pointer, which
must go back to ``mx_string_free``; with ``c_char_p`` ctypes would copy the text and drop the
pointer, leaking it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from ._version import __version__


def _parse_version(text: str) -> Tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split(".")[:3])
    return major, minor, patch


#: Version of the C library this package is written against (the package's own version).
EXPECTED_VERSION: Tuple[int, int, int] = _parse_version(__version__)

#: Environment variable holding the path of the library, for development and operations.
LIBRARY_ENV = "MX_SSO_LIB"


class LibraryLoadError(ImportError):
    """The C library could not be found or loaded, or its version does not fit this package."""


def library_file_name() -> str:
    """The file name of the shared library on this operating system."""
    if sys.platform == "win32":
        return "mx_sso.dll"
    if sys.platform == "darwin":
        return "libmx_sso.dylib"
    return "libmx_sso.so"


def _try_load(path: str, where: str, tried: List[str]) -> Optional[ctypes.CDLL]:
    """Loads ``path``, or notes in ``tried`` why it could not be loaded."""
    if os.sep in path or (os.altsep and os.altsep in path):
        if not os.path.isfile(path):
            tried.append(f"{where}: {path} (no such file)")
            return None
    try:
        return ctypes.CDLL(path)
    except OSError as e:
        tried.append(f"{where}: {path} (could not load: {e})")
        return None


def load_library() -> Tuple[ctypes.CDLL, str]:
    """Finds and loads the library; returns it with the path (or name) it was loaded from.

    Raises :class:`LibraryLoadError` listing every place looked at when none worked.
    """
    tried: List[str] = []
    bundled = str(Path(__file__).resolve().parent / library_file_name())
    lib = _try_load(bundled, "bundled with the package", tried)
    if lib is not None:
        return lib, bundled

    from_env = os.environ.get(LIBRARY_ENV)
    if from_env:
        lib = _try_load(from_env, f"${LIBRARY_ENV}", tried)
        if lib is not None:
            return lib, from_env
    else:
        tried.append(f"${LIBRARY_ENV}: not set")

    found = ctypes.util.find_library("mx_sso")
    if found:
        lib = _try_load(found, "system search path", tried)
        if lib is not None:
            return lib, found
    else:
        tried.append("system search path: ctypes.util.find_library('mx_sso') found nothing")

    raise LibraryLoadError(
        "mx_sso could not load the mx-sso C library. Looked at:\n  - "
        + "\n  - ".join(tried)
        + f"\nInstall the package with pip (which builds and bundles the library), or set "
        f"{LIBRARY_ENV} to the path of {library_file_name()} (built by "
        "`cargo build --release -p mx-sso`)."
    )


#: The C type ``mx_event_fn``: ``void (*)(void *user_data, const char *event_json)``. The event
#: arrives as ``bytes`` (ctypes copies a ``c_char_p`` argument), so nothing outlives the callback.
#: ``EVENT_FN()`` is the NULL function pointer, which removes a handler.
EVENT_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


def _declare_prototypes(lib: ctypes.CDLL) -> None:
    """Sets ``argtypes`` and ``restype`` of every C function this package calls."""
    c_char_p, c_void_p, c_int = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int
    out_string = ctypes.POINTER(c_void_p)  # char **: receives a string to free with mx_string_free

    lib.mx_client_new.argtypes = [c_char_p, out_string]
    lib.mx_client_new.restype = c_void_p

    # client (NULL: the default client), operation, api_key, client_guid (NULL: the client's
    # own), id, json_body, call_options_json, out_buf
    lib.mx_client_call.argtypes = [c_void_p] + [c_char_p] * 6 + [out_string]
    lib.mx_client_call.restype = c_int

    lib.mx_client_set_event_handler.argtypes = [c_void_p, EVENT_FN, c_void_p]
    lib.mx_client_set_event_handler.restype = c_int

    lib.mx_client_stats.argtypes = [c_void_p, out_string]
    lib.mx_client_stats.restype = c_int

    lib.mx_client_free.argtypes = [c_void_p]
    lib.mx_client_free.restype = None

    lib.mx_string_free.argtypes = [c_void_p]
    lib.mx_string_free.restype = None

    # Static texts: c_char_p is right here (copied to bytes, never freed).
    lib.mx_status_str.argtypes = [c_int]
    lib.mx_status_str.restype = c_char_p

    lib.mx_version.argtypes = []
    lib.mx_version.restype = c_char_p

    lib.mx_version_number.argtypes = []
    lib.mx_version_number.restype = ctypes.c_uint32


def split_version_number(number: int) -> Tuple[int, int, int]:
    """``MAJOR*1000000 + MINOR*1000 + PATCH`` as ``(MAJOR, MINOR, PATCH)``."""
    return number // 1_000_000, number // 1_000 % 1_000, number % 1_000


def is_compatible(found: Tuple[int, int, int], expected: Tuple[int, int, int]) -> bool:
    """Same major version, and for 0.x the same minor version too (semantic versioning)."""
    if found[0] != expected[0]:
        return False
    return expected[0] != 0 or found[1] == expected[1]


def _check_version(lib: ctypes.CDLL, path: str) -> None:
    found = split_version_number(lib.mx_version_number())
    if not is_compatible(found, EXPECTED_VERSION):
        major, minor, _ = EXPECTED_VERSION
        wanted = f"{major}.{minor}.x" if major == 0 else f"{major}.x"
        raise LibraryLoadError(
            f"mx_sso {__version__} needs version {wanted} of the mx-sso library, but {path} "
            f"is version {'.'.join(map(str, found))}; install the matching package, or point "
            f"{LIBRARY_ENV} at a matching build"
        )


def _load() -> Tuple[ctypes.CDLL, str]:
    lib, path = load_library()
    _declare_prototypes(lib)
    _check_version(lib, path)
    return lib, path


#: The loaded library, with every prototype declared and its version checked.
LIB, LIBRARY_PATH = _load()
