"""Client lifetime: context manager, close, garbage collection, close racing with calls."""

from __future__ import annotations

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest
from conftest import Emulator

import mx_sso

DISABLE = {"status": "DISABLED"}


def test_context_manager_closes(emulator: Emulator) -> None:
    with mx_sso.Client(base_url=emulator.base_url) as client:
        assert not client.closed
        assert "open" in repr(client)
    assert client.closed
    assert "closed" in repr(client)


def test_close_is_idempotent_and_gc_after_close_is_safe(emulator: Emulator) -> None:
    client = mx_sso.Client(base_url=emulator.base_url)
    client.close()
    client.close()
    del client
    gc.collect()


def test_a_call_after_close_is_refused(emulator: Emulator, user: Dict[str, Any]) -> None:
    client = mx_sso.Client(base_url=emulator.base_url)
    client.close()
    before = emulator.requests_served()
    with pytest.raises(mx_sso.InvalidArgumentError, match="closed"):
        client.update_user(user["guid"], DISABLE)
    assert emulator.requests_served() == before


def test_unclosed_clients_are_freed_by_the_garbage_collector(emulator: Emulator) -> None:
    for _ in range(200):
        client = mx_sso.Client(base_url=emulator.base_url)
        finalizer = client._finalizer
        del client
        gc.collect()
        assert not finalizer.alive


def test_close_while_other_threads_call(faults: Emulator, user: Dict[str, Any]) -> None:
    """Calls already running finish; later ones are refused; the client is freed once. The
    server holds each of the 4 requests 2 s, and the client is closed only once all 4 have
    reached it, so all 4 calls are surely inside the library when it closes."""
    faults.inject({"kind": "delay", "ms": 2000, "count": 4})
    before = faults.requests_served()
    client = mx_sso.Client(base_url=faults.base_url, timeout_ms=5000)
    started = threading.Barrier(5)
    outcomes: List[str] = []

    def call() -> None:
        started.wait()
        try:
            client.update_user(user["guid"], DISABLE)
            outcomes.append("ok")
        except mx_sso.InvalidArgumentError:
            outcomes.append("refused")

    with ThreadPoolExecutor(4) as pool:
        running = [pool.submit(call) for _ in range(4)]
        started.wait()
        deadline = time.monotonic() + 10
        while faults.requests_served() - before < 4 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert faults.requests_served() - before == 4, "the 4 requests never reached the server"
        client.close()
        # The delayed calls are still inside the library: the client is not freed under them.
        assert client.closed and client._finalizer.alive
        for future in running:
            future.result()
    assert not client._finalizer.alive  # freed by the last call to return
    assert outcomes == ["ok"] * 4
    with pytest.raises(mx_sso.InvalidArgumentError):
        client.update_user(user["guid"], DISABLE)


def test_close_racing_with_many_calls_never_crashes(emulator: Emulator) -> None:
    """Repeatedly close a client while 4 threads call it in a loop: every call either
    completes (here: MX's 400) or is refused as closed; the process never crashes."""

    def hammer(client: mx_sso.Client, outcomes: List[str]) -> None:
        while True:
            try:
                client.update_user("USR-nobody", DISABLE)
            except mx_sso.HttpError:
                outcomes.append("answered")
            except mx_sso.InvalidArgumentError as e:
                assert "closed" in e.message
                outcomes.append("refused")
                return

    for round_number in range(30):
        client = mx_sso.Client(base_url=emulator.base_url)
        outcomes: List[str] = []
        threads = [threading.Thread(target=hammer, args=(client, outcomes)) for _ in range(4)]
        for thread in threads:
            thread.start()
        threading.Event().wait(0.001 * (round_number % 5))
        client.close()
        for thread in threads:
            thread.join(timeout=30)
        assert outcomes.count("refused") == 4
        assert not client._finalizer.alive
