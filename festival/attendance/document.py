"""A certificate of attendance as a PDF (fpdf2), in the attendee's language.

It uses the PDF core font Helvetica, which every reader has, so nothing is embedded and a
certificate stays small and quick to make. That font covers Latin-1 only: text beyond it is
brought within it by `latin1` (typographic quotes and dashes to plain ones, `Ĳ` to `IJ`,
`Ł`-like letters without their mark where Unicode gives one), and what still does not fit
shows as `?`. The verification page shows the name as registered.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from festival.attendance.service import Certificate
from festival.i18n import long_date, translate

if TYPE_CHECKING:
    from fpdf import FPDF

_PLAIN = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-",
     "…": "...", "‹": "<", "›": ">", "€": "EUR", "•": "-", "\u2009": " ", "\u202f": " "}
)  # fmt: skip


def latin1(text: str) -> str:
    """`text` in the core font's Latin-1: kept where it fits, else the nearest plain form."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text.translate(_PLAIN)):
        if ord(char) < 256:
            out.append(char)
            continue
        # Compatibility forms first (the ligature Ĳ is I and J), then the letter without
        # its accents (ő is o); both only where they end up inside Latin-1.
        folded = unicodedata.normalize("NFKC", char)
        if all(ord(c) < 256 for c in folded):
            out.append(folded)
            continue
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(bare if bare and all(ord(c) < 256 for c in bare) else "?")
    return "".join(out)


def _row(pdf: FPDF, height: float, text: str, right: str = "") -> None:
    """One line of `height` at the cursor: `text` from the left margin and `right`, if any,
    against the right margin; the cursor then moves to the next line (a new page when this
    one is full). Placed with `FPDF.text` rather than `cell`: cell's layout machinery cost
    over half of a certificate's time, and a certificate needs none of it."""
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    baseline = pdf.get_y() + height / 2 + 0.3 * pdf.font_size  # text centred in the line
    pdf.text(pdf.l_margin, baseline, text)
    if right:
        pdf.text(pdf.w - pdf.r_margin - pdf.get_string_width(right), baseline, right)
    pdf.set_y(pdf.get_y() + height)


def _lines(pdf: FPDF, width: float, height: float, text: str, right: str = "") -> None:
    """`text` from the left margin, wrapped at spaces to `width`, a row per line; `right` on
    the first row. A word longer than a line (none of ours is) runs over the margin."""
    for number, line in enumerate(_wrapped(pdf, width, text)):
        _row(pdf, height, line, "" if number else right)


def _wrapped(pdf: FPDF, width: float, text: str) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            longer = f"{line} {word}" if line else word
            if line and pdf.get_string_width(longer) > width:
                lines.append(line)
                line = word
            else:
                line = longer
        lines.append(line)
    return lines


def render(certificate: Certificate, language: str, verify_url: str) -> bytes:
    """The PDF of a certificate that can be had (its code issued); `verify_url` is where its
    code is checked (`/certificates/{CODE}`)."""
    # fpdf2 is imported on the first certificate, not with the module: it (and the numpy it
    # pulls in) is half a second of imports that `festival serve` and every CLI command would
    # otherwise pay on start, for a page asked for after the day.
    from fpdf import FPDF

    festival, standing = certificate.festival, certificate.eligibility
    pdf = FPDF(format="A4")
    pdf.set_title(latin1(translate("certificate_title", language)))
    pdf.set_creation_date(standing.ends)  # the same certificate makes the same file
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("helvetica", "B", 24)
    _lines(pdf, width, 12, latin1(translate("certificate_title", language)))
    pdf.ln(6)
    pdf.set_font("helvetica", "B", 16)
    _lines(pdf, width, 9, latin1(festival.title))
    pdf.ln(4)
    pdf.set_font("helvetica", "", 12)
    attended = translate(
        "certificate_attended",
        language,
        name=certificate.registration.name,
        festival=festival.title,
        date=long_date(festival.date, language),
    )
    _lines(pdf, width, 7, latin1(attended))
    pdf.ln(6)
    pdf.set_font("helvetica", "B", 11)
    minutes_width = 30
    _row(
        pdf,
        8,
        latin1(translate("certificate_item", language)),
        latin1(translate("certificate_minutes", language)),
    )
    pdf.set_font("helvetica", "", 11)
    for item in standing.items:
        _lines(pdf, width - minutes_width, 7, latin1(item.title), str(item.minutes))
    pdf.set_font("helvetica", "B", 11)
    _row(pdf, 8, latin1(translate("certificate_total", language)), str(standing.total))
    pdf.ln(4)
    pdf.set_font("helvetica", "", 11)
    if festival.accreditation:
        _lines(pdf, width, 7, latin1(festival.accreditation))
        pdf.ln(6)
    pdf.set_font("helvetica", "", 10)
    _lines(pdf, width, 6, translate("certificate_code", language, code=certificate.code))
    _lines(pdf, width, 6, latin1(translate("certificate_check_at", language, url=verify_url)))
    return bytes(pdf.output())
