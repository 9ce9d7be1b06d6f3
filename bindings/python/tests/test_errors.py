"""Every exception class, each from a real failure against the emulator."""

from __future__ import annotations

import builtins
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
from conftest import SOURCE_DIR, Emulator

import mx_sso

DISABLE = {"status": "DISABLED"}
WRONG_KEY = "SECRET-KEY-5f0c9d7e-do-not-print"


def assert_no_secret(error: mx_sso.MxError, secret: str) -> None:
    """The API key appears in no text the exception offers."""
    for text in (str(error), repr(error), error.message, repr(error.args), repr(error.mx_error)):
        assert secret not in text, text


def test_validation_error_sends_nothing(
    emulator: Emulator, user: Dict[str, Any], client: mx_sso.Client
) -> None:
    before = emulator.requests_served()
    with pytest.raises(mx_sso.ValidationError) as caught:
        client.update_user(user["guid"], {"status": "OFF"})
    error = caught.value
    assert error.code is mx_sso.Status.VALIDATION
    assert error.http_status is None
    assert "status" in error.message
    assert error.attempts == 0
    assert_no_secret(error, emulator.api_key)
    assert emulator.requests_served() == before


def test_validation_error_from_the_default_client_with_bad_json_text(emulator: Emulator) -> None:
    before = emulator.requests_served()
    with pytest.raises(mx_sso.ValidationError):
        mx_sso.update_user("someone", '{"status": ')
    assert emulator.requests_served() == before


def test_http_error_for_an_unknown_user(emulator: Emulator, client: mx_sso.Client) -> None:
    with pytest.raises(mx_sso.HttpError) as caught:
        client.update_user("USR-does-not-exist", DISABLE)
    error = caught.value
    assert error.code is mx_sso.Status.HTTP
    assert error.http_status == 400
    assert error.mx_error == "User with guid USR-does-not-exist not found."
    assert "USR-does-not-exist" in error.message
    assert error.attempts == 1
    assert_no_secret(error, emulator.api_key)


def test_http_error_from_the_default_client(emulator: Emulator) -> None:
    with pytest.raises(mx_sso.HttpError) as caught:
        mx_sso.update_user("nobody-here", DISABLE)
    assert caught.value.http_status == 400


def test_http_error_after_retries_on_503(
    faults: Emulator, user: Dict[str, Any], client: mx_sso.Client
) -> None:
    faults.inject({"kind": "status", "status": 503, "count": 5})
    with pytest.raises(mx_sso.HttpError) as caught:
        client.update_user(user["guid"], DISABLE)
    assert caught.value.http_status == 503
    assert caught.value.attempts == 2  # max_retries=1 in the fixture


def test_a_retried_503_then_success(
    faults: Emulator, user: Dict[str, Any], client: mx_sso.Client
) -> None:
    faults.inject({"kind": "status", "status": 503, "count": 1})
    answer = client.update_user(user["guid"], DISABLE)
    assert answer["guid"] == user["guid"]
    assert faults.status_of(user["guid"]) == "DISABLED"


def test_timeout_error(faults: Emulator, user: Dict[str, Any]) -> None:
    faults.inject({"kind": "delay", "ms": 1500})
    with mx_sso.Client(base_url=faults.base_url, timeout_ms=300, max_retries=0) as client:
        with pytest.raises(mx_sso.TimeoutError) as caught:
            client.update_user(user["guid"], DISABLE)
    error = caught.value
    assert error.code is mx_sso.Status.TIMEOUT
    assert error.http_status is None
    assert isinstance(error, builtins.TimeoutError)
    assert_no_secret(error, faults.api_key)


def test_transport_error_on_a_closed_port() -> None:
    with mx_sso.Client(
        api_key=WRONG_KEY, base_url="http://127.0.0.1:1", max_retries=0, timeout_ms=2000
    ) as client:
        with pytest.raises(mx_sso.TransportError) as caught:
            client.update_user("USR-1", DISABLE)
    error = caught.value
    assert error.code is mx_sso.Status.TRANSPORT
    assert error.http_status is None
    assert_no_secret(error, WRONG_KEY)


def test_transport_error_for_a_wrong_api_key(emulator: Emulator, user: Dict[str, Any]) -> None:
    # MX closes the connection without an answer when the key is wrong.
    with mx_sso.Client(api_key=WRONG_KEY, base_url=emulator.base_url, max_retries=0) as client:
        with pytest.raises(mx_sso.TransportError) as caught:
            client.update_user(user["guid"], DISABLE)
    assert "API key" in caught.value.message
    assert_no_secret(caught.value, WRONG_KEY)


def test_transport_error_on_a_close_fault(faults: Emulator, user: Dict[str, Any]) -> None:
    faults.inject({"kind": "close", "count": 5})
    with mx_sso.Client(base_url=faults.base_url, max_retries=0) as client:
        with pytest.raises(mx_sso.TransportError) as caught:
            client.update_user(user["guid"], DISABLE)
    assert_no_secret(caught.value, faults.api_key)


