"""Python side by side: mx_sso.Client against requests.Session and httpx.Client (and the C path
through the same library, for the binding's overhead), each doing MX's Update user on one kept
connection, interleaved in rounds. Writes raw samples "contender<TAB>round<TAB>ns".

    python bench_update.py OUT ROUNDS PER_ROUND CPATH_SO

Environment: MX_SSO_BASE_URL, MX_SSO_API_KEY, MX_SSO_CLIENT_GUID, BENCH_USER, MX_SSO_LIB,
MX_SSO_CA_FILE for https. A benchmark: it asserts only that every call succeeds.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from typing import Callable, Dict, List

BODY = '{"status":"DISABLED"}'


def main() -> int:
    out_path, rounds, per_round, cpath_so = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    base = os.environ["MX_SSO_BASE_URL"]
    key = os.environ["MX_SSO_API_KEY"]
    client_guid = os.environ["MX_SSO_CLIENT_GUID"]
    user = os.environ["BENCH_USER"]
    ca_file = os.environ.get("MX_SSO_CA_FILE") if base.startswith("https:") else None
    url = f"{base}/user/{user}"
    params = {"k": key, "c": client_guid}
    headers = {"Content-Type": "application/json", "Accept": "application/json"}

    import mx_sso

    contenders: Dict[str, Callable[[int], List[int]]] = {}
    clock = time.perf_counter_ns

    mx = mx_sso.Client(api_key=key, client_guid=client_guid, base_url=base, ca_file=ca_file)

    def run_mx(n: int) -> List[int]:
        ns = []
        for _ in range(n):
            t0 = clock()
            user_obj = mx.update_user(user, BODY)
            ns.append(clock() - t0)
        assert user_obj["guid"] == user
        return ns

    contenders["mx_sso.Client"] = run_mx

    # The C path through the same library, timed in C.
    lib = ctypes.CDLL(os.environ["MX_SSO_LIB"])
    lib.mx_client_new.restype = ctypes.c_void_p
    lib.mx_client_new.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    cpath = ctypes.CDLL(cpath_so)
    cpath.bench_c_path.restype = ctypes.c_int
    cpath.bench_c_path.argtypes = [ctypes.c_void_p] + [ctypes.c_char_p] * 4 + [
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int64),
    ]
    import json

    options = {"base_url": base}
    if ca_file:
        options["ca_file"] = ca_file
    handle = lib.mx_client_new(json.dumps(options).encode(), None)
    assert handle, "mx_client_new failed"
    c_args = [s.encode() for s in (key, client_guid, user, BODY)]

    def run_c(n: int) -> List[int]:
        buf = (ctypes.c_int64 * n)()
        failed = cpath.bench_c_path(handle, *c_args, n, buf)
        assert failed == 0, f"{failed} C-path calls failed"
        return list(buf)

    contenders["C path (same process)"] = run_c

    # The same library call through bare ctypes (no argument checks, no JSON decoding): splits
    # the binding's overhead into ctypes' share and the package's own Python work.
    lib.mx_client_update_user.restype = ctypes.c_int
    lib.mx_client_update_user.argtypes = [ctypes.c_void_p] + [ctypes.c_char_p] * 4 + [
        ctypes.POINTER(ctypes.c_void_p)
    ]
    lib.mx_string_free.argtypes = [ctypes.c_void_p]
    lib.mx_string_free.restype = None

    def run_ctypes(n: int) -> List[int]:
        ns = []
        call, free, string_at = lib.mx_client_update_user, lib.mx_string_free, ctypes.string_at
        for _ in range(n):
            t0 = clock()
            out = ctypes.c_void_p()
            status = call(handle, *c_args, ctypes.byref(out))
            text = string_at(out.value)
            free(out)
            ns.append(clock() - t0)
        assert status == 0 and text
        return ns

    contenders["bare ctypes call"] = run_ctypes

    try:
        import requests

        session = requests.Session()
        verify = ca_file if ca_file else True

        def run_requests(n: int) -> List[int]:
            ns = []
            for _ in range(n):
                t0 = clock()
                r = session.put(url, params=params, data=BODY, headers=headers, verify=verify, timeout=30)
                r.raise_for_status()
                user_obj = r.json()
                ns.append(clock() - t0)
            assert user_obj["guid"] == user
            return ns

        contenders["requests.Session"] = run_requests
    except ImportError:
        print("bench_update.py: requests is not installed; skipped", file=sys.stderr)

    try:
        import httpx

        hx = httpx.Client(verify=ca_file if ca_file else True, timeout=30)

        def run_httpx(n: int) -> List[int]:
            ns = []
            for _ in range(n):
                t0 = clock()
                r = hx.put(url, params=params, content=BODY, headers=headers)
                r.raise_for_status()
                user_obj = r.json()
                ns.append(clock() - t0)
            assert user_obj["guid"] == user
            return ns

        contenders["httpx.Client"] = run_httpx
    except ImportError:
        print("bench_update.py: httpx is not installed; skipped", file=sys.stderr)

    names = list(contenders)
    with open(out_path, "w") as out:
        for rnd in range(-1, rounds):  # round -1: warm-up, not recorded
            for k in range(len(names)):
                name = names[(k + max(rnd, 0)) % len(names)]
                ns = contenders[name](per_round)
                if rnd >= 0:
                    out.writelines(f"{name}\t{rnd}\t{v}\n" for v in ns)
    mx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
