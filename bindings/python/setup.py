"""Builds the mx-sso Rust library with cargo and bundles it inside the ``mx_sso`` package.

``pip install ./bindings/python`` runs ``cargo build --release -p mx-sso --locked`` in the
repository root (two directories above this file) and copies the shared library it produces
(``libmx_sso.so`` on Linux) next to the package's modules, so that the installed package needs
no environment variable. The wheel is tagged ``py3-none-<platform>``: the library is native
code, but it is loaded with ctypes, so any Python 3 can use it.

Environment: ``CARGO`` (default ``cargo``) names the cargo program, and ``CARGO_TARGET_DIR``
(read by cargo itself) where it builds. ``MX_SSO_PREBUILT_LIBRARY`` names an already built
shared library to bundle instead, and cargo is not run (``make dist`` bundles its glibc 2.17
build this way; see packaging/dist.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1 ships bdist_wheel; older ones use the wheel package's.
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

PACKAGE = "mx_sso"
CRATE = "mx-sso"
LIBRARY_TARGET = "mx_sso"  # the [lib] name in Cargo.toml
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def shared_library_suffix() -> str:
    if sys.platform == "win32":
        return ".dll"
    if sys.platform == "darwin":
        return ".dylib"
    return ".so"


def cargo_build_shared_library() -> Path:
    """Runs cargo in the repository root; returns the path of the shared library it built."""
    if not (REPO_ROOT / "Cargo.toml").is_file():
        sys.exit(
            f"mx-sso: no Cargo.toml in {REPO_ROOT}; build the package from a checkout of the "
            "mx-sso repository (pip install ./bindings/python)"
        )
    cargo = os.environ.get("CARGO", "cargo")
    if shutil.which(cargo) is None:
        sys.exit(f"mx-sso: `{cargo}` was not found on PATH; building mx_sso needs Rust (cargo)")
    command = [
        cargo,
        "build",
        "--release",
        "-p",
        CRATE,
        "--locked",
        "--message-format=json-render-diagnostics",
    ]
    print("mx-sso: " + " ".join(command), file=sys.stderr, flush=True)
    process = subprocess.run(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if process.returncode != 0:
        sys.exit(f"mx-sso: cargo failed with exit status {process.returncode}")
    return _shared_library_in(process.stdout.splitlines())


def _shared_library_in(messages: List[str]) -> Path:
    """The cdylib file among cargo's JSON ``compiler-artifact`` messages."""
    suffix = shared_library_suffix()
    for line in messages:
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            continue
        if message["target"]["name"] != LIBRARY_TARGET or "cdylib" not in message["target"]["kind"]:
            continue
        for filename in message["filenames"]:
            if filename.endswith(suffix):
                return Path(filename)
    sys.exit(f"mx-sso: cargo did not report a {suffix} file for the {CRATE} library")


class BuildPyWithRustLibrary(build_py):
    """The usual ``build_py``, then the Rust library copied into the built package."""

    def run(self) -> None:
        super().run()
        prebuilt = os.environ.get("MX_SSO_PREBUILT_LIBRARY")
        if prebuilt:
            library = Path(prebuilt)
            if not library.is_file():
                sys.exit(f"mx-sso: MX_SSO_PREBUILT_LIBRARY={prebuilt} is not a file")
        else:
            library = cargo_build_shared_library()
        # An editable install (pip install -e) imports the package from the source tree.
        if getattr(self, "editable_mode", False):
            package_dir = Path(__file__).resolve().parent / PACKAGE
        else:
            package_dir = Path(self.build_lib) / PACKAGE
        destination = package_dir / library.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, destination)
        print(f"mx-sso: bundled {library} as {destination}", file=sys.stderr, flush=True)


class PlatformWheel(bdist_wheel):
    """A wheel for any Python 3 on this platform: ``py3-none-<platform>``."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):  # type: ignore[no-untyped-def]
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    """Marks the distribution as holding native code (installed to platlib, platform tag)."""

    def has_ext_modules(self) -> bool:
        return True


setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": BuildPyWithRustLibrary, "bdist_wheel": PlatformWheel},
)
