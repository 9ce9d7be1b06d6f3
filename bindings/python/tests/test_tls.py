"""The real TLS path: an emulator serving HTTPS with its own CA, trusted through ``ca_file``."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator, Tuple

import pytest

import mx_sso

EMULATOR_BIN = os.environ.get("MX_SSO_EMULATOR_BIN", "")
API_KEY = "tls-test-key"
CLIENT_GUID = "CLT-tls-test"


@pytest.fixture(scope="module")
def tls_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Path]]:
    """(https base URL, CA file) of an emulator started for these tests."""
    if not os.path.isfile(EMULATOR_BIN):
        pytest.skip("MX_SSO_EMULATOR_BIN does not name the emulator binary")
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    process = subprocess.Popen(
        [
            EMULATOR_BIN,
            "--tls",
            "--ca-out",
            str(ca_file),
            "--api-key",
            API_KEY,
            "--client",
            CLIENT_GUID,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("https://"), base_url
        yield base_url, ca_file
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_update_over_tls_with_ca_file(tls_emulator: Tuple[str, Path]) -> None:
    base_url, ca_file = tls_emulator
    query = urllib.parse.urlencode({"k": API_KEY, "c": CLIENT_GUID})
    request = urllib.request.Request(
        f"{base_url}/user?{query}",
        data=json.dumps({"external_user_guid": "tls-user", "email": "t@example.com"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    context = ssl.create_default_context(cafile=str(ca_file))
    with urllib.request.urlopen(request, context=context, timeout=10) as answer:
        created = json.loads(answer.read())
    with mx_sso.Client(
        api_key=API_KEY, client_guid=CLIENT_GUID, base_url=base_url, ca_file=ca_file
    ) as client:
        user = client.update_user("tls-user", {"status": "DISABLED"})
        assert client.stats()["tls_handshakes"] == 1
    assert user["guid"] == created["guid"]


def test_tls_without_the_ca_is_a_transport_error(tls_emulator: Tuple[str, Path]) -> None:
    base_url, _ = tls_emulator
    with mx_sso.Client(
        api_key=API_KEY, client_guid=CLIENT_GUID, base_url=base_url, max_retries=0
    ) as client:
        with pytest.raises(mx_sso.TransportError) as caught:
            client.read_user("tls-user")
    assert API_KEY not in str(caught.value)
