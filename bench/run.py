"""Every benchmark in one command: lessons search, email pipeline, query budgets and pages under load, one after the
other, each in a process of its own (their output streams through), then one summary table against the targets.

    .venv/bin/python bench/run.py [search delivery queries load]      (all four by default; make bench)

Each benchmark writes bench/results/<name>.json; this one adds bench/results/all.json with every result, the
verdicts and the machine they were measured on (CPUs, memory, Python, PostgreSQL, Redis). Every benchmark stays on
127.0.0.1 and stops by itself; each also has a deadline here. A benchmark that fails is reported as such and the
others still run; the exit status is 1 when any failed to run (not when a target is missed).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# name: (arguments, deadline in seconds)
BENCHMARKS = {
    "search": ([], 1800),
    "delivery": (["1000"], 900),
    "queries": ([], 3600),
    "load": ([], 900),
}


def _version(args: list[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "not found"


def machine() -> dict:
    memory = cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    with contextlib.suppress(OSError):
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "postgresql": _version(["psql", "--version"]),
        "redis": _version(["redis-server", "--version"]),
    }


def run(name: str, args: list[str], deadline: int) -> dict:
    """Run one benchmark; its own JSON is read back if it finished."""
    out = RESULTS / f"{name}.json"
    out.unlink(missing_ok=True)
    print(f"\n=== {name} " + "=" * (100 - len(name)), flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *args], cwd=ROOT, timeout=deadline)
        status = "ran" if done.returncode == 0 else f"failed (exit {done.returncode})"
    except subprocess.TimeoutExpired:
        status = f"stopped after {deadline} s"
    seconds = round(time.monotonic() - started, 1)
    result = json.loads(out.read_text()) if status == "ran" and out.exists() else None
    if status == "ran" and result is None:
        status = "failed (no results written)"
    return {"status": status, "seconds": seconds, "result": result}


def verdicts(runs: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, met) for the summary."""
    rows = []
    search = runs.get("search", {}).get("result")
    if search:
        met = search["median_ms"] < 20 and search["p95_ms"] < 50
        rows.append(
            (
                "lessons search",
                f"median {search['median_ms']} ms, p95 {search['p95_ms']} ms",
                "< 20 ms, < 50 ms",
                "met" if met else "NOT MET",
            )
        )
    delivery = runs.get("delivery", {}).get("result")
    if delivery:
        ratio = delivery["pipeline_to_plain_loop_ratio"]
        rows.append(
            (
                "email pipeline",
                f"{delivery['pipeline']['messages_per_second']} vs {delivery['plain_loop']['messages_per_second']} "
                f"msgs/s, ratio {ratio} (median of {len(delivery.get('rounds', [])) or 1} rounds)",
                "ratio >= 0.5",
                "met" if ratio >= 0.5 else "NOT MET",
            )
        )
    queries = runs.get("queries", {}).get("result")
    if queries:
        worst = max(p["large"] for p in queries["pages"])
        failing = [p["page"] for p in queries["pages"] if p["result"] != "PASS"]
        rows.append(
            (
                "query budget",
                f"{len(queries['pages'])} pages, at most {worst} queries" + (f"; failing {failing}" if failing else ""),
                "same count, <= 15",
                "met" if not failing else "NOT MET",
            )
        )
    load = runs.get("load", {}).get("result")
    if load:
        for name, page in load["pages"].items():
            met = page["ratio_to_bare"] >= 0.5 and page["paced_p99_ms"] < 100
            rows.append(
                (
                    f"load: {name}",
                    f"{page['rps']} req/s ({page['ratio_to_bare']} of bare), paced p99 {page['paced_p99_ms']} ms"
                    f" (flat out {page['p99_ms']} ms)",
                    ">= 0.5 of bare, paced p99 < 100 ms",
                    "met" if met else "NOT MET",
                )
            )
        for name, page in load.get("pages_rendered_each_time", {}).items():
            rows.append(
                (
                    f"load: {name}, page cache off",
                    f"{page['rps']} req/s ({page['ratio_to_bare']} of bare), paced p99 {page['paced_p99_ms']} ms",
                    "(for information)",
                    "",
                )
            )
    return rows


def main() -> int:
    names = sys.argv[1:] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Choose from: {', '.join(BENCHMARKS)}.", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    about = machine()
    runs = {name: run(name, *BENCHMARKS[name]) for name in names}
    rows = verdicts(runs)

    print("\n=== summary " + "=" * 93)
    print(
        f"machine: {about['cpus']} CPUs ({about['cpu'] or 'unknown'}), {about['memory']}, Python {about['python']}, "
        f"{about['postgresql']}, {about['redis']}"
    )
    for name, outcome in runs.items():
        print(f"  {name:<10}{outcome['status']:<32}{outcome['seconds']:>8} s")
    first, width, third = (max((len(r[i]) for r in rows), default=10) + 2 for i in range(3))
    print(f"\n  {'benchmark':<{first}}{'figure':<{width}}{'target':<{third}}result")
    for benchmark, figure, target, met in rows:
        print(f"  {benchmark:<{first}}{figure:<{width}}{target:<{third}}{met}")
    summary = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": about,
        "runs": runs,
        "verdicts": [dict(zip(("benchmark", "figure", "target", "result"), r, strict=True)) for r in rows],
    }
    (RESULTS / "all.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"\n  written to {(RESULTS / 'all.json').relative_to(ROOT)}")
    return 0 if all(o["status"] == "ran" for o in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