def test_response_error_for_a_non_json_success(
    faults: Emulator, user: Dict[str, Any], client: mx_sso.Client
) -> None:
    faults.inject(
        {"kind": "response", "status": 200, "content_type": "text/html", "body": "<html>"}
    )
    with pytest.raises(mx_sso.ResponseError) as caught:
        client.update_user(user["guid"], DISABLE)
    error = caught.value
    assert error.code is mx_sso.Status.RESPONSE
    assert error.http_status == 200
    assert_no_secret(error, faults.api_key)


def test_response_error_for_a_body_over_the_limit(faults: Emulator, user: Dict[str, Any]) -> None:
    faults.inject({"kind": "large_body", "bytes": 200_000})
    with mx_sso.Client(base_url=faults.base_url, max_response_bytes=10_000) as client:
        with pytest.raises(mx_sso.ResponseError):
            client.update_user(user["guid"], DISABLE)


def test_invalid_argument_for_an_unknown_option_names_it() -> None:
    with pytest.raises(mx_sso.InvalidArgumentError) as caught:
        mx_sso.Client(timeout_ms=1000, max_retires=3)
    assert "max_retires" in caught.value.message
    assert caught.value.code is mx_sso.Status.INVALID_ARGUMENT


def test_invalid_argument_for_a_bad_option_value() -> None:
    with pytest.raises(mx_sso.InvalidArgumentError) as caught:
        mx_sso.Client(timeout_ms="soon")
    assert "timeout_ms" in caught.value.message or "u64" in caught.value.message


@pytest.mark.parametrize("argument", ["id", "body"])
def test_a_nul_character_is_refused_before_calling_c(
    emulator: Emulator, client: mx_sso.Client, argument: str
) -> None:
    """C would cut the text at the NUL (``"USR\\0-x"`` would become ``"USR"``): refused first,
    naming the argument as ``mx_client_call`` does."""
    values = {"id": "USR-1", "body": '{"status": "DISABLED"}'}
    values[argument] = values[argument][:3] + "\0" + values[argument][3:]
    before = emulator.requests_served()
    for call in (client.update_user, mx_sso.update_user):
        with pytest.raises(mx_sso.InvalidArgumentError) as caught:
            call(values["id"], values["body"])
        assert caught.value.message.startswith(f"{argument} contains a NUL character")
    assert emulator.requests_served() == before


@pytest.mark.parametrize("credential", ["api_key", "client_guid"])
def test_bad_credentials_are_refused_when_the_client_is_made(
    emulator: Emulator, credential: str
) -> None:
    for bad in (emulator.api_key + "\0", emulator.api_key + "\n", ""):
        given: Dict[str, Any] = {credential: bad}
        with pytest.raises(mx_sso.InvalidArgumentError) as caught:
            mx_sso.Client(base_url=emulator.base_url, **given)
        assert credential in caught.value.message
        assert_no_secret(caught.value, emulator.api_key)
    number: Dict[str, Any] = {credential: 1234567}
    with pytest.raises(TypeError) as type_error:
        mx_sso.Client(**number)
    assert "1234567" not in str(type_error.value)


