"""Server-side texts (error messages, SMS and mail) from the ru/en catalogs in ``locales/``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGES", "catalog", "pick_language", "t"]

LANGUAGES = ("ru", "en")
_DIR = Path(__file__).parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((_DIR / f"{lang}.json").read_text("utf-8"))
    return data


def t(lang: str, key: str, **params: Any) -> str:
    """The text for ``key`` in ``lang``, falling back to Russian, then to the key itself."""
    text = catalog(lang if lang in LANGUAGES else "ru").get(key) or catalog("ru").get(key) or key
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def pick_language(accept_language: str | None, default: str = "ru") -> str:
    """The first supported language in an Accept-Language header."""
    if not accept_language:
        return default
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default
