"""No secret in any output: every failure path (and the successes that carry login material)
runs with a recognisable API key and credential value, with events recorded and the ``mx_sso``
logger at DEBUG; then every exception text, event, log record, counter and the emulator's
request log is searched for the key, the credential value, ``login_token`` values and widget
URLs."""

from __future__ import annotations

import json
import logging
import pickle
from typing import Any, Callable, Dict, Iterator, List

import pytest
from conftest import Emulator, own_emulator, unique

import mx_sso

API_KEY = "PY-SECRET-KEY-4b9e0c-do-not-print"
WRONG_KEY = "PY-WRONG-KEY-91d3aa-do-not-print"
CREDENTIAL = "PY-CRED-VALUE-5e77f1-do-not-print"


@pytest.fixture(scope="module")
def secret_emulator() -> Iterator[Emulator]:
    with own_emulator("--api-key", API_KEY) as emulator:
        yield emulator


class Outputs:
    """Every text a caller could see or log."""

    def __init__(self) -> None:
        self.texts: List[str] = []
        self.login_material: List[str] = []

    def event(self, event: Any) -> None:
        self.texts.append(json.dumps(event))

    def error(self, run: Callable[[], Any]) -> None:
        try:
            run()
        except (mx_sso.MxError, TypeError) as e:
            self.texts += [str(e), repr(e), repr(e.args), repr(pickle.loads(pickle.dumps(e)))]
            if isinstance(e, mx_sso.MxError):
                self.texts += [e.message, repr(e.mx_error), repr(e.__dict__)]
            return
        raise AssertionError("expected a failure")

    def success(self, result: Any) -> None:
        """Keeps the login material of a successful answer, to search for it elsewhere."""
        for user in result if isinstance(result, tuple) else [result]:
            if isinstance(user, dict):
                self.login_material += [
                    str(value)
                    for key, value in user.items()
                    if value and (key == "login_token" or key.endswith("_widget_url"))
                ]


def run_every_path(emulator: Emulator, out: Outputs) -> None:
    base: Dict[str, Any] = {"base_url": emulator.base_url, "timeout_ms": 3000, "max_retries": 1}
    user_key = [{"field_name": "userkey", "response": CREDENTIAL}]
    with mx_sso.Client(api_key=API_KEY, on_event=out.event, **base) as client:
        external = unique("secret")
        out.success(client.ensure_user({"external_user_guid": external}))
        out.success(client.read_user(external))
        out.success(client.update_user(external, {"first_name": "Ann"}))
        member = client.ensure_member(
            {
                "external_user_guid": external,
                "external_member_guid": unique("sm"),
                "credentials": user_key,
            }
        )
        out.error(lambda: client.update_user(external, {"status": "OFF"}))
        out.error(lambda: client.read_user("USR-nobody"))
        out.error(
            lambda: client.create_member(
                {
                    "external_user_guid": external,
                    "credentials": [{"field_name": "login", "response": CREDENTIAL}],
                }
            )
        )
        out.error(
            lambda: client.create_member(
                {
                    "external_user_guid": external,
                    "credentials": [
                        {"field_name": "userkey", "response": CREDENTIAL},
                        {"field_name": "pin", "response": CREDENTIAL},
                    ],
                }
            )
        )
        out.error(lambda: client.update_member("M-nobody", {"credentials": user_key}))
        out.error(
            lambda: client.create_member(
                {"external_user_guid": "U-nobody", "credentials": user_key}
            )
        )
        emulator.inject({"kind": "status", "status": 503, "count": 2})
        out.error(lambda: client.read_user(external))
        emulator.inject({"kind": "delay", "ms": 1500})
        out.error(lambda: client.call("user.read", external, timeout_ms=300))
        emulator.inject({"kind": "process_then_close", "method": "POST", "path": "/member"})
        out.success(
            client.create_member(
                {
                    "user_guid": member[0]["user_guid"],
                    "external_member_guid": unique("lost"),
                    "credentials": user_key,
                }
            )
        )
        emulator.inject({"kind": "close", "count": 2})
        out.error(lambda: client.update_member(member[0]["guid"], {"credentials": user_key}))
        out.texts += [json.dumps(client.stats()), repr(client), repr(vars(client))]
    with mx_sso.Client(api_key=API_KEY, strict_fields=False, on_event=out.event, **base) as lenient:
        emulator.inject({"kind": "process_then_close", "method": "POST", "path": "/user"})
        out.error(lambda: lenient.create_user({"email": "a@bank.example"}))
        out.error(
            lambda: lenient.create_member(
                {
                    "external_user_guid": external,
                    "credentials": [{"field_name": "pin", "response": CREDENTIAL}],
                }
            )
        )
        out.texts.append(json.dumps(lenient.stats()))
    with mx_sso.Client(api_key=WRONG_KEY, **base) as wrong:  # events to the logger
        out.error(lambda: wrong.read_user(external))
        out.error(
            lambda: wrong.create_member({"external_user_guid": external, "credentials": user_key})
        )
    out.error(lambda: mx_sso.Client(api_key=API_KEY + "\n", **base))
    out.error(lambda: mx_sso.Client(api_key=API_KEY + "\0", **base))
    out.error(lambda: mx_sso.Client(api_key=1234567890123, **base))  # type: ignore[arg-type]
    out.error(
        lambda: mx_sso.Client(
            api_key=API_KEY, base_url="ftp://h", proxy="http://u:" + API_KEY + "@h:1"
        )
    )


def test_no_secret_in_any_output(
    secret_emulator: Emulator, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="mx_sso")
    secret_emulator.clear_log()
    out = Outputs()
    try:
        run_every_path(secret_emulator, out)
    finally:
        secret_emulator.clear_faults()
    assert len(out.login_material) >= 8, "the successes returned login material to search for"
    records = [r for r in caplog.records if r.name == "mx_sso"]
    assert len(records) >= 2  # the wrong-key client's events went to the logger
    out.texts += [r.getMessage() + repr(r.__dict__) for r in records]
    out.texts.append(json.dumps(secret_emulator.log()))
    captured = capfd.readouterr()
    out.texts += [captured.out, captured.err]
    everything = "\n".join(out.texts)
    assert "MX answered HTTP 503" in everything and "Member not found." in everything
    for secret in [API_KEY, WRONG_KEY, CREDENTIAL, "1234567890123", *out.login_material]:
        assert secret not in everything, f"a secret ({secret[:6]}...) appears in an output"
