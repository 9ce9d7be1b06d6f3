"""Without ``on_event``, events go to ``logging.getLogger("mx_sso")`` at DEBUG; while that logger
is not enabled for DEBUG the C callback is not even installed (the library builds no event)."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

import pytest
from conftest import Emulator

import mx_sso


def mx_sso_records(caplog: pytest.LogCaptureFixture) -> List[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "mx_sso"]


def test_events_go_to_the_logger_at_debug(
    faults: Emulator, user: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mx_sso")
    faults.inject({"kind": "status", "status": 503})
    with mx_sso.Client(base_url=faults.base_url) as client:
        client.read_user(user["guid"])
        attempts = client.stats()["attempts"]
    records = mx_sso_records(caplog)
    assert len(records) == attempts == 2
    for record in records:
        assert record.levelno == logging.DEBUG
        event = record.mx_sso_event  # type: ignore[attr-defined]
        assert json.loads(record.getMessage().split(" ", 1)[1]) == event
    assert [r.mx_sso_event["outcome"] for r in records] == ["MX_ERR_HTTP", "MX_OK"]  # type: ignore[attr-defined]


def test_nothing_is_installed_or_logged_while_the_logger_is_off(
    emulator: Emulator, user: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mx_sso")
    with mx_sso.Client(base_url=emulator.base_url) as client:
        client.read_user(user["guid"])
        assert client._events.installed is False
    assert mx_sso_records(caplog) == []


def test_the_logger_is_followed_call_by_call(
    emulator: Emulator, user: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("mx_sso")
    with mx_sso.Client(base_url=emulator.base_url) as client:
        caplog.set_level(logging.WARNING, logger="mx_sso")
        client.read_user(user["guid"])
        assert mx_sso_records(caplog) == [] and not client._events.installed
        caplog.set_level(logging.DEBUG, logger="mx_sso")
        client.read_user(user["guid"])
        assert len(mx_sso_records(caplog)) == 1 and client._events.installed
        logger.setLevel(logging.INFO)
        client.read_user(user["guid"])
        assert len(mx_sso_records(caplog)) == 1 and not client._events.installed


def test_a_handler_takes_the_events_instead_of_the_logger(
    emulator: Emulator, user: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mx_sso")
    seen: List[Any] = []
    with mx_sso.Client(base_url=emulator.base_url, on_event=seen.append) as client:
        client.read_user(user["guid"])
        assert len(seen) == 1 and mx_sso_records(caplog) == []
        client.on_event = None  # back to the logger
        client.read_user(user["guid"])
    assert len(seen) == 1 and len(mx_sso_records(caplog)) == 1


def test_removing_the_handler_with_the_logger_off_uninstalls_the_callback(
    emulator: Emulator, user: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mx_sso")
    with mx_sso.Client(base_url=emulator.base_url, on_event=lambda _e: None) as client:
        assert client._events.installed
        client.on_event = None
        assert not client._events.installed
        client.read_user(user["guid"])
        assert not client._events.installed
