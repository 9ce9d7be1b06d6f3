"""One Client shared by many threads."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

from conftest import MEASUREMENTS, Emulator

import mx_sso


def test_400_calls_from_8_threads_on_one_client(emulator: Emulator) -> None:
    users: List[Dict[str, Any]] = [emulator.create_user() for _ in range(20)]

    def call(i: int) -> None:
        user = users[i % len(users)]
        if i % 5 == 4:  # every fifth call fails, to exercise the error path concurrently
            try:
                client.update_user(
                    emulator.api_key,
                    emulator.client_guid,
                    f"USR-missing-{i}",
                    {"status": "DISABLED"},
                )
            except mx_sso.HttpError as e:
                assert e.http_status == 400 and f"USR-missing-{i}" in (e.mx_error or "")
                return
            raise AssertionError("expected HttpError")
        first_name = f"Name{i}"
        answer = client.update_user(
            emulator.api_key, emulator.client_guid, user["guid"], {"first_name": first_name}
        )
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
