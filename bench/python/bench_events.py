"""What events cost a Python call: side by side, interleaved in rounds, on one kept connection.

Contenders (each its own mx_sso.Client, doing MX's Update user on one user):
- no handler: the default (the ``mx_sso`` logger is not enabled for DEBUG, so no C callback is
  installed and the library builds no event);
- no handler, no per-call check: the same with the per-call "is anyone listening?" check
  patched out, to show what that check costs;
- on_event handler: a Python function that receives each event as a dict (and does nothing);
- logging fallback: no handler, the ``mx_sso`` logger at DEBUG writing to /dev/null through a
  ``logging.StreamHandler`` with a formatter;
- bare ctypes: ``mx_client_call`` with no package code around it (the floor of any binding).

    taskset -c 0 scripts/with-emulator -- \\
        taskset -c 0 python3 bench/python/bench_events.py [ROUNDS PER_ROUND]

Environment: MX_SSO_BASE_URL, MX_SSO_API_KEY, MX_SSO_CLIENT_GUID (scripts/with-emulator sets
them), MX_SSO_LIB or PYTHONPATH=bindings/python as for the tests. Prints a Markdown table: the
median of each contender's per-round medians, the ratio to "no handler", and the spread of
that ratio over rounds. A benchmark: it asserts only that every call succeeds.
"""

from __future__ import annotations

import ctypes
import logging
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
_RELEASE = Path(__file__).resolve().parents[2] / "target" / "release" / "libmx_sso.so"
if not os.environ.get("MX_SSO_LIB") and _RELEASE.is_file():
    os.environ["MX_SSO_LIB"] = str(_RELEASE)

import mx_sso  # noqa: E402
from mx_sso._lib import LIB  # noqa: E402

BODY = '{"status":"DISABLED"}'


def timed(call: Callable[[], object]) -> Callable[[int], List[int]]:
    clock = time.perf_counter_ns

    def run(n: int) -> List[int]:
        samples = []
        for _ in range(n):
            t0 = clock()
            call()
            samples.append(clock() - t0)
        return samples

    return run


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    per_round = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    base = os.environ["MX_SSO_BASE_URL"]
    logger = logging.getLogger("mx_sso")
    logger.propagate = False
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (lives for the run)
    sink.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(sink)
    logger.setLevel(logging.INFO)

    plain = mx_sso.Client(base_url=base)
    user = plain.ensure_user({"external_user_guid": f"bench-events-{uuid.uuid4()}"})[0]["guid"]
    unchecked = mx_sso.Client(base_url=base)
    unchecked._events.sync = lambda handle: None  # type: ignore[method-assign]
    events = [0]

    def count(_event: object) -> None:
        events[0] += 1

    handled = mx_sso.Client(base_url=base, on_event=count)
    logged = mx_sso.Client(base_url=base)

    run_logged = timed(lambda: logged.update_user(user, BODY))

    def with_logging(n: int) -> List[int]:
        logger.setLevel(logging.DEBUG)  # for this contender's round only
        try:
            return run_logged(n)
        finally:
            logger.setLevel(logging.INFO)

    bare_client = mx_sso.Client(base_url=base)
    bare_handle = bare_client._handle
    op, uid, body = b"user.update", user.encode(), BODY.encode()

    def bare() -> object:
        out = ctypes.c_void_p()
        status = LIB.mx_client_call(bare_handle, op, None, None, uid, body, None, ctypes.byref(out))
        text = ctypes.string_at(out.value)
        LIB.mx_string_free(out)
        assert status == 0, text
        return text

    contenders: Dict[str, Callable[[int], List[int]]] = {
        "no handler (logger off)": timed(lambda: plain.update_user(user, BODY)),
        "no handler, no per-call check": timed(lambda: unchecked.update_user(user, BODY)),
        "on_event handler (Python)": timed(lambda: handled.update_user(user, BODY)),
        "logging fallback (DEBUG)": with_logging,
        "bare ctypes mx_client_call": timed(bare),
    }
    names = list(contenders)
    medians: Dict[str, List[float]] = {name: [] for name in names}
    for rnd in range(-1, rounds):  # round -1: warm-up, not recorded
        for k in range(len(names)):
            name = names[(k + max(rnd, 0)) % len(names)]  # rotate who goes first
            samples = contenders[name](per_round)
            if rnd >= 0:
                medians[name].append(statistics.median(samples))
    assert events[0] == (rounds + 1) * per_round, "one event per call to the handler"

    baseline = medians[names[0]]
    print(f"{rounds} rounds x {per_round} calls, interleaved; median of per-round medians")
    print()
    print("| contender | µs per call | vs no handler | ratio range over rounds |")
    print("|---|---|---|---|")
    for name in names:
        ratios = [m / b for m, b in zip(medians[name], baseline)]
        print(
            f"| {name} | {statistics.median(medians[name]) / 1000:.1f} "
            f"| {statistics.median(ratios):.3f}× "
            f"| {min(ratios):.3f}–{max(ratios):.3f} |"
        )
    check = timed(plain._events.wanted)(100_000)
    print()
    print(f"the per-call check alone (EventRelay.wanted): {statistics.median(check)} ns median")
    return 0


if __name__ == "__main__":
    sys.exit(main())
