"""Every benchmark in one command: sending the invitations, pages under load, lessons search and query budgets, one
after the other, each in a process of its own (their output streams through), then one summary table with every
figure beside its target and the machine's load average while it was measured.

    .venv/bin/python bench/run.py [--quick] [delivery load search queries]      (all four by default; make bench)

``--quick`` runs each with small parameters, to check that it runs; its figures are not the ones the targets speak
of.

Each benchmark writes bench/results/<name>.json with its figures and its verdicts (figure, target, met); this one
adds bench/results/all.json with every result, the verdicts and the machine they were measured on (CPUs, memory,
Python, PostgreSQL, Redis). The timed benchmarks run first; the query counts, which do not depend on the machine's
speed, run last. Every benchmark stays on 127.0.0.1 and stops by itself; each also has a deadline here. A benchmark
that fails is reported as such and the others still run; the exit status is 1 when any failed to run (not when a
target is missed).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# name: (arguments, deadline in seconds)
BENCHMARKS = {
    "delivery": ([], 900),
    "load": ([], 900),
    "search": ([], 1800),
    "queries": ([], 3600),
}
QUICK = {
    "search": ["2000"],
    "delivery": ["20,60", "1"],
    "load": ["2", "5"],
    "queries": ["--countries", "20", "--meetings", "20", "--invitations", "400", "--lessons", "1000"],
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


class LoadSampler:
    """Samples the machine's 1-minute load average every few seconds while a benchmark runs: the machine is shared,
    and a figure means little without it."""

    def __init__(self, every: float = 5.0):
        self.every, self.samples = every, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict:
        return {
            "start": round(self.samples[0], 2),
            "mean": round(sum(self.samples) / len(self.samples), 2),
            "max": round(max(self.samples), 2),
        }


def run(name: str, args: list[str], deadline: int) -> dict:
    """Run one benchmark; its own JSON is read back if it finished."""
    out = RESULTS / f"{name}.json"
    out.unlink(missing_ok=True)
    print(f"\n=== {name} " + "=" * (100 - len(name)), flush=True)
    started = time.monotonic()
    with LoadSampler() as load:
        try:
            done = subprocess.run(
                [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args], cwd=ROOT, timeout=deadline
            )
            status = "ran" if done.returncode == 0 else f"failed (exit {done.returncode})"
        except subprocess.TimeoutExpired:
            status = f"stopped after {deadline} s"
    seconds = round(time.monotonic() - started, 1)
    result = json.loads(out.read_text()) if status == "ran" and out.exists() else None
    if status == "ran" and result is None:
        status = "failed (no results written)"
    return {"status": status, "seconds": seconds, "load_average_1min": load.summary(), "result": result}


def verdicts(runs: dict) -> list[tuple[str, str, str, str, str]]:
    """(what, figure, target, result, load average) for the summary, from each benchmark's own verdicts."""
    rows = []
    for outcome in runs.values():
        load = outcome["load_average_1min"]
        during = f"{load['mean']:.1f} (max {load['max']:.1f})"
        for row in (outcome["result"] or {}).get("verdicts", []):
            rows.append((row["benchmark"], row["figure"], row["target"], "met" if row["met"] else "NOT MET", during))
    return rows


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    names = [a for a in sys.argv[1:] if a != "--quick"] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Choose from: {', '.join(BENCHMARKS)}.", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    about = machine()
    runs = {}
    for name in names:
        args, deadline = BENCHMARKS[name]
        runs[name] = run(name, QUICK[name] if quick else args, deadline)
    rows = verdicts(runs)

    print("\n=== summary " + "=" * 93)
    print(
        f"machine: {about['cpus']} CPUs ({about['cpu'] or 'unknown'}), {about['memory']}, Python {about['python']}, "
        f"{about['postgresql']}, {about['redis']}"
    )
    for name, outcome in runs.items():
        load = outcome["load_average_1min"]
        print(
            f"  {name:<10}{outcome['status']:<32}{outcome['seconds']:>8} s   load average (1 min) at the start"
            f" {load['start']:.2f}, during: mean {load['mean']:.2f}, max {load['max']:.2f}"
        )
    first, second, third, fourth = (max((len(r[i]) for r in rows), default=10) + 2 for i in range(4))
    print(f"\n  {'what':<{first}}{'figure':<{second}}{'target':<{third}}{'result':<{fourth}}load avg during")
    for what, figure, target, met, during in rows:
        print(f"  {what:<{first}}{figure:<{second}}{target:<{third}}{met:<{fourth}}{during}")
    summary = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": about,
        "runs": runs,
        "verdicts": [
            dict(zip(("benchmark", "figure", "target", "result", "load_average_during"), r, strict=True)) for r in rows
        ],
    }
    (RESULTS / "all.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"\n  written to {(RESULTS / 'all.json').relative_to(ROOT)}")
    return 0 if all(o["status"] == "ran" for o in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
