"""Certificates of attendance made per second: the real renderer beside a bare fpdf2 one.

    python bench/certificates.py [--certificates 10000] [--json FILE]

Each case runs in a process of its own, one after the other, and makes CERTIFICATES PDFs in
memory:

  festival   `festival.attendance.document.render` of a certificate of the reference programme
             (a session and the plenary with their minutes, the accreditation line, a fresh
             verification code and name each time), alternating Dutch and English
  reference  fpdf2 alone: one A4 page with one line in the core font, nothing else

Printed per case: certificates per second (wall clock), CPU per certificate and the average
size. Only the PDF is measured: reading the attendance and issuing the code is a few queries
per download, as for the personal page.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from figures import Figures, load_average  # noqa: E402  (bench/, beside this file)

PROGRAMME = ROOT / "schedules" / "agenda-sociaal-werk-2020.toml"


def festival_maker() -> Any:
    """A function making the i-th festival certificate."""
    from festival.attendance import Attended, Certificate, Eligibility
    from festival.attendance.certificate import new_code
    from festival.attendance.document import render
    from festival.programme.loading import read_programme
    from festival.programme.model import PLENARY
    from festival.registration.model import Registration

    festival = replace(
        read_programme(PROGRAMME),
        certificate_minimum_minutes=60,
        accreditation="Geaccrediteerd door het Registerplein: 2 punten (BAPD-2020-0419)",
    )
    _, session = next(festival.sessions())
    assert festival.plenary is not None
    items = (
        Attended(session.id, session.title, session.start, 50),
        Attended(PLENARY, festival.plenary.title, festival.plenary.start, 105),
    )
    standing = Eligibility("ready", items, 60, festival.span()[1])

    def make(i: int) -> bytes:
        language = ("nl", "en")[i % 2]
        registration = Registration(
            i, festival.slug, f"Özlem Çelik {i}", f"p{i}@example.org", "", language, "online",
            festival.span()[0], (),
        )  # fmt: skip
        code = new_code()
        made = Certificate(festival, registration, standing, code)
        return render(made, language, f"https://festival.example.org/certificates/{code}")

    return make


def reference_maker() -> Any:
    from fpdf import FPDF

    def make(i: int) -> bytes:
        pdf = FPDF(format="A4")
        pdf.add_page()
        pdf.set_font("helvetica", "", 12)
        pdf.cell(0, 10, f"Certificate {i}")
        return bytes(pdf.output())

    return make


def child(case: str, count: int) -> None:
    """One case, in this process: its figures as one JSON line on stdout."""
    make = festival_maker() if case == "festival" else reference_maker()
    make(0)  # imports and first-use caches out of the timing
    size = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        size += len(make(i))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sys.stdout.write(json.dumps({
        "server": case, "certificates": count, "seconds": round(wall, 3),
        "per_second": round(count / wall, 1), "cpu_ms_each": round(cpu / count * 1000, 3),
        "bytes_each": size // count,
    }) + "\n")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="write the figures here (bench/figures.py)")
    parser.add_argument("--child", choices=("festival", "reference"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.certificates)
        return
    figures = Figures("certificates")
    runs = []
    for case in ("festival", "reference"):
        done = subprocess.run(
            [sys.executable, __file__, "--child", case, "--certificates", str(args.certificates)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        run = json.loads(done.stdout)
        runs.append(run)
        sys.stdout.write(
            f"{case:10} {run['certificates']} in {run['seconds']} s: {run['per_second']}/s, "
            f"{run['cpu_ms_each']} ms CPU and {run['bytes_each']} bytes each "
            f"(load {load_average():.2f})\n"
        )
    if args.json:
        figures.write(args.json, runs)


if __name__ == "__main__":
    main()
