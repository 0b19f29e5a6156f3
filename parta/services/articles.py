"""An article of the materials library, from the Markdown its author wrote to HTML a reader's
browser may be given.

markdown-it-py renders (CommonMark, tables, strikethrough; raw HTML in the source is kept
as text, never passed through), then nh3 (the ammonia sanitizer) keeps only the tags and
attributes below and only http, https and mailto links: no script, no event handler, no
``javascript:`` or ``data:`` URL survives, whatever the renderer let by.
"""

from __future__ import annotations

from html import escape

import nh3
from markdown_it import MarkdownIt

__all__ = ["ARTICLE_CSP", "MAX_ARTICLE_CHARS", "page", "render", "sanitize"]

MAX_ARTICLE_CHARS = 100_000
STYLE = "/static/css/article.css"
# The article's page runs nothing, fetches nothing but its style and pictures from the web,
# and is shown only in a frame of Parta's own pages.
ARTICLE_CSP = ("default-src 'none'; img-src https: data:; style-src 'self'; "
               "frame-ancestors 'self'; sandbox")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"])

_TAGS = {"a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
         "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead",
         "tr", "ul"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
               "td": {"style"}, "th": {"style"}, "ol": {"start"}, "code": {"class"}}


def render(markdown: str) -> str:
    """Safe HTML for ``markdown``: links open elsewhere and tell nothing of where they came
    from (``rel`` is set by the sanitizer)."""
    return sanitize(_md.render(markdown))


def sanitize(html: str) -> str:
    """Only the tags, attributes and URL schemes an article may have."""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                     filter_style_properties={"text-align"}, strip_comments=True)


def page(html: str, lang: str) -> str:
    """A sanitized article (``render``'s output) as a page of its own, for a sandboxed frame."""
    return (f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f'<link rel="stylesheet" href="{STYLE}"></head><body>{html}</body></html>')
