"""What the benchmarks share: the PostgreSQL server they make scratch databases on, where the outbox lives, and how a
benchmark writes its result (its figures, each target beside its figure, the machine and its load average)."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    """The URL of database ``name`` on the server of ``ADMIN_URL``."""
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def outbox():
    """Where the outbox lives: the row's model, its statuses and the function that builds a row's email. The one
    place to change when the outbox moves. Needs Django set up."""
    from outbox.models import MessageStatus, OutgoingMessage
    from outbox.worker import build_email

    return OutgoingMessage, MessageStatus, build_email


def load_average() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes (what ``uptime`` says)."""
    return [round(x, 2) for x in os.getloadavg()]


def verdict(benchmark: str, figure: str, target: str, met: bool) -> dict:
    """One row of the summary: what was measured, the figure, the target and whether the figure meets it."""
    return {"benchmark": benchmark, "figure": figure, "target": target, "met": bool(met)}


def print_verdicts(rows: list[dict]) -> None:
    first = max((len(r["benchmark"]) for r in rows), default=10) + 2
    second = max((len(r["figure"]) for r in rows), default=10) + 2
    third = max((len(r["target"]) for r in rows), default=10) + 2
    print(f"\n  {'what':<{first}}{'figure':<{second}}{'target':<{third}}result")
    for row in rows:
        result = "met" if row["met"] else "NOT MET"
        print(f"  {row['benchmark']:<{first}}{row['figure']:<{second}}{row['target']:<{third}}{result}")


def write_result(name: str, result: dict, *, load_before: list[float]) -> Path:
    """Write bench/results/<name>.json with the machine and the load average before and after; returns its path."""
    result = {
        **result,
        "load_average": {"before": load_before, "after": load_average()},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    load = result["load_average"]
    print(f"  load average (1, 5, 15 min): before {load['before']}, after {load['after']}")
    print(f"  written to {out.relative_to(ROOT)}")
    return out
