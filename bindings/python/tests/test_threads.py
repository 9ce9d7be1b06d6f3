"""One Client shared by many threads."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Tuple

from conftest import MEASUREMENTS, Emulator, unique

import mx_sso


def test_400_calls_from_8_threads_on_one_client(emulator: Emulator) -> None:
    users: List[Dict[str, Any]] = [emulator.create_user() for _ in range(20)]

    def call(i: int) -> None:
        user = users[i % len(users)]
        if i % 5 == 4:  # every fifth call fails, to exercise the error path concurrently
            try:
                client.update_user(f"USR-missing-{i}", {"status": "DISABLED"})
            except mx_sso.HttpError as e:
                assert e.http_status == 400 and f"USR-missing-{i}" in (e.mx_error or "")
                return
            raise AssertionError("expected HttpError")
        first_name = f"Name{i}"
        answer = client.update_user(user["guid"], {"first_name": first_name})
        assert answer["guid"] == user["guid"]
        assert answer["first_name"] == first_name

    with mx_sso.Client(base_url=emulator.base_url, timeout_ms=10_000) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            for future in [pool.submit(call, i) for i in range(400)]:
                future.result()
        elapsed = time.perf_counter() - started
    MEASUREMENTS.append(
        f"threads: 400 calls from 8 threads on one Client in {elapsed * 1000:.0f} ms"
    )


def test_sixteen_threads_ensuring_one_new_user_create_one(faults: Emulator, log: Emulator) -> None:
    """The ensure race: 16 threads ensure one new external guid at once; one user is created
    and exactly one thread reports ``created``. The creates are held back 200 ms, so that every
    thread reads "not found" first and the losers meet MX's "User already exists"."""
    external = unique("race")
    faults.inject({"kind": "delay", "ms": 200, "method": "POST", "path": "/user", "count": 16})
    start = threading.Barrier(16)

    def ensure(_: int) -> Tuple[str, bool]:
        start.wait()
        user, created = client.ensure_user({"external_user_guid": external})
        return user["guid"], created

    with mx_sso.Client(base_url=log.base_url, timeout_ms=10_000) as client:
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(ensure, range(16)))
        races = client.stats()["races"]
    assert len({guid for guid, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 15 + [True]
    assert log.count("POST", "/user", 200) == 1
    assert races >= 1, "the race was not exercised"
    MEASUREMENTS.append(f"threads: 16 threads ensuring one user: {races} races resolved")
