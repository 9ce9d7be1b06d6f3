"""Fixtures for tests that run against mx-sso-emulator (started by scripts/with-emulator).

Environment (exported by scripts/with-emulator): MX_SSO_BASE_URL and MX_SSO_EMULATOR_URL (the
running emulator), MX_SSO_API_KEY, MX_SSO_CLIENT_GUID; MX_SSO_LIB locates the library when the
package is used from the source tree.
"""

from __future__ import annotations

import contextlib
import filecmp
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union

import pytest

#: The directory holding the mx_sso package of this source tree; the tests import it from here.
SOURCE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SOURCE_DIR))

# Outside `make test-python`, use the repository's release build when MX_SSO_LIB is not set.
_RELEASE_LIBRARY = SOURCE_DIR.parent.parent / "target" / "release" / "libmx_sso.so"
if not os.environ.get("MX_SSO_LIB") and _RELEASE_LIBRARY.is_file():
    os.environ["MX_SSO_LIB"] = str(_RELEASE_LIBRARY)

# A library copied into the source package (by `pip install -e`) is loaded before MX_SSO_LIB:
# refuse to test a copy that differs from the build under test.
_SOURCE_COPY = SOURCE_DIR / "mx_sso" / "libmx_sso.so"
if (
    _SOURCE_COPY.is_file()
    and os.environ.get("MX_SSO_LIB")
    and not filecmp.cmp(_SOURCE_COPY, os.environ["MX_SSO_LIB"], shallow=False)
):
    raise pytest.UsageError(
        f"{_SOURCE_COPY} (left by `pip install -e`) differs from MX_SSO_LIB="
        f"{os.environ['MX_SSO_LIB']} and would be loaded instead: delete it or reinstall"
    )

REQUIRED_ENV = ("MX_SSO_BASE_URL", "MX_SSO_EMULATOR_URL", "MX_SSO_API_KEY", "MX_SSO_CLIENT_GUID")


