#!/usr/bin/env python3
"""mx-sso benchmarks side by side, against the local emulator on loopback.

    bench/run.py            (make bench: builds first, then this)
    BENCH_QUICK=1 bench/run.py   a short run, to try the harness (figures too noisy to quote)
    bench/run.py --report   rewrite bench/RESULTS.md from the last run (no measuring)

What it does, in order:
  1. installs what it needs when missing: libcurl headers (apt-get), a venv under
     target/bench/venv with requests and httpx (pip);
  2. builds the C programs in bench/c (and the Go program in bench/go when the Go package is
     committed) into target/bench;
  3. runs every suite against a fresh emulator (scripts/with-emulator) with the emulator and
     every client pinned to CPU 0 (taskset -c 0), contenders interleaved in rounds;
  4. profiles (strace -c, valgrind callgrind) the C contenders;
  5. writes bench/RESULTS.md and prints the tables.

It asserts nothing about speed: it is a benchmark, not a test. Only standard-library Python.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = ROOT / "target" / "bench"
RELEASE = ROOT / "target" / "release"
VENV = OUT / "venv"
WITH_EMULATOR = ROOT / "scripts" / "with-emulator"
USER_GUID = "USR-0bench00-0000-4000-8000-000000000001"
QUICK = os.environ.get("BENCH_QUICK") == "1"

# Rounds x calls per round, per contender. Sized so that the whole run stays well under ten
# minutes on a 2-CPU VM.
PLAIN_ROUNDS, PER_ROUND = (5, 50) if QUICK else (60, 200)
TLS_ROUNDS = 5 if QUICK else 40
NEWCONN_ROUNDS, NEWCONN_PER_ROUND = (2, 5) if QUICK else (10, 20)
PY_ROUNDS, PY_PER_ROUND = (3, 50) if QUICK else (15, 200)
GO_ROUNDS = 5 if QUICK else 60
THROUGHPUT_SECONDS = 0.5 if QUICK else 1.5
THROUGHPUT_THREADS = [1, 2, 4, 8]
RSS_CALLS = (1000, 10000) if QUICK else (1000, 100000)
FIRST_CALL_RUNS = 5 if QUICK else 25
PROFILE_CALLS = (200, 1200)  # difference of two runs: per-call figures without start-up
# The 0.1.0 release: "before" in the before/after comparison of builds (built once into
# target/bench/baseline-0.1 from `git archive`; set BENCH_BASELINE=0 to skip it).
BASELINE_COMMIT = "db6db73c4ab2974ddbd33e6427e8ff8c1141c930"
BUILDS_ROUNDS, BUILDS_PER_ROUND = (4, 100) if QUICK else (30, 400)


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def run(cmd: Sequence[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def output(cmd: Sequence[str], **kw) -> str:
    return run(cmd, stdout=subprocess.PIPE, text=True, **kw).stdout


# --------------------------------------------------------------------------- set-up


def curl_header_present() -> bool:
    return any(Path(p).exists() for p in ("/usr/include/curl/curl.h",
                                          "/usr/include/x86_64-linux-gnu/curl/curl.h",
                                          "/usr/include/aarch64-linux-gnu/curl/curl.h"))


def ensure_curl() -> None:
    if curl_header_present():
        return
    log("libcurl headers missing: apt-get install -y libcurl4-openssl-dev")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(sudo + ["apt-get", "install", "-y", "libcurl4-openssl-dev"], env=env).returncode:
        run(sudo + ["apt-get", "update"], env=env)
        run(sudo + ["apt-get", "install", "-y", "libcurl4-openssl-dev"], env=env)


def ensure_venv() -> Path:
    py = VENV / "bin" / "python"
    if not py.exists():
        log(f"creating {VENV}")
        run([sys.executable, "-m", "venv", VENV])
    missing = [m for m in ("requests", "httpx")
               if subprocess.run([py, "-c", f"import {m}"], stderr=subprocess.DEVNULL).returncode]
    if missing:
        log(f"pip install {' '.join(missing)} into {VENV}")
        r = subprocess.run([py, "-m", "pip", "install", "-q", *missing])
        if r.returncode:
            log("pip install failed; the Python suite runs without the missing contenders")
    return py


def go_package_landed() -> bool:
    tracked = subprocess.run(["git", "-C", ROOT, "ls-files", "bindings/go/go.mod"],
                             stdout=subprocess.PIPE, text=True).stdout.strip()
    return bool(tracked) and shutil.which("go") is not None and (BENCH / "go" / "main.go").exists()


def build() -> Dict[str, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    for f in ("libmx_sso.so", "libmx_sso.a", "mx-sso-emulator"):
        if not (RELEASE / f).exists():
            sys.exit(f"bench: {RELEASE / f} is missing; run `make build` (make bench does)")
    cc = os.environ.get("CC", "cc")
    inc = ["-I", ROOT / "include"]
    link = ["-L", RELEASE, f"-Wl,-rpath,{RELEASE}", "-lmx_sso"]
    bins = {"bench": OUT / "bench", "cpath": OUT / "libbench_cpath.so"}
    log("building bench/c")
    run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", *inc, BENCH / "c" / "bench.c", "-o", bins["bench"],
         *link, "-lcurl", "-lpthread"])
    run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-shared", "-fPIC", *inc, BENCH / "c" / "cpath.c",
         "-o", bins["cpath"], *link])
    if go_package_landed():
        log("building bench/go")
        # The go command does not notice a changed libmx_sso.a named in #cgo LDFLAGS and can
        # link a stale copy from its cache (an earlier run measured the pre-lean-transport
        # library this way). A define carrying the library's checksum keys the cache on it, as
        # bindings/go/Makefile does.
        stamp = hashlib.sha256((RELEASE / "libmx_sso.a").read_bytes()).hexdigest()[:16]
        env = dict(os.environ, CGO_ENABLED="1", CGO_CFLAGS=f"-O2 -g -DMX_SSO_LIB_STAMP={stamp}")
        r = subprocess.run(["go", "build", "-o", OUT / "bench-go", "."], cwd=BENCH / "go", env=env)
        if r.returncode == 0:
            bins["go"] = OUT / "bench-go"
        else:
            log("bench/go did not build; the Go suite is skipped")
    return bins


def soname_file(lib_dir: Path) -> Path:
    """The library of a build directory by its SONAME link (make build creates it)."""
    text = output(["readelf", "-d", lib_dir / "libmx_sso.so"], env=dict(os.environ, LC_ALL="C"))
    name = re.search(r"\(SONAME\).*\[(.*)\]", text)
    return lib_dir / (name.group(1) if name else "libmx_sso.so")


def baseline_build() -> Optional[Path]:
    """The 0.1.0 release's library directory, built once (a few minutes) into target/bench."""
    if os.environ.get("BENCH_BASELINE") == "0":
        return None
    src = OUT / "baseline-0.1"
    lib_dir = src / "target" / "release"
    if not (lib_dir / "libmx_sso.so").exists():
        log(f"building the 0.1.0 release ({BASELINE_COMMIT[:7]}) into {src} for the before/after rows")
        src.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", ROOT, "archive", BASELINE_COMMIT],
                                 stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
        r = subprocess.run(["cargo", "build", "--release", "--locked", "-p", "mx-sso"], cwd=src)
        if r.returncode:
            log("the 0.1.0 build failed; the before/after rows are skipped")
            return None
        run([src / "packaging" / "link-build-tree", lib_dir])
    return lib_dir


