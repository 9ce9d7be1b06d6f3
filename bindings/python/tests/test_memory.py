"""Every string the library hands over goes back to it, and memory use stays flat.

Every result string comes from the library and must go back through ``mx_string_free``, every
client through ``mx_client_free``. The first test counts both exactly, by wrapping the library's
functions, over thousands of successful and failing calls; the second shows a leak of large
answers in the peak RSS.
"""

from __future__ import annotations

import ctypes
import gc
import resource
import sys
from collections import Counter
from typing import Any, Callable, Dict

import pytest
from conftest import MEASUREMENTS, Emulator

import mx_sso
from mx_sso._lib import LIB

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


class LibraryLedger:
    """Wraps the library's functions (through monkeypatch) to count the strings it hands over
    through an out-parameter (``out_buf``, ``out_err``), the strings given back to
    ``mx_string_free``, and the clients made and freed. Pointers are counted as multisets: the
    allocator may hand the same address out again once it was freed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.handed: Counter[int] = Counter()
        self.freed: Counter[int] = Counter()
        self.clients_made: Counter[int] = Counter()
        self.clients_freed: Counter[int] = Counter()
        for name in ("mx_client_new", "mx_client_call", "mx_client_stats"):
            monkeypatch.setattr(
                LIB, name, self._handing(getattr(LIB, name), name == "mx_client_new")
            )
        real_string_free = LIB.mx_string_free
        real_client_free = LIB.mx_client_free

        def string_free(pointer: Any) -> None:
            value = pointer.value if isinstance(pointer, ctypes.c_void_p) else pointer
            if value:
                self.freed[value] += 1
            real_string_free(pointer)

        def client_free(handle: Any) -> None:
            if handle:
                self.clients_freed[handle] += 1
            real_client_free(handle)

        monkeypatch.setattr(LIB, "mx_string_free", string_free)
        monkeypatch.setattr(LIB, "mx_client_free", client_free)

    def _handing(self, function: Callable[..., Any], makes_client: bool) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            result = function(*args)
            out = args[-1]._obj  # the c_void_p passed by ctypes.byref: the string handed over
            if out.value:
                self.handed[out.value] += 1
            if makes_client and result:
                self.clients_made[result] += 1
            return result

        return wrapper


def test_every_string_and_client_the_library_hands_over_is_freed(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator, user: Dict[str, Any]
) -> None:
    """Successes, HTTP and validation errors, default-client calls, ensures, counters, refused
    options and closed clients: as many strings freed as handed over, as many clients freed as
    made (a missing ``mx_string_free`` or ``mx_client_free`` on any path fails this)."""
    ledger = LibraryLedger(monkeypatch)
    events = [0]

    def count(_event: Any) -> None:
        events[0] += 1

    with mx_sso.Client(base_url=emulator.base_url, on_event=count) as client:
        run_calls(CALLS, client, emulator, user)
    assert events[0] == CALLS * 4 // 6, "one event per call but stats and the default's"
    for i in range(100):  # clients made and freed: closed, dropped, and refused options
        made = mx_sso.Client(base_url=emulator.base_url, timeout_ms=1000)
        if i % 2 == 0:
            made.close()
        del made
        with pytest.raises(mx_sso.InvalidArgumentError):
            mx_sso.Client(base_url=emulator.base_url, timeout_ms=-1)
    gc.collect()
    handed, clients = sum(ledger.handed.values()), sum(ledger.clients_made.values())
    MEASUREMENTS.append(
        f"memory: {CALLS} calls + 200 clients: {handed} strings handed over, "
        f"{sum(ledger.freed.values())} freed; {clients} clients made, "
        f"{sum(ledger.clients_freed.values())} freed"
    )
    assert handed >= CALLS, "every call hands over a string (its answer or error object)"
    assert ledger.freed == ledger.handed
    assert clients == 101 and ledger.clients_freed == ledger.clients_made


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
