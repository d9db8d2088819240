"""The organiser's report (`festival.report`, Markdown) as safe HTML for a page.

CommonMark by markdown-it-py, then nh3 keeps only the formatting a short report needs: the
file is the organiser's, but a pasted snippet or a compromised file must not put a script,
a style, a form or a `javascript:` link on a public page.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# No h1 (the page has its own) and no images (a report links, it does not embed).
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code",
    "pre", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

_PARSER = MarkdownIt("commonmark")


@lru_cache(maxsize=16)  # a page shows one report; the same few are asked for again and again
def render_markdown(text: str) -> Markup:
    html = _PARSER.render(text)
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    )