def suite_builds(bins) -> dict:
    """This build against the 0.1.0 release and (when `make dist` has run) the glibc 2.17 dist
    library: instructions per call (callgrind) and wall clock with both loaded in one process,
    interleaved, everything on CPU 0."""
    res: dict = {}
    version = re.search(r'MX_SSO_VERSION_STRING "(.*)"', (ROOT / "include" / "mx_sso.h").read_text()).group(1)
    others = {"0.1.0 release": baseline_build(),
              "dist (glibc 2.17)": ROOT / "target" / "dist" / "stage" / f"mx-sso-{version}-x86_64-linux-gnu" / "lib"}
    per_call = OUT / "per_call"
    run(["cc", "-std=c99", "-O2", "-I", ROOT / "include", BENCH / "dist" / "per_call.c", "-o", per_call, "-ldl"])
    env = dict(os.environ, MX_SSO_EMULATOR_BIN=str(RELEASE / "mx-sso-emulator"))
    for label, lib_dir in others.items():
        if lib_dir is None or not (lib_dir / "libmx_sso.so").exists():
            log(f"builds: {label} not available, skipped")
            continue
        log(f"builds: this build against {label}")
        counts = output([BENCH / "callgrind" / "per-call", lib_dir, RELEASE], env=env)
        instructions = [int(m) for m in re.findall(r": (\d+) instructions per call", counts)]
        text = output(["taskset", "-c", "0", WITH_EMULATOR, "--seed", ROOT / "examples" / "demo-users.json",
                       "--", per_call, soname_file(lib_dir), soname_file(RELEASE),
                       BUILDS_ROUNDS, BUILDS_PER_ROUND], env=env)
        medians = [float(m) for m in re.findall(r"median ([\d.]+) us per call", text)]
        res[label] = {"instructions": instructions, "medians_us": medians}
    return res


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: List[int], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def read_samples(path: Path) -> Dict[str, Dict[int, List[int]]]:
    """contender -> round -> [ns]"""
    data: Dict[str, Dict[int, List[int]]] = defaultdict(lambda: defaultdict(list))
    for line in path.read_text().splitlines():
        name, rnd, ns = line.split("\t")
        data[name][int(rnd)].append(int(ns))
    return data


def summarize(path: Path) -> Dict[str, dict]:
    data = read_samples(path)
    result = {}
    for name, rounds in data.items():
        values = sorted(v for r in rounds.values() for v in r)
        result[name] = {
            "n": len(values),
            "median_us": percentile(values, 0.5) / 1000,
            "p99_us": percentile(values, 0.99) / 1000,
            "round_medians": {r: statistics.median(v) for r, v in rounds.items()},
        }
    return result


def ratio(summary: Dict[str, dict], a: str, b: str) -> Optional[dict]:
    """Ratio of medians a/b, and the spread of the per-round ratios (same round, so the same
    machine state) as p25-p75."""
    if a not in summary or b not in summary:
        return None
    ra, rb = summary[a]["round_medians"], summary[b]["round_medians"]
    per_round = sorted(ra[r] / rb[r] for r in ra if r in rb)
    return {
        "ratio": summary[a]["median_us"] / summary[b]["median_us"],
        "p25": percentile(per_round, 0.25),
        "p75": percentile(per_round, 0.75),
    }


# --------------------------------------------------------------------------- suites (inside the emulator)


