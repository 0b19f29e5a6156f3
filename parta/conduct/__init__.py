"""The conduct filter (R33): finds Russian and English profanity and insults in a message.

    >>> verdict = check("ну ты и д.е.б.и.л")
    >>> verdict.flagged, [(m.term, m.category) for m in verdict.matches]
    (True, [('дебил', 'insult')])
    >>> mask("ну ты и д.е.б.и.л", verdict)
    'ну ты и д********'

How it works: ``normalize`` turns the message into views (lowercase Cyrillic by shape,
lowercase Latin with leet folded, romanized Russian back to Cyrillic, letters that separators
split apart joined again), each keeping the index of every character in the original text.
``lexicon`` holds the words as patterns that survive inflection, repeated and masked letters;
``patterns`` compiles them into one regular expression per language. A match is dropped when
its whole word is on the allowlist ("страхуй", "Scunthorpe") or when its entry's context
shows the ordinary meaning ("тупой угол"). Offsets in a ``Match`` are into the original text.

The filter is deterministic, has no state between calls and is safe to share between tasks;
``check`` uses one cached instance.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from parta.conduct.lexicon import ENGLISH, ENGLISH_ALLOW, RUSSIAN, RUSSIAN_ALLOW, Entry
from parta.conduct.normalize import (
    EN_LETTERS,
    RU_LETTERS,
    english_view,
    has_latin,
    joined_runs,
    latin_words,
    prepare,
    russian_view,
    transliterate,
)
from parta.conduct.patterns import Alphabet, compile_patterns

__all__ = ["ConductFilter", "Match", "Verdict", "check", "default_filter", "mask"]

# "JI" is a common way to write л; in the Russian view it reads "йи".
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
    category: str  # "profanity" | "insult"
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


def _enough_letters(fragment: str) -> bool:
    """A match needs two real letters and more letters than masks ("х*й" yes, "***" no)."""
    stars = fragment.count("*")
    letters = len(fragment) - stars
    return letters >= 2 and stars < letters


def _splits_a_word(index: list[int], start: int, end: int) -> bool:
    """Whether a match in joined letters is one word split by separators ("за.ебал"), not
    the end of one word and the start of the next ("в горах,уехали") nor a match that lies
    in one piece (the plain view has seen that one)."""
    if start > 0 and index[start] == index[start - 1] + 1:
        return False
    if not any(index[j] != index[j - 1] + 1 for j in range(start + 1, end)):
        return False
    # Ending inside a long last piece reads as the start of a real word ("ж,опасность").
    tail = end
    while tail < len(index) and index[tail] == index[tail - 1] + 1 and tail - end <= _LONGEST_TAIL:
        tail += 1
    return tail - end <= _LONGEST_TAIL


def _split_word_end(index: list[int], end: int) -> int:
    """Where the split word of a match ends: the end of its last piece, and on across
    single letters after a single letter ("п.и.з.д.е.ц", "х у й н я")."""
    single = end - 1 == 0 or index[end - 1] != index[end - 2] + 1
    while end < len(index) and index[end] == index[end - 1] + 1:
        end += 1
        single = False
    while single and end < len(index) and (
            end + 1 == len(index) or index[end + 1] != index[end] + 1):
        end += 1
    return end


def _pieces_are_short(index: list[int]) -> bool:
    """Whether every piece of a joined run has at most two letters ("b.l.y.a.t")."""
    length = 1
    for j in range(1, len(index)):
        length = length + 1 if index[j] == index[j - 1] + 1 else 1
        if length > 2:
            return False
    return True


class ConductFilter:
    """The compiled lexicons; build once and reuse (``default_filter()`` does)."""

    def __init__(
        self,
        russian: Sequence[Entry] = RUSSIAN,
        english: Sequence[Entry] = ENGLISH,
        russian_allow: Sequence[str] = RUSSIAN_ALLOW,
        english_allow: Sequence[str] = ENGLISH_ALLOW,
    ) -> None:
        self._ru = _Lexicon(russian, russian_allow, _RU_ALPHABET)
        self._translit = _Lexicon(
            [e for e in russian if e.translit], russian_allow, _RU_ALPHABET)
        self._en = _Lexicon(english, english_allow, _EN_ALPHABET)

    def check(self, text: str) -> Verdict:
        """Every offending word in ``text``, with offsets into ``text``."""
        s = prepare(text)
        found: list[Match] = []
        self._scan(self._ru, russian_view(s), None, s, found)
        latin = has_latin(s)
        if latin:
            self._scan(self._en, english_view(s), None, s, found)
            self._scan_romanized(s, found)
        for letters, index in joined_runs(s):
            self._scan(self._ru, russian_view(letters), index, s, found)
            if latin and has_latin(letters):
                self._scan(self._en, english_view(letters), index, s, found)
                if _pieces_are_short(index):
                    run = (index[0], index[-1] + 1)
                    self._scan(self._translit, transliterate(letters), None, s, found, run)
        matches = _merge(found)
        return Verdict(bool(matches), matches)

    def _scan_romanized(self, s: str, found: list[Match]) -> None:
        """Romanized Russian: the words with a Latin letter, transliterated together and
        searched at once; only the words with a hit are looked at again. Transliteration
        changes letters into letters only, so the n-th word stays the n-th word."""
        words = list(latin_words(s))
        if not words:
            return
        cyrillic = transliterate(" ".join(s[start:end] for start, end in words))
        hits = [m.start() for m in self._translit.regex.finditer(cyrillic)]
        if not hits:
            return
        starts = [m.start() for m in _WORD.finditer(cyrillic)]
        if len(starts) == len(words):
            words = [words[i] for i in sorted({bisect.bisect_right(starts, h) - 1 for h in hits})]
        for start, end in words:
            word = (start, end)
            self._scan(self._translit, transliterate(s[start:end]), None, s, found, word)

    def _scan(self, lexicon: _Lexicon, view: str, index: list[int] | None, s: str,
              found: list[Match], whole: tuple[int, int] | None = None) -> None:
        """Matches of ``lexicon`` in ``view``; ``index`` maps view positions into ``s``
        (None: the view is ``s`` itself, one character for one); with ``whole``, the view
        is not one for one and every match stands for that span of ``s``."""
        if len(found) >= _MOST_MATCHES:
            return
        for m in lexicon.regex.finditer(view):
            start = m.start()
            hit = lexicon.identify(view, start)
            if hit is None:
                continue
            i, end = hit
            if not _enough_letters(view[start:end]):
                continue
            if index is not None and not _splits_a_word(index, start, end):
                continue
            word_start, word_end = lexicon.word(view, start, end)
            if index is None and whole is None and lexicon.glued(view, word_start, word_end):
                continue  # an invisible character inside a word: the joined run decides
            if lexicon.allowed(view[word_start:word_end]):
                continue
            if lexicon.in_context(i, view, start, end):
                continue
            # The whole word is reported ("пиздец", not the root "пизд"): the UI highlights it.
            if whole is not None:
                orig = orig_word = hit_span = whole
            elif index is None:
                orig = orig_word = (word_start, word_end)
                hit_span = (start, end)
            else:
                orig = (index[start], index[_split_word_end(index, end) - 1] + 1)
                orig_word = (index[word_start], index[word_end - 1] + 1)
                hit_span = (index[start], index[end - 1] + 1)
            if not self._plausible(lexicon, s, orig_word, hit_span):
                continue
            entry = lexicon.entries[i]
            found.append(Match(orig[0], orig[1], entry.term, entry.category, entry.lang))
            if whole is not None or len(found) >= _MOST_MATCHES:
                return

    def _plausible(self, lexicon: _Lexicon, s: str, word: tuple[int, int],
                   span: tuple[int, int]) -> bool:
        """Checks on the original word: English needs a Latin letter; a Latin word read as
        Russian by shape needs letters that look Russian ("xyй", "CYKA", not "hyena"); no
        allowlisted chunk ("Лох-Несс")."""
        text = s[word[0] : word[1]]
        latin = has_latin(text)
        if lexicon is self._en and not latin:
            return False
        latin_only = latin and not _CYRILLIC.search(text)
        if lexicon is self._ru and latin_only and _NOT_LOOKALIKE.search(s, span[0], span[1]):
            return False
        if latin and self._en.allowed(english_view(_POSSESSIVE.sub("", text))):
            return False
        chunk = _chunk(s, word)
        if chunk != text:
            letters = "".join(_LETTERISH.findall(chunk))
            if self._ru.allowed(russian_view(letters)):
                return False
        return True


_LETTERISH = re.compile(r"[0-9A-Za-zА-Яа-яЁё@$€*#]")
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё@$€*#]+")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# Latin letters that look like no Cyrillic letter (lowercase h reads х only when romanized).
_NOT_LOOKALIKE = re.compile(r"[dfghijlqsvwzDFGIJLQSUVWZ]")


def _chunk(s: str, word: tuple[int, int]) -> str:
    """The run of non-space characters around ``word`` ("Лох-Несское" around "Лох")."""
    start, end = word
    low, high = max(0, start - _LONGEST_WORD), min(len(s), end + _LONGEST_WORD)
    while start > low and not s[start - 1].isspace():
        start -= 1
    while end < high and not s[end].isspace():
        end += 1
    return s[start:end]


def _merge(found: list[Match]) -> tuple[Match, ...]:
    """Overlapping matches (the same word seen in several views) become one."""
    merged: list[Match] = []
    for m in sorted(found, key=lambda m: (m.start, -m.end)):
        if merged and m.start < merged[-1].end:
            last = merged[-1]
            if m.end > last.end:
                longer = m if m.end - m.start > last.end - last.start else last
                merged[-1] = Match(last.start, m.end, longer.term, longer.category, longer.lang)
            continue
        merged.append(m)
    return tuple(merged)


@functools.cache
def default_filter() -> ConductFilter:
    """The filter with the built-in lexicon, compiled once."""
    return ConductFilter()


def check(text: str) -> Verdict:
    """Check ``text`` with the built-in lexicon."""
    return default_filter().check(text)


def mask(text: str, verdict: Verdict) -> str:
    """``text`` with each match replaced by its first character and asterisks."""
    chars = list(text)
    for m in verdict.matches:
        first = True
        for i in range(m.start, m.end):
            if chars[i].isspace():
                continue
            if not first:
                chars[i] = "*"
            first = False
    return "".join(chars)
