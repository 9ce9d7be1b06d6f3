"""`pip install ./bindings/python` into a fresh virtual environment gives a working package.

The install builds the library with cargo (incremental: the repository's target/ directory is
reused) and bundles it, so the installed package needs no MX_SSO_LIB. Build requirements
(setuptools, wheel) come from PyPI. Slow (marked ``install``): ``make test-quick`` leaves it out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Dict, List

import pytest
from conftest import SOURCE_DIR, Emulator, unique

import mx_sso

REPO_ROOT = SOURCE_DIR.parent.parent
EXAMPLES = REPO_ROOT / "examples" / "python"

pytestmark = pytest.mark.install


def clean_env(**extra: str) -> Dict[str, str]:
    """This environment without anything that would find the library or package elsewhere."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MX_SSO_LIB", "PYTHONPATH", "LD_LIBRARY_PATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    env.update(extra)
    return env


def run(
    command: List[str], cwd: Path, env: Dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv with ``pip install ./bindings/python`` done."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home / "env", with_pip=True)
    python = home / "env" / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(SOURCE_DIR),
        ],
        cwd=home,
        env=clean_env(),
    )
    return python


def test_the_wheel_bundles_the_library(installed_python: Path, tmp_path: Path) -> None:
    result = run(
        [
            str(installed_python),
            "-c",
            "import mx_sso, sys; print(mx_sso.LIBRARY_PATH); print(mx_sso.library_version())",
        ],
        cwd=tmp_path,
        env=clean_env(),
    )
    library_path, version = result.stdout.split()
    assert Path(library_path).name == "libmx_sso.so"
    assert Path(library_path).is_relative_to(installed_python.parent.parent)
    assert version == mx_sso.__version__
    run(
        [
            str(installed_python),
            "-c",
            "import importlib.resources as r; "
            "assert r.files('mx_sso').joinpath('py.typed').is_file()",
        ],
        cwd=tmp_path,
        env=clean_env(),
    )
    wheel = run(
        [
            str(installed_python),
            "-c",
            "import importlib.metadata as m; print(m.distribution('mx-sso').read_text('WHEEL'))",
        ],
        cwd=tmp_path,
        env=clean_env(),
    ).stdout
    assert "Root-Is-Purelib: false" in wheel
    assert "Tag: py3-none-" in wheel and "Tag: py3-none-any" not in wheel


def emulator_env(emulator: Emulator) -> Dict[str, str]:
    return clean_env(
        MX_SSO_BASE_URL=emulator.base_url,
        MX_SSO_API_KEY=emulator.api_key,
        MX_SSO_CLIENT_GUID=emulator.client_guid,
    )


def test_the_update_example_disables_a_user(
    installed_python: Path, emulator: Emulator, tmp_path: Path
) -> None:
    user = emulator.create_user()
    result = run(
        [str(installed_python), str(EXAMPLES / "update_user.py"), user["external_user_guid"]],
        cwd=tmp_path,
        env=emulator_env(emulator),
    )
    assert f'"guid": "{user["guid"]}"' in result.stdout
    assert user["login_token"] not in result.stdout  # login material is never printed
    assert emulator.status_of(user["guid"]) == "DISABLED"


def test_the_provisioning_example_runs_the_workflow(
    installed_python: Path, emulator: Emulator, tmp_path: Path
) -> None:
    external = unique("provision")
    env = emulator_env(emulator)
    env["BANK_USERKEY"] = "PY-EXAMPLE-USERKEY-do-not-print"
    command = [str(installed_python), str(EXAMPLES / "provision.py"), "-v", external]
    result = run(command, cwd=tmp_path, env=env)
    lines = result.stdout.splitlines()
    assert lines[0] == "ensure    created the user"
    user = emulator.read_user(external)
    url_line = f"open MoneyDesktop: {user['master_widget_url']}"
    # The login URL opens MoneyDesktop before the offboarding step (disable, read back), as in
    # examples/c/provision.c; it shows on that line only, the login token nowhere.
    assert lines.index("read      master_widget_url present") < lines.index(url_line)
    assert lines.index(url_line) < lines.index("disable   ok") < lines.index("read back DISABLED")
    others = "\n".join(line for line in lines if line != url_line) + result.stderr
    assert user["master_widget_url"] not in others
    assert user["login_token"] not in others
    assert '"call":"member.ensure"' in result.stderr  # -v: the events, through logging
    assert env["BANK_USERKEY"] not in result.stdout + result.stderr
    assert emulator.find_member(f"{external}-member") is not None
    again = run(command, cwd=tmp_path, env=env)
    assert again.stdout.splitlines()[0] == "ensure    the user already existed"


def test_the_provisioning_example_fails_without_a_login_url(
    installed_python: Path, faults: Emulator, tmp_path: Path
) -> None:
    """MX's answer to the read has no master_widget_url: exit 1 with the reason, and no
    "open MoneyDesktop" line (never "open MoneyDesktop: None")."""
    external = unique("provision-no-url")
    path = f"/user/{external}"
    faults.inject(
        [
            {"kind": "delay", "ms": 0, "method": "GET", "path": path},  # ensure's read: as is
            {
                "kind": "response",
                "status": 200,
                "content_type": "application/json",
                "body": json.dumps({"guid": "USR-no-url", "external_user_guid": external}),
                "method": "GET",
                "path": path,
            },
        ]
    )
    env = emulator_env(faults)
    env["BANK_USERKEY"] = "PY-EXAMPLE-USERKEY-no-url"
    result = subprocess.run(
        [str(installed_python), str(EXAMPLES / "provision.py"), external],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no master_widget_url" in result.stderr
    assert "open MoneyDesktop" not in result.stdout


def test_a_snippet_on_the_default_client(
    installed_python: Path, emulator: Emulator, tmp_path: Path
) -> None:
    user = emulator.create_user()
    snippet = (
        "import mx_sso\n"
        f"u = mx_sso.update_user({user['guid']!r}, {{'status': 'DISABLED'}})\n"
        "print(u['guid'])\n"
    )
    result = run([str(installed_python), "-c", snippet], cwd=tmp_path, env=emulator_env(emulator))
    assert result.stdout.strip() == user["guid"]
    assert emulator.status_of(user["guid"]) == "DISABLED"
