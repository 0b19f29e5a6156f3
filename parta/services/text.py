"""Names as people will read them: without the invisible characters that make a name lie.

Unicode's format characters (category Cf) draw nothing themselves but change how what is
around them is shown: a right-to-left override (U+202E) before «gpj.exe» makes it read «exe.jpg»,
a zero-width space makes «Анна Иванова» a different name that looks the same, an isolate hides
part of a name. In a person's, group's or chat's name, or a file's, none of them has a
legitimate use here, so they are dropped when a name comes in — with one exception: the
zero-width joiner between two emoji, which draws one emoji (👨‍👩‍👧) rather than three.
Control characters and line breaks become spaces, runs of spaces one.

Message text is not touched: there a right-to-left mark can be what a writer meant.
"""

from __future__ import annotations

import unicodedata

__all__ = ["clean_name", "strip_invisible"]

_ZWJ = "\u200d"
_DROPPED = frozenset(("Cf", "Cs"))  # format characters, lone surrogates
_AS_SPACE = frozenset(("Cc", "Zl", "Zp"))  # control characters, line and paragraph breaks


def _emoji_side(ch: str) -> bool:
    """A character an emoji ZWJ sequence joins: a symbol, its skin tone, or its emoji style."""
    return unicodedata.category(ch) == "So" or "\U0001f3fb" <= ch <= "\U0001f3ff" or ch == "\ufe0f"


def strip_invisible(text: str) -> str:
    """``text`` without format characters (but an emoji's joiner), control characters as
    spaces."""
    if text.isprintable():  # every Cf, Cc, Zl, Zp character is «not printable»
        return text
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category in _DROPPED:
            if ch == _ZWJ and 0 < i < last and _emoji_side(text[i - 1]) \
                    and _emoji_side(text[i + 1]):
                out.append(ch)
            continue
        out.append(" " if category in _AS_SPACE else ch)
    return "".join(out)


def clean_name(text: str) -> str:
    """A name as it is stored: composed (NFC), without invisible characters, its whitespace
    collapsed to single spaces and trimmed."""
    return " ".join(strip_invisible(unicodedata.normalize("NFC", text)).split())
