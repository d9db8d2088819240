"""QR codes of check-in codes, drawn by segno: inline SVG on the personal page (no request,
sharp at any size, there when the phone is offline at the door), PNG behind a link for mail
(mail clients such as Gmail and Outlook show no SVG). The QR holds the code as printed beside
it, which the door's reader and its typed field both take (`festival.attendance.checkin`)."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup

# Medium error correction: a cracked phone screen or glare at the door still reads.
_ERROR = "m"


def qr_svg(text: str) -> Markup:
    """An inline <svg>; segno writes it from the code alone, so nothing in it needs escaping."""
    return Markup(segno.make(text, error=_ERROR).svg_inline(scale=6, svgclass="qr"))


def qr_png(text: str) -> bytes:
    image = io.BytesIO()
    segno.make(text, error=_ERROR).save(image, kind="png", scale=8)
    return image.getvalue()
