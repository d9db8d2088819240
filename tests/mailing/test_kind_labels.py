"""Every kind of mail the composer makes has its label on the admin page's outbox (in Dutch
and English): the outbox lists each kind it holds by that label."""

from __future__ import annotations

import inspect

from festival.i18n import has_text
from festival.mailing.compose import Composer


def mail_kinds() -> list[str]:
    """The kinds `Composer._compose` builds: its methods `_KIND(m, f, lang, batch)`."""
    return sorted(
        name[1:]
        for name, method in inspect.getmembers(Composer, inspect.iscoroutinefunction)
        if name.startswith("_")
        and not name.startswith("__")
        and list(inspect.signature(method).parameters) == ["self", "m", "f", "lang", "batch"]
    )


def test_every_mail_kind_has_a_label_on_the_outbox():
    kinds = mail_kinds()

    assert "ballot" in kinds
    assert "proposal" in kinds
    assert [k for k in kinds if not has_text(f"mail_kind_{k}")] == []
