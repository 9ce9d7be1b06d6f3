#!/usr/bin/env python3
"""What a bank writes instead of `mx-sso batch`: a CSV of user ids, a ThreadPoolExecutor of 16
threads, a requests.Session per thread (one keep-alive pool each), one PUT /user/{id} with
{"status": "DISABLED"} per row, and a results file with one line per row.

    python_batch.py INPUT.csv RESULTS.jsonl [THREADS]   (MX_SSO_BASE_URL, MX_SSO_API_KEY,
                                                          MX_SSO_CLIENT_GUID from the environment)
"""
import csv
import json
import os
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import requests

base = os.environ["MX_SSO_BASE_URL"].rstrip("/")
params = {"k": os.environ["MX_SSO_API_KEY"], "c": os.environ["MX_SSO_CLIENT_GUID"]}
local = threading.local()
results_lock = threading.Lock()


def session():
    if not hasattr(local, "session"):
        local.session = requests.Session()
    return local.session


def update(line, user_id, results):
    started = time.monotonic()
    url = f"{base}/user/{urllib.parse.quote(user_id, safe='')}"
    try:
        answer = session().put(url, params=params, json={"status": "DISABLED"}, timeout=30)
        status, error = answer.status_code, None if answer.ok else answer.text
    except requests.RequestException as e:
        status, error = None, str(e)
    row = {"line": line, "id": user_id, "http_status": status, "error": error,
           "elapsed_ms": int((time.monotonic() - started) * 1000)}
    with results_lock:
        results.write(json.dumps(row) + "\n")
    return status == 200


def main():
    source, target = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    with open(source, newline="") as f, open(target, "w") as results:
        rows = csv.DictReader(f)
        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(update, i + 2, row["id"], results) for i, row in enumerate(rows)]
            ok = sum(1 for future in futures if future.result())
    print(f"{ok} of {len(futures)} rows OK")


if __name__ == "__main__":
    main()