@dataclass(frozen=True)
class Emulator:
    """The running emulator and the credentials it accepts."""

    base_url: str
    control_url: str
    api_key: str
    client_guid: str

    def _request(self, method: str, url: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read().decode("utf-8")
        return json.loads(text) if text else None

    def create_user(self, **fields: Any) -> Dict[str, Any]:
        """Creates a user through the control endpoint (not counted as an API request)."""
        body = {"external_user_guid": unique("py"), "email": "user@example.com"}
        body.update(fields)
        return self._request("POST", f"{self.control_url}/_emulator/users", body)  # type: ignore[no-any-return]

    def create_member(self, **fields: Any) -> Dict[str, Any]:
        """Creates a member through the control endpoint; ``user_guid`` or
        ``external_user_guid`` must name a user. Credentials default to a ``userkey``."""
        body: Dict[str, Any] = {
            "external_member_guid": unique("pm"),
            "credentials": [{"field_name": "userkey", "response": "emulator-userkey"}],
        }
        body.update(fields)
        return self._request("POST", f"{self.control_url}/_emulator/members", body)  # type: ignore[no-any-return]

    def _find(self, kind: str, id: str) -> Optional[Dict[str, Any]]:
        quoted = urllib.parse.quote(id, safe="")
        try:
            return self._request("GET", f"{self.control_url}/_emulator/{kind}/{quoted}")  # type: ignore[no-any-return]
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def find_user(self, user_id: str) -> Optional[Dict[str, Any]]:
        """The stored user as GET shows it (control endpoint, not counted), or None."""
        return self._find("users", user_id)

    def read_user(self, user_id: str) -> Dict[str, Any]:
        user = self.find_user(user_id)
        assert user is not None, f"no user {user_id}"
        return user

    def find_member(self, member_id: str) -> Optional[Dict[str, Any]]:
        """The stored member as GET shows it (never its credentials), or None."""
        return self._find("members", member_id)

    def status_of(self, user_id: str) -> str:
        """``ENABLED`` or ``DISABLED``: the stored user's status name."""
        return str(self.read_user(user_id)["status"]["name"])

    def requests_served(self) -> int:
        return int(self._request("GET", f"{self.control_url}/_emulator/stats")["requests"])

    def log(self) -> List[Dict[str, Any]]:
        """The emulator's request log (method, path as sent, query with k=***, status)."""
        return self._request("GET", f"{self.control_url}/_emulator/log")  # type: ignore[no-any-return]

    def clear_log(self) -> None:
        self._request("DELETE", f"{self.control_url}/_emulator/log")

    def count(self, method: str, path: str, status: Optional[int] = None) -> int:
        """Requests in the log (since :meth:`clear_log`) with this method and path (and
        answer status, when given)."""
        return sum(
            1
            for entry in self.log()
            if entry["method"] == method
            and entry["path"] == path
            and (status is None or entry["status"] == status)
        )

    def inject(self, faults: Union[Dict[str, Any], List[Dict[str, Any]]]) -> None:
        """Queues faults for the next API requests (cleared after the test by ``faults``)."""
        self._request("POST", f"{self.control_url}/_emulator/faults", faults)

    def clear_faults(self) -> None:
        self._request("DELETE", f"{self.control_url}/_emulator/faults")


def unique(prefix: str) -> str:
    """An id no other test uses."""
    return f"{prefix}-{uuid.uuid4()}"


@contextlib.contextmanager
def own_emulator(*args: str) -> Iterator[Emulator]:
    """A second emulator, started with ``args`` (e.g. ``--api-key KEY``) and stopped after."""
    binary = os.environ.get("MX_SSO_EMULATOR_BIN", "")
    if not os.path.isfile(binary):
        pytest.skip("MX_SSO_EMULATOR_BIN does not name the emulator binary")
    process = subprocess.Popen([binary, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http"), base_url
        key = args[args.index("--api-key") + 1] if "--api-key" in args else "emulator-api-key"
        client = (
            args[args.index("--client") + 1]
            if "--client" in args
            else "CLT-0d5c2a4e-1b3f-4e8a-9c7d-000000000001"
        )
        yield Emulator(base_url=base_url, control_url=base_url, api_key=key, client_guid=client)
    finally:
        process.terminate()
        process.wait(timeout=10)


#: Lines shown in pytest's terminal summary (measurements worth reading in a CI log).
MEASUREMENTS: List[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MEASUREMENTS:
        terminalreporter.section("mx_sso measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def emulator() -> Emulator:
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: run the tests through scripts/with-emulator "
            "(make test-python in the repository root does)",
            pytrace=False,
        )
    return Emulator(
        base_url=os.environ["MX_SSO_BASE_URL"].rstrip("/"),
        control_url=os.environ["MX_SSO_EMULATOR_URL"].rstrip("/"),
        api_key=os.environ["MX_SSO_API_KEY"],
        client_guid=os.environ["MX_SSO_CLIENT_GUID"],
    )


@pytest.fixture()
def faults(emulator: Emulator) -> Iterator[Emulator]:
    """The emulator, with every fault cleared before and after the test."""
    emulator.clear_faults()
    try:
        yield emulator
    finally:
        emulator.clear_faults()


@pytest.fixture()
def user(emulator: Emulator) -> Dict[str, Any]:
    """A fresh user (the emulator's create answer)."""
    return emulator.create_user()


@pytest.fixture()
def client(emulator: Emulator) -> Iterator[Any]:
    """A Client on the emulator with small timeouts; its credentials come from the environment
    (MX_SSO_API_KEY, MX_SSO_CLIENT_GUID), as scripts/with-emulator sets them."""
    import mx_sso

    with mx_sso.Client(base_url=emulator.base_url, timeout_ms=5000, max_retries=1) as c:
        yield c


@pytest.fixture()
def log(emulator: Emulator) -> Emulator:
    """The emulator with its request log cleared, for counting requests by method and path."""
    emulator.clear_log()
    return emulator
