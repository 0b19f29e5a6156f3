"""The lexicon compiled for one alphabet (``_Lexicon``), and what the filter answers
(``Match``, ``Verdict``): shared by ``parta.conduct`` and its ``addressed`` view."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from parta.conduct.lexicon import Entry
from parta.conduct.normalize import EN_LETTERS, RU_LETTERS
from parta.conduct.patterns import Alphabet, compile_patterns

_RU_ALPHABET = Alphabet(RU_LETTERS, {"л": "йи"})
# i, l, 1, ! and | stand for one another in leet.
_EN_ALPHABET = Alphabet(EN_LETTERS, {"i": "l", "l": "i"})
_CONTEXT = 32  # characters either side searched for an entry's "unless" context
_MOST_MATCHES = 100  # a text full of profanity is flagged long before; this bounds the work
_LONGEST_WORD = 40  # letters looked at around a match for its whole word (allowlist)
_LONGEST_TAIL = 4  # letters a split word may go on after a match ("ху.йня", not "ж,опасность")


@dataclass(frozen=True)
class Match:
    """One offending word: ``text[start:end]`` of the original text."""

    start: int
    end: int
    term: str  # canonical root or lemma, e.g. "хуй", "дебил", "fuck"
    category: str  # "profanity" | "insult" | "threat"
    lang: str  # "ru" | "en"


@dataclass(frozen=True)
class Verdict:
    """The filter's answer for one text."""

    flagged: bool
    matches: tuple[Match, ...]


class _Lexicon:
    """One language's entries and allowlist, compiled for one alphabet."""

    def __init__(self, entries: Sequence[Entry], allow: Sequence[str], alphabet: Alphabet):
        self.entries = tuple(entries)
        self.regex = compile_patterns(
            (p for e in self.entries for p in e.patterns), alphabet).regex
        self._each = tuple(compile_patterns(e.patterns, alphabet).regex for e in self.entries)
        self._allow = compile_patterns(allow, alphabet).regex
        self._unless = tuple(re.compile(e.unless) if e.unless else None for e in self.entries)
        self._letter = re.compile(f"[{alphabet.letters}]")

    def identify(self, view: str, start: int) -> tuple[int, int] | None:
        """The entry that matches at ``start`` (the longest match) and the match's end."""
        best: tuple[int, int] | None = None
        for i, regex in enumerate(self._each):
            m = regex.match(view, start)
            if m and (best is None or m.end() > best[1]):
                best = (i, m.end())
        return best

    def glued(self, view: str, start: int, end: int) -> bool:
        """Whether the word at ``start:end`` goes on past an invisible character ("\\0")."""
        before = start
        while before > 0 and view[before - 1] == "\0":
            before -= 1
        after = end
        while after < len(view) and view[after] == "\0":
            after += 1
        return (before < start and before > 0 and self._letter.match(view, before - 1) is not None
                or after > end and self._letter.match(view, after) is not None)

    def allowed(self, word: str) -> bool:
        return self._allow.fullmatch(word) is not None

    def in_context(self, i: int, view: str, start: int, end: int) -> bool:
        unless = self._unless[i]
        window = view[max(0, start - _CONTEXT) : end + _CONTEXT]
        return unless is not None and unless.search(window) is not None

    def word(self, view: str, start: int, end: int) -> tuple[int, int]:
        """The span of the word of the view around ``start:end``, at most ``_LONGEST_WORD``
        letters either side (no allowlisted word is longer; a long run stays linear)."""
        low = max(0, start - _LONGEST_WORD)
        while start > low and self._letter.match(view, start - 1):
            start -= 1
        high = min(len(view), end + _LONGEST_WORD)
        while end < high and self._letter.match(view, end):
            end += 1
        return start, end