def emulator_env() -> Dict[str, str]:
    return dict(os.environ, BENCH_USER=USER_GUID, MX_SSO_LIB=str(RELEASE / "libmx_sso.so"),
                MX_SSO_LIB_DIR=str(RELEASE))


def strace_counts(cmd: List[str], env: Dict[str, str]) -> Dict[str, int]:
    with tempfile.NamedTemporaryFile(suffix=".strace") as f:
        run(["strace", "-f", "-c", "-o", f.name, *cmd], env=env, stdout=subprocess.DEVNULL)
        counts = {}
        for line in Path(f.name).read_text().splitlines():
            parts = line.split()
            # % time, seconds, usecs/call, calls, [errors], syscall
            if len(parts) >= 5 and re.fullmatch(r"[\d.]+", parts[0]) and parts[-1] != "total":
                counts[parts[-1]] = int(parts[3])
        return counts


def callgrind_instructions(cmd: List[str], env: Dict[str, str]) -> int:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "cg.out"
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *map(str, cmd)],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           check=True)
        m = re.search(r"Collected : (\d+)", r.stderr)
        return int(m.group(1)) if m else -1


def profile(bins, contenders: List[str], env, calls: Tuple[int, int] = PROFILE_CALLS) -> Dict[str, dict]:
    """Per-call syscalls (strace -c -f) and user-space instructions (callgrind), each as the
    difference between a run of calls[1] and one of calls[0] calls."""
    n0, n1 = calls
    result = {}
    for c in contenders:
        s0 = strace_counts([bins["bench"], "loop", n0, c], env)
        s1 = strace_counts([bins["bench"], "loop", n1, c], env)
        per_call = {k: (s1.get(k, 0) - s0.get(k, 0)) / (n1 - n0) for k in set(s0) | set(s1)}
        per_call = {k: round(v, 2) for k, v in per_call.items() if abs(v) >= 0.01}
        entry = {"syscalls": dict(sorted(per_call.items(), key=lambda kv: -kv[1])),
                 "syscalls_total": round(sum(per_call.values()), 2)}
        if shutil.which("valgrind"):
            i0 = callgrind_instructions([bins["bench"], "loop", n0, c], env)
            i1 = callgrind_instructions([bins["bench"], "loop", n1, c], env)
            entry["instructions"] = round((i1 - i0) / (n1 - n0))
        result[c] = entry
        log(f"  profile {c}: {entry['syscalls_total']} syscalls/call, "
            f"{entry.get('instructions', '?')} instructions/call")
    return result


def first_call_times(bins, impls: List[str], env) -> Dict[str, dict]:
    """Spawn-to-exit time of a fresh process making one call, interleaved across impls."""
    times: Dict[str, List[float]] = defaultdict(list)
    for _ in range(FIRST_CALL_RUNS):
        for impl in impls:
            t0 = time.perf_counter_ns()
            run([bins["bench"], "first", impl], env=env)
            times[impl].append((time.perf_counter_ns() - t0) / 1e6)
    return {k: {"median_ms": statistics.median(v), "min_ms": min(v), "max_ms": max(v), "n": len(v)}
            for k, v in times.items()}


def suite_plain(bins) -> dict:
    env = emulator_env()
    res: dict = {}
    log("C latency over HTTP: mx_client, mx_oneshot, curl, raw, raw_ureq, raw_lean")
    samples = OUT / "c-plain.tsv"
    run([bins["bench"], "latency", samples, PLAIN_ROUNDS, PER_ROUND,
         "mx_client", "mx_oneshot", "curl", "raw", "raw_ureq", "raw_lean"], env=env)
    res["c_plain"] = summarize(samples)

    log("C latency of the other operations and of events: read, create, ensure, a C handler")
    samples = OUT / "c-ops.tsv"
    run([bins["bench"], "latency", samples, PLAIN_ROUNDS, PER_ROUND,
         "mx_read", "curl_get", "mx_create", "curl_post", "mx_ensure", "mx_client", "mx_handler"],
        env=env)
    res["c_ops"] = summarize(samples)

    log("reuse check over HTTP")
    reuse = output([bins["bench"], "reuse", 1000, "mx_client", "mx_oneshot", "curl"], env=env)
    res["reuse_plain"] = [json.loads(l) for l in reuse.splitlines()]

    if bins.get("python"):
        log("Python latency: mx_sso.Client, C path, requests.Session, httpx.Client")
        samples = OUT / "py-plain.tsv"
        pyenv = dict(env, PYTHONPATH=str(ROOT / "bindings" / "python"))
        run([bins["python"], BENCH / "python" / "bench_update.py", samples, PY_ROUNDS, PY_PER_ROUND,
             bins["cpath"]], env=pyenv)
        res["py_plain"] = summarize(samples)
        log("Python events: no handler, on_event, the logging fallback")
        res["py_events"] = output([bins["python"], BENCH / "python" / "bench_events.py",
                                   PY_ROUNDS, PY_PER_ROUND], env=pyenv)

    if bins.get("go"):
        log("Go latency: mxsso.Client, net/http, C path")
        samples = OUT / "go-plain.tsv"
        run([bins["go"], "latency", samples, GO_ROUNDS, PER_ROUND], env=env)
        res["go_plain"] = summarize(samples)
        res["go_throughput"] = []
        for threads in THROUGHPUT_THREADS:
            for impl in ("mxsso", "nethttp"):
                line = output([bins["go"], "throughput", THROUGHPUT_SECONDS, threads, impl], env=env)
                res["go_throughput"].append(json.loads(line))

    log("throughput: 1, 2, 4, 8 threads")
    res["throughput"] = []
    for pin_name, cpus in (("all on CPU 0", "0"), ("emulator CPU 0, client CPU 1", "1")):
        for rep in range(2):
            for threads in THROUGHPUT_THREADS:
                for impl in (("mx", "curl") if rep == 0 else ("curl", "mx")):
                    line = output(["taskset", "-c", cpus, bins["bench"], "throughput",
                                   THROUGHPUT_SECONDS, threads, impl], env=env)
                    r = json.loads(line)
                    r["pinning"] = pin_name
                    res["throughput"].append(r)

    log(f"RSS after {RSS_CALLS[0]} and {RSS_CALLS[1]} calls")
    res["rss"] = []
    for impl in ("mx_client", "curl"):
        lines = output([bins["bench"], "rss", RSS_CALLS[0], RSS_CALLS[1], impl], env=env)
        res["rss"] += [json.loads(l) for l in lines.splitlines()]

    log("time to the first completed call (HTTP)")
    res["first_plain"] = first_call_times(bins, ["noop", "mx_oneshot", "mx_client", "curl"], env)

    log("profiling (strace -c, callgrind) over HTTP")
    res["profile_plain"] = profile(bins, ["mx_client", "mx_oneshot", "curl", "raw", "raw_ureq", "raw_lean"], env)
    return res


