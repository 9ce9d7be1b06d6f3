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
    """Cycles through a success, an HTTP error, a validation error, a default-client call, an
    ensure and the counters; the client's event handler runs for each of its calls."""
    kinds: Dict[int, Callable[[], Any]] = {
        0: lambda: client.update_user(user["guid"], {"status": "DISABLED"}),
        1: lambda: client.update_user("USR-missing", '{"status": "ENABLED"}'),
        2: lambda: client.update_user(user["guid"], {"sex": "X"}),
        3: lambda: mx_sso.update_user(user["guid"], {"first_name": "A"}),
        4: lambda: client.ensure_user({"external_user_guid": user["external_user_guid"]}),
        5: lambda: client.stats(),
    }
    for i in range(count):
        try:
            kinds[i % 6]()
        except (mx_sso.HttpError, mx_sso.ValidationError):
            pass


@pytest.mark.skipif(sys.platform == "win32", reason="resource is POSIX only")
def test_calls_do_not_leak(emulator: Emulator, user: Dict[str, Any]) -> None:
    events = [0]

    def count(_event: Any) -> None:
        events[0] += 1

    with mx_sso.Client(base_url=emulator.base_url, on_event=count) as client:
        run_calls(400, client, emulator, user)  # warm-up: pools, allocator arenas, caches
        gc.collect()
        before = peak_rss_kb()
        events[0] = 0
        run_calls(CALLS, client, emulator, user)
        assert events[0] == CALLS * 4 // 6, "one event per call but stats and the default's"
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
            answer = client.update_user(user["guid"], {"status": "DISABLED"})
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
