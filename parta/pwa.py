"""The installable web app: the manifest, and the service worker served from the root scope.

The service worker keeps the app shell (the HTML, scripts, styles, catalogs and icons) in a
cache named after the asset version — a hash of the web client's files — so a deploy that
changes any file brings a new worker and a new cache, and the old one is deleted. It never
caches API answers (they carry personal data) nor uploaded files.

The shell names the client's files by versioned URLs, ``/static/v/<asset version>/…`` (the same
files as ``/static/…``; a module's relative imports inherit the prefix), answered as immutable
for a year: a start needs no revalidation of its scripts, and a deploy that changes any file
changes every URL. Another version's URL is answered too, but only to be revalidated.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["IMMUTABLE", "SHELL_DIRS", "VersionedStatic", "asset_version", "manifest", "router",
           "shell_assets", "shell_page", "start_modules", "versioned"]

SHELL_DIRS = ("css", "js", "i18n", "icons")
THEME = "#0f766e"  # --accent in css/base.css
BACKGROUND = "#f4f6f8"  # --bg
IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def _scan(web_dir: Path) -> tuple[str, tuple[str, ...]]:
    digest = hashlib.sha256()
    assets = []
    for path in sorted(p for p in web_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(web_dir).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        if rel.split("/", 1)[0] in SHELL_DIRS:
            assets.append(f"/static/{rel}")
    return digest.hexdigest()[:16], tuple(assets)


def asset_version(web_dir: Path) -> str:
    """A hash of every file of the web client (read once per process)."""
    return _scan(web_dir)[0]


def shell_assets(web_dir: Path) -> list[str]:
    """What an offline start needs: the shell at «/» and every static file of the client, by
    this version's URLs (the ones the shell names)."""
    return ["/", "/manifest.webmanifest", *(versioned(web_dir, u) for u in _scan(web_dir)[1])]


# A static ``import … from './x.js'`` / ``export … from`` / ``import './x.js'`` (not ``import()``,
# which is how a page loads later what it needs only when opened).
_STATIC_IMPORT = re.compile(
    r"""^\s*(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]""",
    re.MULTILINE)
ENTRY = "js/app.js"


@cache
def start_modules(web_dir: Path) -> tuple[str, ...]:
    """Every script the client's entry imports statically, directly or not: what a first
    start needs before it can draw anything (read once per process)."""
    root = web_dir.resolve()
    seen: dict[Path, None] = {}
    todo = [root / ENTRY]
    while todo:
        path = todo.pop().resolve()
        if path in seen or not path.is_file() or root not in path.parents:
            continue
        seen[path] = None
        for found in _STATIC_IMPORT.finditer(path.read_text(encoding="utf-8")):
            spec = found.group(1) or found.group(2)
            if spec.startswith("."):
                todo.append(path.parent / spec)
    return tuple(sorted(f"/static/{p.relative_to(root).as_posix()}" for p in seen))


def versioned(web_dir: Path, url: str) -> str:
    """``/static/x`` as this version's immutable URL, ``/static/v/<version>/x``."""
    return url.replace("/static/", f"/static/v/{asset_version(web_dir)}/", 1)


@cache
def shell_page(web_dir: Path) -> str:
    """The HTML shell, telling the browser of every start-up script at once
    (``modulepreload``): it fetches them side by side instead of discovering them one import
    level at a time; every file it names by this version's URL."""
    html = (web_dir / "index.html").read_text(encoding="utf-8")
    entry = f'<script type="module" src="/static/{ENTRY}"></script>'
    if entry in html:
        links = "".join(f'<link rel="modulepreload" href="{url}">\n  '
                        for url in start_modules(web_dir) if url != f"/static/{ENTRY}")
        html = html.replace(entry, links + entry, 1)
    prefix = versioned(web_dir, "/static/")
    return html.replace('href="/static/', f'href="{prefix}').replace('src="/static/', f'src="{prefix}')


class VersionedStatic(StaticFiles):
    """The client's files at ``/static/v/{version}/…``: this version's kept unchanged for a
    year, another's (a page of the version before a deploy) only with a revalidation."""

    def __init__(self, web_dir: Path) -> None:
        super().__init__(directory=web_dir, check_dir=False)
        self.web_dir = web_dir

    def file_response(self, full_path: Any, stat_result: Any, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        current = scope.get("path_params", {}).get("version") == asset_version(self.web_dir)
        response.headers["Cache-Control"] = IMMUTABLE if current else "no-cache"
        return response


def manifest(lang: str = "ru") -> dict[str, Any]:
    icons = [{"src": f"/static/icons/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png",
              "purpose": "any"} for n in (192, 512)]
    icons.append({"src": "/static/icons/maskable-512.png", "sizes": "512x512",
                  "type": "image/png", "purpose": "maskable"})
    icons.append({"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml",
                  "purpose": "any"})
    return {
        "id": "/", "name": "Парта", "short_name": "Парта", "lang": lang,
        "description": "Школьный мессенджер: классы, родители, учителя" if lang == "ru"
        else "The school messenger: classes, parents, teachers",
        "start_url": "/chats", "scope": "/", "display": "standalone",
        "orientation": "any", "theme_color": THEME, "background_color": BACKGROUND,
        "icons": icons,
    }


router = APIRouter(include_in_schema=False)


@router.get("/manifest.webmanifest")
async def web_manifest() -> Response:
    return Response(json.dumps(manifest(), ensure_ascii=False),
                    media_type="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})


@router.get("/sw.js")
async def service_worker(request: Request) -> Response:
    web: Path = request.app.state.settings.web_dir
    source = (web / "sw.js").read_text(encoding="utf-8")
    source = (source.replace("__ASSET_VERSION__", asset_version(web))
              .replace("__SHELL_ASSETS__", json.dumps(shell_assets(web))))
    # Checked for a new version on every load; its scope is the whole site.
    return Response(source, media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})
