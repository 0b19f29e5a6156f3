"""A small pattern language for the lexicon, compiled to regular expressions.

A lexicon pattern is written the way the word looks, and compiled so that it survives
repeated letters, masked letters and the leftovers of disguise:

* a letter matches itself repeated ("бля" matches "бляяя") or one ``*`` (a masked letter);
  a doubled letter ("ass") needs a run of at least two;
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

__all__ = ["Alphabet", "Compiled", "compile_alternative", "compile_patterns"]


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


_STARS = r"\*{0,3}"


def _atom(chars: str, alphabet: Alphabet, least: int = 1, optional: bool = False) -> str:
    """One letter of a pattern: a run of it (possessive: a run is never given back, so long
    runs of one letter stay linear) or one ``*`` standing for it."""
    options = [alphabet.variants[c] for c in chars if c in alphabet.variants]
    plain = "".join(re.escape(c) for c in chars)
    klass = f"[{plain}]" if len(chars) > 1 else plain
    run = f"{klass}++" if least == 1 else f"{klass}{{{least},}}+"
    # Stars after a letter may be separators ("х*у*й"); a few, so backtracking stays short.
    atom = f"(?:{'|'.join([run + _STARS, *options, re.escape('*')])})"
    return atom + "?" if optional else atom


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
    i = 1
    while i < len(body) and body[i] == first:  # "ссык": the first letter at least twice
        i += 1
    out = [(f"{re.escape(first)}*+" if i == 1 else f"{re.escape(first)}{{{i - 1},}}+") + _STARS]
    while i < len(body):
        ch = body[i]
        if ch == "[":
            chars, i = _read_class(body, i)
            optional = i < len(body) and body[i] == "?"
            out.append(_atom(chars, alphabet, optional=optional))
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
            least = 1
            while i < len(body) and body[i] == ch:  # "ass": a run of at least two
                least += 1
                i += 1
            optional = i < len(body) and body[i] == "?"
            out.append(_atom(ch, alphabet, least, optional))
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
