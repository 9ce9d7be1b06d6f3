"""Thousands of calls, successful and failing, leave memory use flat.

Every result string comes from the library and must go back through mx_string_free; a leak of
one ~2 KB answer per call would show here as several megabytes.
"""

from __future__ import annotations

import gc
import resource
import sys
from typing import Any, Callable, Dict

import pytest
from conftest import MEASUREMENTS, Emulator

import mx_sso

CALLS = 3000
MAX_GROWTH_KB = 10 * 1024


def peak_rss_kb() -> int:
    """The process's peak resident set size in KiB (ru_maxrss is bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def run_calls(count: int, client: mx_sso.Client, emulator: Emulator, user: Dict[str, Any]) -> None:
    """Cycles through a success, an HTTP error, a validation error and a default-client call."""
    kinds: Dict[int, Callable[[], Any]] = {
        0: lambda: client.update_user(
            emulator.api_key, emulator.client_guid, user["guid"], {"status": "DISABLED"}
        ),
        1: lambda: client.update_user(
            emulator.api_key, emulator.client_guid, "USR-missing", '{"status": "ENABLED"}'
        ),
        2: lambda: client.update_user(
            emulator.api_key, emulator.client_guid, user["guid"], {"sex": "X"}
        ),
        3: lambda: mx_sso.update_user(
            emulator.api_key, emulator.client_guid, user["guid"], {"first_name": "A"}
        ),
    }
    for i in range(count):
        try:
            kinds[i % 4]()
        except (mx_sso.HttpError, mx_sso.ValidationError):
            pass


@pytest.mark.skipif(sys.platform == "win32", reason="resource is POSIX only")
def test_calls_do_not_leak(emulator: Emulator, user: Dict[str, Any]) -> None:
    with mx_sso.Client(base_url=emulator.base_url) as client:
        run_calls(400, client, emulator, user)  # warm-up: pools, allocator arenas, caches
        gc.collect()
        before = peak_rss_kb()
        run_calls(CALLS, client, emulator, user)
        for _ in range(200):  # clients created and freed
            mx_sso.Client(base_url=emulator.base_url, timeout_ms=1000).close()
        gc.collect()
        growth = peak_rss_kb() - before
    MEASUREMENTS.append(
        f"memory: {CALLS} calls + 200 clients: peak RSS {before} KiB, +{growth} KiB"
    )
    assert growth < MAX_GROWTH_KB, f"peak RSS grew by {growth} KiB over {CALLS} calls"


@pytest.mark.skipif(sys.platform == "win32", reason="resource is POSIX only")
def test_large_answers_are_freed(faults: Emulator, user: Dict[str, Any]) -> None:
    """300 answers of 100 KB each: 30 MB would stay behind if a result were not freed."""
    answers, size = 300, 100_000
    with mx_sso.Client(base_url=faults.base_url) as client:

        def call() -> None:
            answer = client.update_user(
                faults.api_key, faults.client_guid, user["guid"], {"status": "DISABLED"}
            )
            assert len(answer["padding"]) == size - len('{"padding":""}')

        faults.inject({"kind": "large_body", "bytes": size, "count": 20})
        for _ in range(20):  # warm-up
            call()
        gc.collect()
        before = peak_rss_kb()
        faults.inject({"kind": "large_body", "bytes": size, "count": answers})
        for _ in range(answers):
            call()
        gc.collect()
        growth = peak_rss_kb() - before
    MEASUREMENTS.append(
        f"memory: {answers} answers of {size} bytes: peak RSS {before} KiB, +{growth} KiB"
    )
    assert growth < MAX_GROWTH_KB, f"peak RSS grew by {growth} KiB over {answers} large answers"
