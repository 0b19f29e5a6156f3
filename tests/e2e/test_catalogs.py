"""The web client's ru/en catalogs: the same keys in both, and every key the code asks for."""

from __future__ import annotations

import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "parta" / "web"
LITERAL_KEY = re.compile(r"""\bt\(\s*'([a-z_]+(?:\.[a-z_0-9]+)+)'""")


def flatten(node: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in node.items():
        full = f"{prefix}{key}"
        keys |= flatten(value, f"{full}.") if isinstance(value, dict) else {full}
    return keys


def catalog(lang: str) -> set[str]:
    return flatten(json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8")))


def test_ru_and_en_have_the_same_keys() -> None:
    ru, en = catalog("ru"), catalog("en")
    assert sorted(ru - en) == [] and sorted(en - ru) == []


def test_every_literal_key_in_the_code_is_in_the_catalog() -> None:
    ru = catalog("ru")
    used: set[str] = set()
    for path in (WEB / "js").rglob("*.js"):
        used |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    assert sorted(used - ru) == []


def test_modules_stay_small_and_build_no_html_from_strings() -> None:
    for path in list((WEB / "js").rglob("*.js")) + list((WEB / "css").glob("*.css")):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") < 500, path
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path
