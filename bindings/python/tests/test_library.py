"""Finding the C library, its version check, and the version helpers."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest
from conftest import SOURCE_DIR

import mx_sso
from mx_sso import _lib


def run_import(pythonpath: Path, mx_sso_lib: Optional[str]) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    """Imports mx_sso in a fresh interpreter; prints where the library came from."""
    env: Dict[str, str] = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MX_SSO_LIB", "LD_LIBRARY_PATH", "PYTHONPATH")
    }
    env["PYTHONPATH"] = str(pythonpath)
    if mx_sso_lib is not None:
        env["MX_SSO_LIB"] = mx_sso_lib
    return subprocess.run(
        [sys.executable, "-c", "import mx_sso; print(mx_sso.LIBRARY_PATH)"],
        env=env,
        cwd=pythonpath,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_versions_match() -> None:
    assert mx_sso.library_version() == mx_sso.__version__
    assert _lib.split_version_number(_lib.LIB.mx_version_number()) == _lib.EXPECTED_VERSION


def test_compatibility_rule() -> None:
    assert _lib.is_compatible((0, 1, 7), (0, 1, 0))
    assert not _lib.is_compatible((0, 2, 0), (0, 1, 0))
    assert _lib.is_compatible((1, 4, 0), (1, 2, 0))
    assert not _lib.is_compatible((2, 0, 0), (1, 2, 0))
    assert _lib.split_version_number(1_002_003) == (1, 2, 3)


def test_an_incompatible_library_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_lib, "EXPECTED_VERSION", (0, 99, 0))
    with pytest.raises(
        mx_sso.LibraryLoadError,
        match=r"needs version 0\.99\.x .* is version " + re.escape(mx_sso.__version__),
    ):
        _lib._check_version(_lib.LIB, "libmx_sso.so")


def test_not_found_says_where_it_looked(tmp_path: Path) -> None:
    package = tmp_path / "mx_sso"
    shutil.copytree(SOURCE_DIR / "mx_sso", package, ignore=shutil.ignore_patterns("libmx_sso.*"))
    result = run_import(tmp_path, str(tmp_path / "missing" / "libmx_sso.so"))
    assert result.returncode != 0
    message = result.stderr
    assert "LibraryLoadError" in message
    assert f"bundled with the package: {package.resolve() / 'libmx_sso.so'}" in message
    assert f"$MX_SSO_LIB: {tmp_path / 'missing' / 'libmx_sso.so'} (no such file)" in message
    assert "system search path" in message


def test_a_file_that_is_not_a_library_is_reported(tmp_path: Path) -> None:
    shutil.copytree(
        SOURCE_DIR / "mx_sso", tmp_path / "mx_sso", ignore=shutil.ignore_patterns("libmx_sso.*")
    )
    bogus = tmp_path / "libmx_sso.so"
    bogus.write_text("not a shared library")
    result = run_import(tmp_path, str(bogus))
    assert result.returncode != 0
    assert f"$MX_SSO_LIB: {bogus} (could not load:" in result.stderr


def test_the_bundled_library_comes_first(tmp_path: Path) -> None:
    package = tmp_path / "mx_sso"
    shutil.copytree(SOURCE_DIR / "mx_sso", package, ignore=shutil.ignore_patterns("libmx_sso.*"))
    shutil.copyfile(_lib.LIBRARY_PATH, package / "libmx_sso.so")
    result = run_import(tmp_path, "/nonexistent/libmx_sso.so")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(package.resolve() / "libmx_sso.so")


def test_mx_sso_lib_is_used_when_nothing_is_bundled(tmp_path: Path) -> None:
    shutil.copytree(
        SOURCE_DIR / "mx_sso", tmp_path / "mx_sso", ignore=shutil.ignore_patterns("libmx_sso.*")
    )
    result = run_import(tmp_path, _lib.LIBRARY_PATH)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == _lib.LIBRARY_PATH


def test_every_function_called_has_a_prototype() -> None:
    """Every ``LIB.mx_*`` function named in the package has its argtypes declared (without
    them ctypes would pass Python ints as C ints and truncate pointers)."""
    package = Path(mx_sso.__file__).parent
    used = set()
    for source in package.glob("*.py"):
        used.update(re.findall(r"LIB\.(mx_\w+)", source.read_text()))
    assert {"mx_client_call", "mx_client_set_event_handler", "mx_client_stats"} <= used
    for name in sorted(used):
        assert getattr(_lib.LIB, name).argtypes is not None, name
    # Strings handed over by the library stay pointers (so they can be freed), never c_char_p.
    assert _lib.LIB.mx_client_new.restype is ctypes.c_void_p
    assert _lib.LIB.mx_client_call.argtypes[-1] is ctypes.POINTER(ctypes.c_void_p)
    assert _lib.LIB.mx_client_stats.argtypes[-1] is ctypes.POINTER(ctypes.c_void_p)
