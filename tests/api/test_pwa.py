"""The installable app as the server serves it: the manifest, and the service worker with the
asset version of the files it caches (a deploy that changes a file changes the version)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from parta.config import Settings
from parta.pwa import (
    IMMUTABLE,
    _scan,
    asset_version,
    shell_assets,
    shell_page,
    start_modules,
    versioned,
)
from tests.conftest import World


async def test_the_worker_and_the_manifest_are_served_from_the_root(world: World) -> None:
    c = world.client()
    r = await c.get("/sw.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache" and r.headers["service-worker-allowed"] == "/"
    web = world.services.settings.web_dir
    assert "parta-shell-${VERSION}" in r.text and asset_version(web) in r.text
    assert f'"/static/v/{asset_version(web)}/js/app.js"' in r.text
    assert "/api/" not in "".join(shell_assets(web))
    assert "default-src 'self'" in r.headers["content-security-policy"]  # worker-src falls back to it
    r = await c.get("/manifest.webmanifest")
    manifest = r.json()
    assert r.headers["content-type"].startswith("application/manifest+json")
    assert manifest["name"] == "Парта" and manifest["scope"] == "/"
    for icon in manifest["icons"]:
        assert (await c.get(icon["src"])).status_code == 200


def test_a_changed_file_changes_the_asset_version(tmp_path: Path) -> None:
    web = tmp_path / "web"
    shutil.copytree(Settings().web_dir, web)
    before = asset_version(web)
    _scan.cache_clear()
    (web / "css" / "base.css").write_text((web / "css" / "base.css").read_text() + "\n/* v2 */\n")
    assert asset_version(web) != before
    _scan.cache_clear()


async def test_the_shell_names_every_start_up_script_and_no_page_loaded_later(world: World) -> None:
    """The browser learns of the start-up scripts from the HTML (modulepreload) and fetches
    them side by side; a page opened only by some (the administration's) is not among them."""
    c = world.client()
    r = await c.get("/chats", headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', r.text)
    web = world.services.settings.web_dir
    v = versioned
    assert set(preloaded) == {v(web, u) for u in start_modules(web)} - {v(web, "/static/js/app.js")}
    assert len(preloaded) == len(set(preloaded))
    assert v(web, "/static/js/views/chats.js") in preloaded and v(web, "/static/js/views/chat.js") in preloaded
    for later in ("/static/js/views/admin_org.js", "/static/js/views/roster_import.js",
                  "/static/js/stats/page.js", "/static/js/materials/editor.js"):
        assert v(web, later) not in preloaded
        assert (await c.get(v(web, later))).status_code == 200  # there when its page opens
    for url in preloaded:
        assert (await c.get(url)).status_code == 200, url
    assert r.text.index("modulepreload") < r.text.index(f'src="{v(web, "/static/js/app.js")}"')
    r = await c.get("/no/such/page", headers={"accept": "text/html"})
    assert r.status_code == 404 and "modulepreload" in r.text


async def test_the_shell_names_its_files_by_versioned_urls_kept_for_a_year(world: World) -> None:
    """A start revalidates none of the client's files: the shell (itself revalidated) names
    them by this version's URLs, answered as immutable; the plain URLs stay revalidated, and
    another version's URL (a page from before a deploy) is answered but never kept."""
    c = world.client()
    web = world.services.settings.web_dir
    version = asset_version(web)
    shell = (await c.get("/chats", headers={"accept": "text/html"})).text
    named = re.findall(r'(?:href|src)="(/static/[^"]+)"', shell)
    assert named and all(u.startswith(f"/static/v/{version}/") for u in named), named
    assert f'<link rel="stylesheet" href="/static/v/{version}/css/base.css">' in shell
    plain = await c.get("/static/js/app.js")
    kept = await c.get(f"/static/v/{version}/js/app.js")
    assert kept.status_code == 200 and kept.content == plain.content
    assert kept.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert "immutable" not in plain.headers.get("cache-control", "")
    other = await c.get("/static/v/0123456789abcdef/js/app.js")
    assert other.status_code == 200 and other.headers["cache-control"] == "no-cache"
    assert (await c.get(f"/static/v/{version}/js/no-such.js")).status_code == 404
    assert (await c.get(f"/static/v/{version}/../pyproject.toml")).status_code == 404
    # The worker maps this version's URLs to its cache and leaves another version's to the network.
    worker = (await c.get("/sw.js")).text
    assert "versioned[1] !== VERSION" in worker


def test_start_modules_follow_static_imports_only(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "js" / "views").mkdir(parents=True)
    (web / "index.html").write_text('<script type="module" src="/static/js/app.js"></script>')
    (web / "js" / "app.js").write_text(
        "import { a } from './a.js';\nimport {\n  b,\n} from './views/b.js';\nimport './side.js';\n"
        "const later = () => import('./views/later.js');\nexport { c } from './c.js';\n")
    for name in ("a", "views/b", "side", "views/later", "c"):
        (web / "js" / f"{name}.js").write_text("import { a } from '../js/a.js';\n" if name == "views/b" else "")
    assert start_modules(web) == ("/static/js/a.js", "/static/js/app.js", "/static/js/c.js",
                                  "/static/js/side.js", "/static/js/views/b.js")
    assert shell_page(web).count("modulepreload") == 4
