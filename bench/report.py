"""The benchmarks' JSON figures as plots and Markdown tables, for docs/benchmarks.md.

    python bench/report.py [--figures var/bench] [--plots docs/bench]

Reads every `*.json` in the figures folder (the shape of bench/figures.py; `make bench`
writes them), draws one SVG per benchmark into the plots folder, and prints a Markdown
section per benchmark: machine, command, commit, date, load and a table of its runs.

  live          pick → viewer p99, server CPU per message delivered and the time to connect
                everyone, against viewers, festival beside the websockets reference
                (bench/ws_bench.py)
  live-storm    10,000 viewers reconnecting at once: the time until all are in, and memory
                per held connection (bench/ws_bench.py --storm)
  cluster       one pick to every viewer: two instances behind nginx, one behind nginx, one
                direct, the reference (bench/cluster_bench.py)
  registration  registrations a second and their p99 per database, clients and choices,
                festival beside the bare server (bench/registration_bench.py)
  mail          messages delivered a second per database and number of senders
                (bench/mail_bench.py)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parent.parent
Document = dict[str, Any]
Run = dict[str, Any]
COLOURS = {"festival": "#c0392b", "reference": "#7f8c8d"}
# The same ids in every drawing, and no date: a plot drawn again from the same figures is the
# same file, so only a real change shows in a diff.
plt.rcParams["svg.hashsalt"] = "festival"
plt.rcParams["svg.fonttype"] = "none"  # text as text: smaller files, and searchable


def _by_server(run: Run) -> str:
    return str(run["server"])


def _series(runs: list[Run], label: Callable[[Run], str]) -> dict[str, list[Run]]:
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        groups[label(run)].append(run)
    return groups


def _colour(label: str) -> str | None:
    return COLOURS.get(label.split()[0].rstrip(","))


def _lines(
    axes: Axes, runs: list[Run], x: str, y: str, label: Callable[[Run], str] = _by_server
) -> None:
    for name, group in sorted(_series(runs, label).items()):
        group = sorted((r for r in group if r.get(y) is not None), key=lambda r: r[x])
        axes.plot(
            [r[x] for r in group], [r[y] for r in group],
            marker="o", label=name, color=_colour(name),
        )  # fmt: skip
    axes.grid(alpha=0.3)
    axes.legend()


def _bars(axes: Axes, labels: list[str], values: list[float], unit: str) -> None:
    colours = [_colour(label) or "#2980b9" for label in labels]
    bars = axes.barh(labels, values, color=colours)
    axes.bar_label(bars, labels=[f"{v:,.0f} {unit}" for v in values], padding=3)
    axes.invert_yaxis()
    axes.margins(x=0.25)
    axes.grid(axis="x", alpha=0.3)


def plot_live(runs: list[Run]) -> Figure:
    picks = [r for r in runs if r.get("scenario", "picks") == "picks"]
    viewers = "viewers" if "viewers" in picks[0] else "n"
    figure, (latency, cpu, connect) = plt.subplots(1, 3, figsize=(13, 4))
    _lines(latency, picks, viewers, "p99_ms")
    latency.set(title="pick → viewer, p99", xlabel="viewers", ylabel="ms")
    _lines(cpu, picks, viewers, "cpu_us_per_delivery")
    cpu.set(title="server CPU per message delivered", xlabel="viewers", ylabel="µs")
    _lines(connect, picks, viewers, "connect_seconds")
    connect.set(title="connecting every viewer", xlabel="viewers", ylabel="s")
    figure.tight_layout()
    return figure


CASES = {
    "two-proxy": "festival ×2 behind nginx",
    "one-proxy": "festival ×1 behind nginx",
    "one-direct": "festival ×1, direct",
    "reference": "reference (websockets)",
}


def plot_cluster(runs: list[Run]) -> Figure:
    figure, (latency, cpu) = plt.subplots(1, 2, figsize=(10, 3.5))
    labels = [CASES.get(str(r["case"]), str(r["case"])) for r in runs]
    _bars(latency, labels, [r["p99_ms"] for r in runs], "ms")
    latency.set(title=f"pick → viewer p99, {runs[0]['n']:,} viewers")
    _bars(cpu, labels, [r["server_cpu_ms_per_pick"] for r in runs], "ms")
    cpu.set(title="server CPU per pick (nginx apart)", yticks=[])
    figure.tight_layout()
    return figure


def plot_registration(runs: list[Run]) -> Figure:
    ordered = sorted(
        runs, key=lambda r: (r["database"], r["clients"], bool(r.get("choices")), r["server"])
    )
    labels = [
        f"{r['server']}, {r['database']}, {r['clients']} clients"
        + (", choices" if r.get("choices") else "")
        for r in ordered
    ]
    figure, (rate, p99) = plt.subplots(1, 2, figsize=(11, 0.8 + 0.35 * len(ordered)))
    _bars(rate, labels, [r["rate"] for r in ordered], "/s")
    rate.set(title="registrations a second")
    _bars(p99, labels, [r["p99_ms"] for r in ordered], "ms")
    p99.set(title="registration p99", yticks=[])
    figure.tight_layout()
    return figure


def plot_mail(runs: list[Run]) -> Figure:
    delivered = [r for r in runs if r["part"] == "deliver"]
    figure, axes = plt.subplots(figsize=(8, 0.6 + 0.5 * len(delivered)))
    labels = [
        f"{r['database']}, {r['senders']} sender{'s' if r['senders'] > 1 else ''}"
        for r in delivered
    ]
    _bars(axes, labels, [r["per_second"] for r in delivered], "/s")
    axes.set(title=f"mail delivered a second ({delivered[0]['sink']} sink)")
    figure.tight_layout()
    return figure


def plot_storm(runs: list[Run]) -> Figure:
    figure, (connect, memory) = plt.subplots(1, 2, figsize=(10, 0.8 + 0.5 * len(runs)))
    seen: dict[str, int] = defaultdict(int)
    labels = []
    for run in runs:  # a storm repeated: festival 1, reference 1, festival 2, …
        seen[run["server"]] += 1
        labels.append(f"{run['server']} {seen[run['server']]}")
    _bars(connect, labels, [r["connect_s"] for r in runs], "s")
    connect.set(title=f"{runs[0]['viewers']:,} viewers, {runs[0]['at_once']} at once: all in")
    _bars(memory, labels, [r["memory_kb_per_connection"] for r in runs], "KB")
    memory.set(title="memory per held connection", yticks=[])
    figure.tight_layout()
    return figure


PLOTS: dict[str, Callable[[list[Run]], Figure]] = {
    "live": plot_live,
    "live-storm": plot_storm,
    "cluster": plot_cluster,
    "registration": plot_registration,
    "mail": plot_mail,
}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def table(runs: list[Run]) -> str:
    """The runs as a Markdown table, fields in the order they first appear; a field with the
    same value in every run is said once above the table instead of in every row."""
    columns = list(dict.fromkeys(key for run in runs for key in run))
    same = (
        [c for c in columns if len({repr(run.get(c)) for run in runs}) == 1]
        if len(runs) > 1
        else []
    )
    columns = [c for c in columns if c not in same]
    lines = [", ".join(f"{c} {_cell(runs[0].get(c))}" for c in same) + ":", ""] if same else []
    lines += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(_cell(run.get(c)) for c in columns) + " |" for run in runs]
    return "\n".join(lines)


def section(name: str, documents: list[Document], plot: Path | None) -> str:
    parts = [f"### {name}", ""]
    for document in documents:
        machine = document["machine"]
        load = document.get("load") or [
            machine.get("load_before", machine.get("load_at_start", "?")),
            machine.get("load_after", machine.get("load_at_end", "?")),
        ]
        memory = f"{machine['memory_gib']} GiB, " if "memory_gib" in machine else ""
        parts += [
            f"`{document.get('command', 'command not recorded')}` — commit "
            f"`{document.get('commit', '?')}`, {document.get('date', 'date not recorded')}, "
            f"{machine['cpus']} cores, {memory}Python {machine['python']}, "
            f"load average {load[0]} before, {load[1]} after.",
            "",
            table(document["runs"]),
            "",
        ]
    if plot is not None:
        parts += [f"![{name}](bench/{plot.name})", ""]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--plots", type=Path, default=ROOT / "docs" / "bench")
    args = parser.parse_args()
    documents: dict[str, list[Document]] = defaultdict(list)
    for path in sorted(args.figures.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if "benchmark" not in document or "runs" not in document:
            sys.stderr.write(f"{path}: not in the shape of bench/figures.py, left out\n")
            continue
        documents[document["benchmark"]].append(document)
    for found in documents.values():
        found.sort(key=lambda document: str(document.get("date", "")))
    args.plots.mkdir(parents=True, exist_ok=True)
    for name in [*PLOTS, *sorted(set(documents) - set(PLOTS))]:
        if name not in documents:
            continue
        plot = None
        if name in PLOTS:
            runs = [run for document in documents[name] for run in document["runs"]]
            figure = PLOTS[name](runs)
            plot = args.plots / f"{name}.svg"
            figure.savefig(plot, metadata={"Date": None})
            plt.close(figure)
        sys.stdout.write(section(name, documents[name], plot) + "\n")


if __name__ == "__main__":
    main()
