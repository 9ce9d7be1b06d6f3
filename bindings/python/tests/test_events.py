"""``Client.on_event``: one dict per attempt, with the emulator's faults; counts that match the
counters under threads; replacing and removing the handler while calls run; a raising handler."""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Tuple

import pytest
from conftest import Emulator, unique

import mx_sso
from mx_sso._types import Event

#: The keys of the package's typed ``Event``: the library's events must have exactly these (so
#: the type stays a true mirror of what the library sends).
EVENT_KEYS = set(Event.__annotations__)


def recording_client(emulator: Emulator, **options: Any) -> Tuple[mx_sso.Client, List[Any]]:
    events: List[Any] = []
    client = mx_sso.Client(base_url=emulator.base_url, on_event=events.append, **options)
    return client, events


def test_a_503_then_200_gives_two_events(faults: Emulator, user: Dict[str, Any]) -> None:
    client, events = recording_client(faults, max_retries=2)
    faults.inject({"kind": "status", "status": 503})
    with client:
        client.update_user(user["guid"], {"status": "DISABLED"})
    assert [set(e) for e in events] == [EVENT_KEYS, EVENT_KEYS]
    first, second = events
    assert (first["attempt"], first["outcome"], first["http_status"]) == (1, "MX_ERR_HTTP", 503)
    assert isinstance(first["retry_in_ms"], int) and "503" in first["message"]
    assert (second["attempt"], second["outcome"], second["http_status"]) == (2, "MX_OK", 200)
    assert second["retry_in_ms"] is None and second["message"] is None
    for event in events:
        assert (event["call"], event["op"], event["method"]) == (
            "user.update",
            "user.update",
            "PUT",
        )
        assert event["path"] == f"/user/{user['guid']}"  # no query string: no key
        assert event["connection"] in ("new", "reused") and event["ts"].endswith("Z")


def test_ensure_shows_its_steps(emulator: Emulator) -> None:
    client, events = recording_client(emulator)
    external = unique("steps")
    with client:
        client.ensure_user({"external_user_guid": external})
    assert [(e["call"], e["op"], e["attempt"], e["outcome"]) for e in events] == [
        ("user.ensure", "user.read", 1, "MX_ERR_HTTP"),
        ("user.ensure", "user.create", 2, "MX_OK"),
    ]


def test_a_validation_refusal_is_one_event_with_attempt_0(emulator: Emulator) -> None:
    client, events = recording_client(emulator)
    with client, pytest.raises(mx_sso.ValidationError):
        client.update_user("someone", {"status": "ACTIVE"})
    assert len(events) == 1
    event = events[0]
    assert (event["attempt"], event["outcome"], event["connection"]) == (
        0,
        "MX_ERR_VALIDATION",
        None,
    )
    assert "status" in event["message"] and event["http_status"] is None


def test_a_timeout_event(faults: Emulator, user: Dict[str, Any]) -> None:
    client, events = recording_client(faults, timeout_ms=300, max_retries=0)
    faults.inject({"kind": "delay", "ms": 1500})
    with client, pytest.raises(mx_sso.TimeoutError):
        client.read_user(user["guid"])
    assert [(e["attempt"], e["outcome"], e["http_status"]) for e in events] == [
        (1, "MX_ERR_TIMEOUT", None)
    ]


def test_events_match_the_counters_under_8_threads(faults: Emulator) -> None:
    """8 threads x 200 calls (successes, MX's 400s, and 503s that are retried): one event per
    attempt, as many as the counters' ``attempts``."""
    users = [faults.create_user() for _ in range(8)]
    lock = threading.Lock()
    counted: List[int] = [0]

    def count(_event: Any) -> None:
        with lock:
            counted[0] += 1

    faults.inject({"kind": "status", "status": 503, "count": 40})
    with mx_sso.Client(base_url=faults.base_url, on_event=count, max_retries=3) as client:

        def run(thread: int) -> None:
            for i in range(200):
                try:
                    if i % 4 == 3:
                        client.read_user(f"USR-missing-{thread}-{i}")
                    else:
                        client.read_user(users[thread]["guid"])
                except mx_sso.HttpError as e:
                    assert e.http_status in (400, 503)  # a call may meet 4 of the 503s

        with ThreadPoolExecutor(8) as pool:
            for future in [pool.submit(run, t) for t in range(8)]:
                future.result()
        stats = client.stats()
    assert stats["calls"] == 1600
    assert stats["retries"] > 0 and stats["attempts"] == 1600 + stats["retries"]
    assert counted[0] == stats["attempts"]


