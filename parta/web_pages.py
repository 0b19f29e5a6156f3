"""Which paths are pages of the web client, read from the client's own route table.

The client routes with the History API, so each of its pages must load the one HTML shell
from the server — and only its pages: any other path (``/wp-admin``, ``/.env``, ``/metrics``)
is answered 404, not with a page that says 200. The routes are read from ``js/app.js``
(``route('/chats/:id', …)``), so the server and the client never disagree about what exists;
a ``:name`` part matches one path segment, as in ``js/router.js``.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["page_paths"]

_ROUTE = re.compile(r"""\broute\(\s*'(/[^']*)'""")


def page_paths(web_dir: Path) -> re.Pattern[str]:
    """A pattern matching every page path of the client in ``web_dir`` (none if it has none)."""
    try:
        source = (web_dir / "js" / "app.js").read_text(encoding="utf-8")
    except OSError:
        source = ""
    patterns = []
    for pattern in _ROUTE.findall(source):
        parts = ["[^/]+" if part.startswith(":") else re.escape(part)
                 for part in pattern.split("/")]
        patterns.append("/".join(parts).rstrip("/") + "/?")
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{p})" for p in patterns))
