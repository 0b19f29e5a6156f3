"""The installable app as the server serves it: the manifest, and the service worker with the
asset version of the files it caches (a deploy that changes a file changes the version)."""

from __future__ import annotations

import shutil
from pathlib import Path

from parta.config import Settings
from parta.pwa import _scan, asset_version, shell_assets
from tests.conftest import World


async def test_the_worker_and_the_manifest_are_served_from_the_root(world: World) -> None:
    c = world.client()
    r = await c.get("/sw.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache" and r.headers["service-worker-allowed"] == "/"
    web = world.services.settings.web_dir
    assert "parta-shell-${VERSION}" in r.text and asset_version(web) in r.text
    assert '"/static/js/app.js"' in r.text and "/api/" not in "".join(shell_assets(web))
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
