"""A small pattern language for the lexicon, compiled to regular expressions.

A lexicon pattern is written the way the word looks, and compiled so that it survives
repeated letters, masked letters and the leftovers of disguise:

* a letter matches itself repeated ("бля" matches "бляяя") or ``*`` (a masked letter);
* ``[...]`` is one letter out of several, also repeatable;
* ``^`` at the start: the match begins a word; ``$``: the word ends there;
* ``~``: the rest of the word (any letters, possibly none);
* ``(a|b)`` groups (never capturing), ``?`` makes the preceding letter or group optional;
* ``{...}`` is passed through as a raw regular expression (for lookarounds).

Every pattern starts with a plain letter. The compiled alternatives are grouped by that
first letter, so the regular-expression engine skips every position whose character cannot
start a word of the lexicon, which keeps a whole-lexicon search fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Alphabet", "Compiled", "compile_patterns", "compile_alternative"]


@dataclass(frozen=True)
class Alphabet:
    """What counts as a letter in a view, and letters that also stand for others."""

    letters: str  # regex class body, e.g. "а-я*"
    variants: Mapping[str, str] = field(default_factory=dict)  # letter -> regex of one letter


@dataclass(frozen=True)
class Compiled:
    """One or more patterns compiled into a single searchable regular expression."""

    regex: re.Pattern[str]
    first_letters: frozenset[str]


def _atom(chars: str, alphabet: Alphabet) -> str:
    options = [alphabet.variants[c] for c in chars if c in alphabet.variants]
    plain = "".join(re.escape(c) for c in chars)
    klass = f"[{plain}*]"
    return f"(?:{klass}|{'|'.join(options)})" if options else klass


def _read_class(dsl: str, i: int) -> tuple[str, int]:
    end = dsl.index("]", i)
    return dsl[i + 1 : end], end + 1


def compile_alternative(dsl: str, alphabet: Alphabet) -> tuple[bool, str, str]:
    """Whether ``dsl`` starts a word, its first letter and a regex for the rest of it."""
    start = dsl.startswith("^")
    body = dsl[1:] if start else dsl
    if not body or not body[0].isalpha():
        raise ValueError(f"pattern must start with a letter: {dsl!r}")
    first = body[0]
    out = [f"[{re.escape(first)}*]*"]
    i = 1
    while i < len(body):
        ch = body[i]
        if ch == "[":
            chars, i = _read_class(body, i)
            optional = i < len(body) and body[i] == "?"
            out.append(_atom(chars, alphabet) + ("*" if optional else "+"))
            i += 1 if optional else 0
            continue
        if ch == "{":
            end = body.index("}", i)
            out.append(body[i + 1 : end])
            i = end + 1
            continue
        i += 1
        if ch == "$":
            out.append(f"(?![{alphabet.letters}])")
        elif ch == "~":
            out.append(f"[{alphabet.letters}]*")
        elif ch == "(":
            out.append("(?:")
        elif ch in ")|?":
            out.append(ch)
        elif ch.isalpha():
            optional = i < len(body) and body[i] == "?"
            out.append(_atom(ch, alphabet) + ("*" if optional else "+"))
            i += 1 if optional else 0
        else:
            raise ValueError(f"unexpected {ch!r} in pattern {dsl!r}")
    return start, first, "".join(out)


def _grouped(alternatives: list[tuple[str, str]]) -> str:
    groups: dict[str, list[str]] = {}
    for first, rest in alternatives:
        groups.setdefault(first, []).append(rest)
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


def compile_patterns(patterns: Iterable[str], alphabet: Alphabet) -> Compiled:
    """``patterns`` as one regex: alternatives that start a word are tried only there, and
    every alternative starts with a literal letter (see the module doc)."""
    anywhere: list[tuple[str, str]] = []
    starting: list[tuple[str, str]] = []
    for dsl in patterns:
        start, first, rest = compile_alternative(dsl, alphabet)
        (starting if start else anywhere).append((first, rest))
    parts = []
    if starting:
        parts.append(f"(?<![{alphabet.letters}])(?:{_grouped(starting)})")
    if anywhere:
        parts.append(_grouped(anywhere))
    regex = "|".join(parts) if parts else "(?!)"
    return Compiled(re.compile(regex), frozenset(f for f, _ in anywhere + starting))