def test_credentials_default_to_the_environment(
    emulator: Emulator, user: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with mx_sso.Client(base_url=emulator.base_url) as client:  # made with the variables set
        assert client.read_user(user["guid"])["guid"] == user["guid"]
    monkeypatch.setenv("MX_SSO_API_KEY", "")  # empty counts as unset: the call names api_key
    with mx_sso.Client(base_url=emulator.base_url) as client:
        with pytest.raises(mx_sso.InvalidArgumentError) as caught:
            client.read_user(user["guid"])
        assert "api_key" in caught.value.message
    monkeypatch.delenv("MX_SSO_API_KEY")
    with mx_sso.Client(base_url=emulator.base_url) as client:
        with pytest.raises(mx_sso.InvalidArgumentError) as caught:
            client.read_user(user["guid"])
        assert "api_key" in caught.value.message
        with mx_sso.Client(base_url=emulator.base_url, api_key=emulator.api_key) as explicit:
            assert explicit.read_user(user["guid"])["guid"] == user["guid"]


def test_base_url_defaults_to_the_environment(
    emulator: Emulator, user: Dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for the default client: credentials from the environment go to its host, never to
    # MX's production host by default.
    monkeypatch.setenv("MX_SSO_BASE_URL", emulator.base_url)
    with mx_sso.Client() as client:
        assert client.read_user(user["guid"])["guid"] == user["guid"]
    monkeypatch.setenv("MX_SSO_BASE_URL", "ftp://not-a-base-url")
    with pytest.raises(mx_sso.InvalidArgumentError) as caught:
        mx_sso.Client()
    assert "base_url" in caught.value.message
    with mx_sso.Client(base_url=emulator.base_url) as explicit:  # an option wins
        assert explicit.read_user(user["guid"])["guid"] == user["guid"]


def test_a_lone_surrogate_is_refused(emulator: Emulator, client: mx_sso.Client) -> None:
    with pytest.raises(mx_sso.InvalidArgumentError) as caught:
        client.read_user("USR-\ud800")
    assert caught.value.message.startswith("id cannot be encoded as UTF-8")
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_an_empty_id_is_the_librarys_error(emulator: Emulator, client: mx_sso.Client) -> None:
    with pytest.raises((mx_sso.InvalidArgumentError, mx_sso.ValidationError)) as caught:
        client.update_user("", DISABLE)
    assert "user_guid" in caught.value.message


def test_a_call_in_the_0_1_shape_is_a_type_error_and_sends_nothing(
    emulator: Emulator, client: mx_sso.Client, user: Dict[str, Any]
) -> None:
    before = emulator.requests_served()
    for call in (client.update_user, mx_sso.update_user):
        with pytest.raises(TypeError):
            call(emulator.api_key, emulator.client_guid, user["guid"], DISABLE)  # type: ignore[call-arg]
    assert emulator.requests_served() == before


def test_wrong_python_types_are_type_errors(emulator: Emulator, client: mx_sso.Client) -> None:
    with pytest.raises(TypeError):
        client.update_user(42, DISABLE)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.update_user("USR-1", ["status"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.update_user("USR-1", {"when": object()})


def test_every_subclass_is_an_mx_error_with_its_code() -> None:
    expected = {
        mx_sso.InvalidArgumentError: mx_sso.Status.INVALID_ARGUMENT,
        mx_sso.ValidationError: mx_sso.Status.VALIDATION,
        mx_sso.HttpError: mx_sso.Status.HTTP,
        mx_sso.TimeoutError: mx_sso.Status.TIMEOUT,
        mx_sso.TransportError: mx_sso.Status.TRANSPORT,
        mx_sso.ResponseError: mx_sso.Status.RESPONSE,
        mx_sso.InternalError: mx_sso.Status.INTERNAL,
    }
    for cls, code in expected.items():
        error = cls("text")
        assert isinstance(error, mx_sso.MxError)
        assert error.code is code


def test_exceptions_survive_pickling(emulator: Emulator, client: mx_sso.Client) -> None:
    with pytest.raises(mx_sso.HttpError) as caught:
        client.update_user("USR-nobody", DISABLE)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is mx_sso.HttpError
    assert (copy.code, copy.http_status, copy.mx_error, copy.message, copy.attempts) == (
        caught.value.code,
        400,
        caught.value.mx_error,
        caught.value.message,
        caught.value.attempts,
    )


def test_status_mirrors_the_c_enum() -> None:
    """The IntEnum is checked against the header the library is generated with."""
    import re

    header = (Path(__file__).resolve().parents[3] / "include" / "mx_sso.h").read_text()
    in_header = {
        name: int(value) for name, value in re.findall(r"^\s+(MX_\w+) = (\d+),", header, re.M)
    }
    assert in_header == {s.c_name: s.value for s in mx_sso.Status}
    for status in mx_sso.Status:
        assert mx_sso.status_text(status) not in ("", "unknown status")
    assert mx_sso.Status.HTTP.c_name == "MX_ERR_HTTP"
    assert mx_sso.status_text(mx_sso.Status.OK) == "success"
    assert mx_sso.status_text(99) == "unknown status"


def run_snippet(snippet: str, tmp_path: Path, **env: str) -> str:
    """Runs ``snippet`` in a fresh interpreter (the default client reads the environment once
    per process) and returns its standard output."""
    variables = {name: value for name, value in os.environ.items() if name not in env}
    variables.update({name: value for name, value in env.items() if value})
    variables["PYTHONPATH"] = str(SOURCE_DIR)
    result = subprocess.run(
        [sys.executable, "-c", snippet],
        env=variables,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


PRINT_ERROR = (
    "import mx_sso\n"
    "try:\n"
    "    mx_sso.update_user('u', {'status': 'DISABLED'})\n"
    "except mx_sso.InvalidArgumentError as e:\n"
    "    print(e.message)\n"
)


def test_an_unusable_mx_sso_base_url_names_the_variable(tmp_path: Path) -> None:
    assert "MX_SSO_BASE_URL" in run_snippet(PRINT_ERROR, tmp_path, MX_SSO_BASE_URL="ftp://h")


def test_the_default_client_without_a_key_says_how_to_set_it(tmp_path: Path) -> None:
    assert "MX_SSO_API_KEY" in run_snippet(PRINT_ERROR, tmp_path, MX_SSO_API_KEY="")


@pytest.mark.parametrize("answer", ["not json", "[]", ""])
def test_unreadable_counters_are_an_internal_error(
    emulator: Emulator, client: mx_sso.Client, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """The counters come from the library, so unreadable ones are a bug of mx-sso: an
    InternalError, as in Go (not a JSONDecodeError or a ResponseError)."""
    import mx_sso._client

    monkeypatch.setattr(mx_sso._client, "invoke", lambda *_args: answer)
    with pytest.raises(mx_sso.InternalError) as caught:
        client.stats()
    assert caught.value.code is mx_sso.Status.INTERNAL
    assert "counters" in caught.value.message