def test_removing_the_handler_while_threads_call(emulator: Emulator, user: Dict[str, Any]) -> None:
    seen: List[Any] = []
    client = mx_sso.Client(base_url=emulator.base_url, on_event=seen.append)
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            client.read_user(user["guid"])

    with client, ThreadPoolExecutor(4) as pool:
        running = [pool.submit(hammer) for _ in range(4)]
        deadline = time.monotonic() + 30
        while len(seen) < 200 and time.monotonic() < deadline:
            threading.Event().wait(0.001)
        assert len(seen) >= 200, f"only {len(seen)} events in 30 s"
        client.on_event = None  # while the 4 threads are inside calls
        threading.Event().wait(0.05)
        stop.set()
        for future in running:
            future.result()
        after_removal = len(seen)
        for _ in range(50):
            client.read_user(user["guid"])
        assert len(seen) == after_removal, "no event after the handler was removed"
        assert after_removal < client.stats()["attempts"]
        replaced: List[Any] = []
        client.on_event = replaced.append
        client.read_user(user["guid"])
        assert len(replaced) == 1 and len(seen) == after_removal


def test_a_raising_handler_does_not_break_calls_and_is_logged_once(
    emulator: Emulator, user: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_event: Any) -> None:
        raise RuntimeError("audit sink is down")

    with mx_sso.Client(base_url=emulator.base_url, on_event=broken) as client:
        for _ in range(5):
            assert client.read_user(user["guid"])["guid"] == user["guid"]
        errors = [r for r in caplog.records if r.name == "mx_sso" and r.levelno == logging.ERROR]
        assert len(errors) == 1
        assert errors[0].exc_info and "audit sink is down" in str(errors[0].exc_info[1])
        client.on_event = broken  # set again: its next exception is reported again
        client.read_user(user["guid"])
    errors = [r for r in caplog.records if r.name == "mx_sso" and r.levelno == logging.ERROR]
    assert len(errors) == 2


def test_a_handler_may_call_the_client(emulator: Emulator, user: Dict[str, Any]) -> None:
    calls_seen: List[int] = []
    with mx_sso.Client(base_url=emulator.base_url) as client:
        client.on_event = lambda _event: calls_seen.append(client.stats()["calls"])
        client.read_user(user["guid"])
    assert calls_seen == [0]  # the counters count a call when it ends


def test_a_handler_may_close_its_client(emulator: Emulator, user: Dict[str, Any]) -> None:
    """The client is freed only when the call that runs the handler returns."""
    client = mx_sso.Client(base_url=emulator.base_url)
    client.on_event = lambda _event: client.close()
    assert client.read_user(user["guid"])["guid"] == user["guid"]
    assert client.closed and not client._finalizer.alive
    with pytest.raises(mx_sso.InvalidArgumentError, match="closed"):
        client.read_user(user["guid"])


def test_on_event_must_be_callable(emulator: Emulator) -> None:
    with mx_sso.Client(base_url=emulator.base_url) as client:
        with pytest.raises(TypeError):
            client.on_event = "print"  # type: ignore[assignment]
        assert client.on_event is None


def test_a_client_with_a_handler_is_still_garbage_collected(emulator: Emulator) -> None:
    def make() -> Tuple[weakref.ref[mx_sso.Client], Any]:
        client = mx_sso.Client(base_url=emulator.base_url)
        client.on_event = lambda _event: client.stats()  # a cycle through the handler
        return weakref.ref(client), client._finalizer

    alive, finalizer = make()
    gc.collect()
    assert alive() is None and not finalizer.alive