def suite_tls(bins) -> dict:
    env = emulator_env()
    res: dict = {}
    log("C latency over HTTPS with reuse: mx_client, curl")
    samples = OUT / "c-tls.tsv"
    run([bins["bench"], "latency", samples, TLS_ROUNDS, PER_ROUND, "mx_client", "curl"], env=env)
    res["c_tls"] = summarize(samples)

    log("C over HTTPS, a new connection per call")
    samples = OUT / "c-tls-new.tsv"
    run([bins["bench"], "latency", samples, NEWCONN_ROUNDS, NEWCONN_PER_ROUND,
         "mx_client_new", "curl_new", "curl_forbid_reuse", "mx_client_new_free"], env=env)
    res["c_tls_new"] = summarize(samples)

    log("TLS handshakes counted by the emulator")
    reuse = output([bins["bench"], "reuse", 200, "mx_client", "curl", "mx_client_new", "curl_new",
                    "curl_forbid_reuse"], env=env)
    res["reuse_tls"] = [json.loads(l) for l in reuse.splitlines()]

    if bins.get("python"):
        log("Python latency over HTTPS")
        samples = OUT / "py-tls.tsv"
        pyenv = dict(env, PYTHONPATH=str(ROOT / "bindings" / "python"))
        run([bins["python"], BENCH / "python" / "bench_update.py", samples, max(PY_ROUNDS // 3, 2),
             PY_PER_ROUND, bins["cpath"]], env=pyenv)
        res["py_tls"] = summarize(samples)

    log("time to the first completed call (HTTPS)")
    res["first_tls"] = first_call_times(bins, ["mx_client", "curl"], env)

    log("profiling (strace -c, callgrind) over HTTPS")
    res["profile_tls"] = profile(bins, ["mx_client", "curl"], env)
    res["profile_tls"].update(profile(bins, ["mx_client_new_free"], env, (2, 12)))
    return res


def inner(suite: str, bins_json: str, out_json: str) -> int:
    bins = {k: Path(v) for k, v in json.loads(bins_json).items()}
    res = suite_plain(bins) if suite == "plain" else suite_tls(bins)
    Path(out_json).write_text(json.dumps(res, indent=1))
    return 0


def with_emulator(suite: str, bins: Dict[str, Path], extra: List[str]) -> dict:
    out_json = OUT / f"{suite}.json"
    env = dict(os.environ, MX_SSO_EMULATOR_BIN=str(RELEASE / "mx-sso-emulator"))
    seed = OUT / "seed.json"
    seed.write_text(json.dumps([{"guid": USER_GUID, "external_user_guid": "bench-user-1",
                                 "first_name": "Bench", "status": "ENABLED"}]))
    # taskset is inherited: the emulator, this driver and every client run on CPU 0.
    run(["taskset", "-c", "0", WITH_EMULATOR, "--seed", seed, *extra, "--",
         sys.executable, __file__, "--inner", suite,
         json.dumps({k: str(v) for k, v in bins.items()}), out_json], env=env)
    return json.loads(out_json.read_text())


# --------------------------------------------------------------------------- report


def sizes() -> Dict[str, dict]:
    out = {}
    for name, strip_args in (("libmx_sso.so", ["--strip-all"]), ("libmx_sso.a", ["--strip-debug"])):
        # (--strip-all on an archive would drop the symbols a linker needs.)
        src = RELEASE / name
        with tempfile.TemporaryDirectory() as d:
            dst = Path(d) / name
            run(["strip", *strip_args, "-o", dst, src])
            out[name] = {"bytes": src.stat().st_size, "stripped": dst.stat().st_size,
                         "strip": "`strip " + " ".join(strip_args) + "`"}
    # What a static library costs a program that ships as one binary: the C example linked
    # statically against libmx_sso.a, unused sections dropped, stripped.
    with tempfile.TemporaryDirectory() as d:
        exe = Path(d) / "update_user"
        r = subprocess.run([os.environ.get("CC", "cc"), "-O2", "-I", ROOT / "include",
                            ROOT / "examples" / "c" / "update_user.c", RELEASE / "libmx_sso.a",
                            "-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc",
                            "-Wl,--gc-sections", "-s", "-o", exe])
        if r.returncode == 0:
            out["examples/c/update_user linked with libmx_sso.a"] = {
                "bytes": exe.stat().st_size, "stripped": exe.stat().st_size,
                "strip": "`cc ... -Wl,--gc-sections -s`"}
    curl = next((p for p in ("/usr/lib/x86_64-linux-gnu/libcurl.so.4",
                             "/usr/lib/aarch64-linux-gnu/libcurl.so.4") if Path(p).exists()), None)
    if curl:
        out["libcurl.so.4 (reference, Debian, stripped)"] = {"bytes": Path(curl).resolve().stat().st_size,
                                                            "stripped": Path(curl).resolve().stat().st_size,
                                                            "strip": "as shipped"}
    return out


def machine() -> Dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break

    def v(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    py = VENV / "bin" / "python"
    pyver = v([py, "-c", "import sys, requests, httpx; print(sys.version.split()[0], "
                         "'requests', requests.__version__, 'httpx', httpx.__version__)"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": f"{cpu}, {os.cpu_count()} CPUs",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "mx-sso": v(["git", "-C", ROOT, "describe", "--always", "--dirty"]),
        "rustc": v(["rustc", "--version"]),
        "cc": v([os.environ.get("CC", "cc"), "--version"]),
        "libcurl": v(["curl-config", "--version"]) + " (" + v(["sh", "-c", "curl --version | head -1 | cut -d' ' -f4-"]) + ")",
        "python": pyver,
        "go": v(["go", "version"]),
    }


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def latency_table(summary: Dict[str, dict], rows: List[Tuple[str, str, Optional[str], str]]) -> List[str]:
    """rows: (contender key, label, reference key or None, target text)"""
    lines = ["| contender | median µs | p99 µs | ratio (median) | per-round ratio p25–p75 | target |",
             "|---|---:|---:|---:|---|---|"]
    for key, label, ref, target in rows:
        if key not in summary:
            continue
        s = summary[key]
        r = ratio(summary, key, ref) if ref else None
        rtext = f"**{r['ratio']:.2f}×** {ref_label(ref)}" if r else ""
        spread = f"{r['p25']:.2f}–{r['p75']:.2f}" if r else ""
        lines.append(f"| {label} | {fmt(s['median_us'])} | {fmt(s['p99_us'])} | {rtext} | {spread} | {target} |")
    return lines


LABELS = {"curl": "libcurl", "raw": "raw socket", "mx_client": "mx_client",
          "curl_get": "libcurl GET", "curl_post": "libcurl POST", "mx_read": "read",
          "requests.Session": "requests", "httpx.Client": "httpx", "C path (same process)": "C path",
          "mx_sso.Client": "mx_sso", "net/http": "net/http", "curl_new": "libcurl new handle",
          "mx_client_new": "new mx_client"}


def ref_label(ref: Optional[str]) -> str:
    return f"vs {LABELS.get(ref, ref)}" if ref else ""


def target_check(summary, a, b, limit, inverse=False) -> str:
    r = ratio(summary, a, b)
    if r is None:
        return "n/a"
    value = r["ratio"]
    if inverse:  # a must be at least `limit` times faster than b
        speedup = 1 / value
        return f"{'met' if speedup >= limit else 'missed'} ({speedup:.1f}× faster; target ≥ {limit}×)"
    return f"{'met' if value <= limit else 'missed'} ({value:.2f}×; target ≤ {limit:.2f}×)"


def report(res: dict) -> str:
    m = res.get("machine") or machine()
    L: List[str] = []
    L += ["# mx-sso benchmarks", "",
          "Generated by `make bench` (`bench/run.py`); do not edit by hand. Every figure is from one",
          "run on the machine below, against the local emulator on loopback. The emulator and every",
          "client are pinned to CPU 0 (`taskset -c 0`) unless a table says otherwise; contenders run",
          "interleaved in rounds (A B C … then B C … A, rotating), so that drift hits all of them; one",
          "warm-up round is not recorded. Ratios are ratios of medians; the p25–p75 of the",
          "per-round ratios shows how stable a ratio is on this noisy, shared machine. Lower is better",
          "for times and ratios. Targets are shown, never asserted.", "",
          "| | |", "|---|---|"]
    L += [f"| {k} | {v} |" for k, v in m.items()]
    L += [""]

    p = res.get("plain", {})
    t = res.get("tls", {})
    c = p.get("c_plain", {})
    L += ["## Sequential Update user calls, HTTP keep-alive (C)", "",
          f"`PUT /user/{{guid}}?k&c` with `{{\"status\":\"DISABLED\"}}`, {PLAIN_ROUNDS} rounds × {PER_ROUND} calls"
          " per contender, one connection each, reused.", ""]
    L += latency_table(c, [
        ("mx_client", "`mx_client_update_user` (one client)", "curl", target_check(c, "mx_client", "curl", 1.00)),
        ("mx_client", "`mx_client_update_user` vs the floor", "raw", target_check(c, "mx_client", "raw", 1.30)),
        ("mx_oneshot", "`mx_update_user` (one-shot, default client)", "mx_client",
         target_check(c, "mx_oneshot", "mx_client", 1.05)),
        ("curl", "libcurl, one reused easy handle", "raw", ""),
        ("raw", "floor: raw socket, same request bytes, one write", None, ""),
        ("raw_ureq", "raw socket replaying ureq 3.5.2's 12 syscalls per call (no ureq code)", "raw", ""),
        ("raw_lean", "raw socket with a lean transport's 3 syscalls (peek, write, read)", "raw", ""),
    ])
    L += [""]
    L += derived_costs(c)

    ops = p.get("c_ops", {})
    if ops:
        L += ["## The other operations, and events (C, HTTP keep-alive)", "",
              f"{PLAIN_ROUNDS} rounds × {PER_ROUND} calls per contender, interleaved. Read is "
              "`GET /user/{guid}`; create is `POST /user` with a new `external_user_guid` each call "
              "(libcurl: the same request on one reused handle); ensure is `mx_client_ensure_user` "
              "on a user that exists (one read). `mx_handler` is `mx_client_update_user` on a client "
              "with a C event handler that does nothing: the difference to `mx_client` is the cost of "
              "building and delivering one event per attempt.", ""]
        L += latency_table(ops, [
            ("mx_read", "`mx_client_read_user`", "curl_get", target_check(ops, "mx_read", "curl_get", 0.90)),
            ("mx_create", "`mx_client_create_user`", "curl_post",
             target_check(ops, "mx_create", "curl_post", 0.90)),
            ("mx_ensure", "`mx_client_ensure_user`, user exists", "mx_read",
             target_check(ops, "mx_ensure", "mx_read", 1.05)),
            ("mx_handler", "`mx_client_update_user` with a no-op C event handler", "mx_client", ""),
            ("mx_client", "`mx_client_update_user`, no handler", None, ""),
            ("curl_get", "libcurl GET, one reused handle", None, ""),
            ("curl_post", "libcurl POST, one reused handle", None, ""),
        ])
        if "mx_handler" in ops and "mx_client" in ops:
            extra = ops["mx_handler"]["median_us"] - ops["mx_client"]["median_us"]
            L += ["", f"A no-op C handler costs **{extra:+.2f} µs** per attempt (median difference; "
                  f"target ≤ 1 µs: {'met' if extra <= 1.0 else 'missed'})."]
        L += [""]

    builds = res.get("builds", {})
    if builds:
        L += ["## This build against others (C, `mx_client_update_user`, HTTP keep-alive)", "",
              "Instructions: user-space instructions per kept-alive call (`bench/callgrind/per-call`, "
              "callgrind, repeatable on a noisy machine). Wall clock: both libraries loaded in one "
              f"process (`bench/dist/per_call.c`, dlopen), {BUILDS_ROUNDS} rounds × {BUILDS_PER_ROUND} "
              "calls each, A B / B A by round, everything on CPU 0; medians.", "",
              "| other build | its instructions/call | this build's | its µs/call | this build's | this / other (time) |",
              "|---|---:|---:|---:|---:|---:|"]
        for label, r in builds.items():
            ins, med = r.get("instructions", []), r.get("medians_us", [])
            if len(ins) == 2 and len(med) == 2:
                L.append(f"| {label} | {ins[0]:,} | {ins[1]:,} | {med[0]:.1f} | {med[1]:.1f} | "
                         f"**{med[1] / med[0]:.3f}×** |")
        L += ["", "Targets: no slower than 0.1.0 within noise (the 0.2 restructure and events with no "
              "handler); the dist library within 5% of the native one.", ""]

    if "py_plain" in p:
        s = p["py_plain"]
        L += ["## Python (HTTP keep-alive)", "",
              f"{PY_ROUNDS} rounds × {PY_PER_ROUND} calls per contender in one process; every contender "
              "returns the decoded JSON (`r.json()` for requests and httpx). The C path is "
              "`mx_client_update_user` timed in C (`bench/c/cpath.c`) in the same process.", ""]
        L += latency_table(s, [
            ("mx_sso.Client", "`mx_sso.Client.update_user`", "requests.Session",
             target_check(s, "mx_sso.Client", "requests.Session", 8, inverse=True)),
            ("mx_sso.Client", "`mx_sso.Client.update_user` vs C", "C path (same process)",
             target_check(s, "mx_sso.Client", "C path (same process)", 1.30)),
            ("mx_sso.Client", "`mx_sso.Client.update_user` vs httpx", "httpx.Client", ""),
            ("bare ctypes call", "bare ctypes call of `mx_client_update_user` (no checks, no decoding)",
             "C path (same process)", ""),
            ("C path (same process)", "C path (`mx_client_update_user`)", None, ""),
            ("requests.Session", f"`requests.Session.put` + `.json()`", None, ""),
            ("httpx.Client", "`httpx.Client.put` + `.json()`", None, ""),
        ])
        L += [""]
        if p.get("py_events"):
            L += ["### What events cost a Python call (`bench/python/bench_events.py`)", "",
                  p["py_events"].rstrip(), ""]
    else:
        L += ["## Python", "", "Not run (the Python package or its dependencies are missing).", ""]

    if "go_plain" in p:
        s = p["go_plain"]
        L += ["## Go (HTTP keep-alive)", "",
              f"{GO_ROUNDS} rounds × {PER_ROUND} calls per contender in one process; pinned to CPU 0, so "
              "the Go runtime runs with GOMAXPROCS=1. `UpdateUserJSON` and `net/http` return the body bytes.", ""]
        L += latency_table(s, [
            ("mxsso.Client", "`mxsso.Client.UpdateUserJSON`", "net/http",
             target_check(s, "mxsso.Client", "net/http", 1.05)),
            ("mxsso.Client", "`mxsso.Client.UpdateUserJSON` vs C", "C path (same process)", ""),
            ("mxsso.Client.UpdateUser", "`mxsso.Client.UpdateUser` (typed: builds the body, decodes `User`)",
             "net/http", ""),
            ("net/http", "`net/http` Client, keep-alive, body read whole", None, ""),
            ("C path (same process)", "C path (`mx_client_update_user` timed in C, via cgo)", None, ""),
        ])
        L += [""]
    else:
        L += ["## Go", "", "Not run: the Go package (`bindings/go`) is not committed yet.", ""]

    ct = t.get("c_tls", {})
    L += ["## HTTPS (C)", "",
          "The emulator serves TLS (`--tls --ca-out`, rustls, TLS 1.3) with its own CA; clients trust "
          "that file (`ca_file`, `CURLOPT_CAINFO`).", "",
          f"### Connection reused ({TLS_ROUNDS} rounds × {PER_ROUND} calls)", ""]
    L += latency_table(ct, [
        ("mx_client", "`mx_client_update_user`", "curl", target_check(ct, "mx_client", "curl", 1.10)),
        ("curl", "libcurl, one reused easy handle (OpenSSL)", None, ""),
    ])
    cn = t.get("c_tls_new", {})
    L += ["", f"### A new connection per call ({NEWCONN_ROUNDS} rounds × {NEWCONN_PER_ROUND} calls)", ""]
    L += latency_table(cn, [
        ("mx_client_new", "new `mx_client` per call (new + call + free)", "curl_new", ""),
        ("curl_new", "new libcurl easy handle per call (full handshake)", None, ""),
        ("curl_forbid_reuse", "libcurl `CURLOPT_FORBID_REUSE` (new TCP, TLS session resumed)", "curl_new", ""),
        ("mx_client_new_free", "`mx_client_new` + `mx_client_free` alone, no call (part of the first row)",
         None, ""),
    ])
    L += ["", "### Connections and handshakes seen by the emulator", "",
          "| contender | calls | requests | connections | TLS handshakes | of which resumed |",
          "|---|---:|---:|---:|---:|---:|"]
    for r in p.get("reuse_plain", []):
        L.append(f"| {r['contender']} (HTTP) | {r['calls']} | {r['requests']} | {r['connections']} | – | – |")
    for r in t.get("reuse_tls", []):
        L.append(f"| {r['contender']} (HTTPS) | {r['calls']} | {r['requests']} | {r['connections']} | "
                 f"{r['tls_handshakes']} | {r['tls_resumptions']} |")
    L += ["", "Counters are reset after each contender's first call, so a reused connection shows 0 "
          "new connections.", ""]

    if "py_tls" in t:
        s = t["py_tls"]
        L += ["### Python over HTTPS (connection reused)", ""]
        L += latency_table(s, [
            ("mx_sso.Client", "`mx_sso.Client.update_user`", "requests.Session",
             target_check(s, "mx_sso.Client", "requests.Session", 8, inverse=True)),
            ("mx_sso.Client", "`mx_sso.Client.update_user` vs C", "C path (same process)", ""),
            ("C path (same process)", "C path", None, ""),
            ("requests.Session", "`requests.Session.put` + `.json()`", None, ""),
            ("httpx.Client", "`httpx.Client.put` + `.json()`", None, ""),
        ])
        L += [""]

    tp = p.get("throughput", [])
    if tp:
        L += ["## Throughput: threads sharing one client (C, HTTP)", "",
              f"{THROUGHPUT_SECONDS} s per run, each run twice (orders swapped), best of the two. "
              "mx-sso: all threads share one `mx_client` (its pool holds a connection per "
              "concurrent call). libcurl: one easy handle per thread (a handle must not be shared "
              "between threads). The emulator uses one thread per connection.", ""]
        for pin in ("all on CPU 0", "emulator CPU 0, client CPU 1"):
            L += [f"**Pinning: {pin}**", "", "| threads | mx-sso calls/s | libcurl calls/s | mx-sso / libcurl |",
                  "|---:|---:|---:|---:|"]
            for th in THROUGHPUT_THREADS:
                def best(impl):
                    v = [r["per_second"] for r in tp if r["pinning"] == pin and r["threads"] == th and r["impl"] == impl]
                    return max(v) if v else float("nan")
                mxv, cv = best("mx"), best("curl")
                L.append(f"| {th} | {fmt(mxv, 0)} | {fmt(cv, 0)} | {mxv / cv:.2f} |")
            L += [""]
    gtp = p.get("go_throughput", [])
    if gtp:
        L += ["**Go, goroutines sharing one `mxsso.Client` vs one `http.Client`** (all on CPU 0)", "",
              "| goroutines | mxsso calls/s | net/http calls/s | ratio |", "|---:|---:|---:|---:|"]
        for th in THROUGHPUT_THREADS:
            a = next((r["per_second"] for r in gtp if r["threads"] == th and r["impl"] == "mxsso"), float("nan"))
            b = next((r["per_second"] for r in gtp if r["threads"] == th and r["impl"] == "nethttp"), float("nan"))
            L.append(f"| {th} | {fmt(a, 0)} | {fmt(b, 0)} | {a / b:.2f} |")
        L += [""]

    L += ["## Resources", "", "### Resident memory (C, one client, HTTP)", "",
          "| contender | after calls | peak RSS (VmHWM) KiB | RSS KiB |", "|---|---:|---:|---:|"]
    for r in p.get("rss", []):
        L.append(f"| {r['contender']} | {r['calls']:,} | {r['vm_hwm_kb']:,} | {r['vm_rss_kb']:,} |")
    rss = {(r["contender"], r["calls"]): r for r in p.get("rss", [])}
    if ("mx_client", RSS_CALLS[0]) in rss and ("mx_client", RSS_CALLS[1]) in rss:
        growth = rss[("mx_client", RSS_CALLS[1])]["vm_hwm_kb"] - rss[("mx_client", RSS_CALLS[0])]["vm_hwm_kb"]
        L += ["", f"mx-sso peak RSS growth from {RSS_CALLS[0]:,} to {RSS_CALLS[1]:,} calls: **{growth} KiB** "
              f"(target: none within noise, i.e. a few pages: {'met' if growth <= 64 else 'missed'})."]
    L += ["", "### Library size", "", "| file | as built | stripped | how |", "|---|---:|---:|---|"]
    for name, s in (res.get("sizes") or sizes()).items():
        L.append(f"| {name} | {s['bytes']:,} B | **{s['stripped']:,} B** | {s['strip']} |")
    L += ["", "libmx_sso carries its own HTTP, TLS (rustls + ring) and JSON code; libcurl.so.4 "
          "additionally loads libssl, libcrypto, libnghttp2, libssh2, libldap and others at run time.",
          "", "### Time to the first completed call in a new process", "",
          f"Spawn to exit of `target/bench/bench first IMPL`, median of {FIRST_CALL_RUNS} runs "
          "(interleaved); `noop` is the same program exiting at once (process start, dynamic loading).",
          "", "| transport | program | median ms | min ms | max ms |", "|---|---|---:|---:|---:|"]
    for label, key in (("HTTP", "first_plain"), ("HTTPS", "first_tls")):
        src = p if key == "first_plain" else t
        for impl, s in src.get(key, {}).items():
            L.append(f"| {label} | {impl} | {s['median_ms']:.2f} | {s['min_ms']:.2f} | {s['max_ms']:.2f} |")
    L += [""]

    L += ["## Profile: what a call costs", "",
          f"Per call, measured as the difference between a run of {PROFILE_CALLS[1]} and a run of "
          f"{PROFILE_CALLS[0]} calls (start-up cancels out). Syscalls: `strace -f -c`. Instructions: "
          "user-space instructions of the client process (`valgrind --tool=callgrind`, repeatable "
          "on a noisy machine; the kernel's share of a syscall is not counted). `perf` hardware "
          "counters are not available in this VM.", "",
          "| transport | contender | syscalls/call | of which | instructions/call |",
          "|---|---|---:|---|---:|"]
    for label, key, src in (("HTTP", "profile_plain", p), ("HTTPS", "profile_tls", t)):
        for name, e in src.get(key, {}).items():
            detail = ", ".join(f"{k} {v:g}" for k, v in e["syscalls"].items())
            L.append(f"| {label} | {name} | {e['syscalls_total']:g} | {detail} | {e.get('instructions', 0):,} |")
    L += [""]
    analysis = BENCH / "ANALYSIS.md"
    if analysis.exists():
        L += [analysis.read_text().rstrip(), ""]
    return "\n".join(L) + "\n"


def derived_costs(c: Dict[str, dict]) -> List[str]:
    """What the C figures say about where mx-sso's time goes (all from this run)."""
    need = ("mx_client", "curl", "raw", "raw_ureq", "raw_lean")
    if not all(k in c for k in need):
        return []
    med = {k: c[k]["median_us"] for k in need}
    return [
        "What the rows say: ureq 3.5.2's stock per-call syscall pattern (12 syscalls, replayed "
        f"without ureq code) costs **{med['raw_ureq'] - med['raw_lean']:.1f} µs** more per call "
        "than the 3 syscalls of mx-sso's lean transport (`src/tcp.rs`: peek, one write, one read). "
        "Above the lean floor (raw_lean), mx-sso's user-space work (HTTP with ureq, validation, URL "
        f"building, the JSON check, the C copy) costs **{med['mx_client'] - med['raw_lean']:.1f} µs** "
        f"per call; libcurl's costs **{med['curl'] - med['raw_lean']:.1f} µs**.", ""]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        return inner(sys.argv[2], sys.argv[3], sys.argv[4])
    if len(sys.argv) > 1 and sys.argv[1] == "--report":
        # Rewrites bench/RESULTS.md from the last run's target/bench/results.json (after an
        # edit of bench/ANALYSIS.md or of the report's layout), without measuring again.
        text = report(json.loads((OUT / "results.json").read_text()))
        (BENCH / "RESULTS.md").write_text(text)
        print(text)
        return 0
    started = time.time()
    ensure_curl()
    bins = build()
    py = ensure_venv()
    bins["python"] = py
    res = {}
    res["plain"] = with_emulator("plain", bins, [])
    res["tls"] = with_emulator("tls", bins, ["--tls", "--ca-out", str(OUT / "ca.pem")])
    res["builds"] = suite_builds(bins)
    res["machine"] = machine()
    res["sizes"] = sizes()
    (OUT / "results.json").write_text(json.dumps(res, indent=1))
    text = report(res)
    (BENCH / "RESULTS.md").write_text(text)
    print(text)
    log(f"wrote {BENCH / 'RESULTS.md'} in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
