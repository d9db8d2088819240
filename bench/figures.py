"""The one shape every benchmark writes its figures in, so `bench/report.py` can read them all.

    {"benchmark": "live", "machine": {...}, "commit": "7c688a6", "date": "2026-12-07T05:10Z",
     "command": "python bench/ws_bench.py …", "load": [0.4, 2.1],
     "runs": [{"server": "festival", "n": 1000, "p99_ms": 37.8, …}, …]}

`runs` are flat: one dict of numbers and short strings per measured case, with `server`
saying whose figure it is ("festival", or "reference" for the bare library beside it in the
same run). `load` is the 1-minute load average before and after the run: others share the
machine, so a figure is read beside the load it was measured under.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def load_average() -> float:
    with open("/proc/loadavg", encoding="ascii") as loadavg:
        return float(loadavg.read().split()[0])


def commit() -> str:
    """The checked-out commit (with `+changes` when the tree differs from it)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"  # not a git checkout (an unpacked release)
    return f"{sha}+changes" if dirty else sha


def machine() -> dict[str, Any]:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        kib = int(meminfo.readline().split()[1])  # MemTotal
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(kib / 2**20),
        "python": platform.python_version(),
        "system": platform.system(),
        "open_files": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
    }


class Figures:
    """Started before the run (load before); `write` adds the runs and the load after."""

    def __init__(self, benchmark: str) -> None:
        self.benchmark = benchmark
        self.started = datetime.now(UTC)
        self.load_before = load_average()
        self.command = shlex.join(["python", *sys.argv])

    def document(self, runs: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "machine": machine(),
            "commit": commit(),
            "date": self.started.strftime("%Y-%m-%dT%H:%MZ"),
            "command": self.command,
            "load": [self.load_before, load_average()],
            "runs": runs,
        }

    def write(self, path: Path, runs: list[dict[str, Any]]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.document(runs), indent=2) + "\n", encoding="utf-8")
