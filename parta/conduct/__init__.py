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
shows the ordinary meaning ("тупой угол"); an insult right after "я" ("я дурак") is someone
calling themselves names. Offsets in a ``Match`` are into the original text.

More views for disguises: symbols and emoji between letters read as masked letters
("бл😀ть"); a word with more masks than letters is its word when the masks fill a known
word from its first letter ("п***ц"); single letters split by any mix of separators
("п.и з-д_е ц"), but not a name's initials ("Е.Б.") nor a list ("x, y и z"); two short
words with one space between are also read joined ("су ка"), unless one is a word that
stands alone ("за лупой"). Romanized words are read by a second scheme too ("wluha").

Beyond single words (``_Addressed``): words that insult only the one addressed ("свинья",
"тряпка", "никто") count next to "ты"/"вы" with only qualifiers between ("ты жирная
свинья", "гнида ты подлая") or as the addressee set off by a comma in a message that speaks
to someone ("скотина, отдай ручку"); threats and bullying are phrases ("убью тебя",
"тебя все ненавидят"), category "threat" for threats.

The filter is deterministic, has no state between calls and is safe to share between tasks;
``check`` uses one cached instance.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence

from parta.conduct.addressed import (
    _CYRILLIC,
    _LETTERISH,
    _NOT_LOOKALIKE,
    _POSSESSIVE,
    _WORD,
    _Addressed,
    _romanized,
)
from parta.conduct.compiled import (
    _CONTEXT,
    _EN_ALPHABET,
    _LONGEST_TAIL,
    _LONGEST_WORD,
    _MOST_MATCHES,
    _RU_ALPHABET,
    Match,
    Verdict,
    _Lexicon,
)
from parta.conduct.lexicon import (
    ADDRESSED,
    ENGLISH,
    ENGLISH_ALLOW,
    INSULT,
    PHRASES,
    RUSSIAN,
    RUSSIAN_ALLOW,
    Entry,
    Phrase,
)
from parta.conduct.normalize import (
    english_view,
    has_latin,
    joined_runs,
    latin_words,
    masked_view,
    other_scheme,
    prepare,
    russian_view,
    second_scheme,
    split_pairs,
    transliterate,
    transliterations,
)

__all__ = ["ConductFilter", "Match", "Verdict", "check", "default_filter", "mask"]

# "JI" is a common way to write л; in the Russian view it reads "йи".
def _enough_letters(fragment: str) -> bool:
    """A match needs two real letters and more letters than masks ("х*й" yes, "***" no)."""
    stars = fragment.count("*")
    letters = len(fragment) - stars
    return letters >= 2 and stars < letters


_MOST_MASKS = 4


def _masked_word(s: str, view: str, start: int, end: int, word: tuple[int, int]) -> bool:
    """A self-censored word with more masks than letters is still its word when the match
    starts it with a real letter and covers it to (nearly) its end, and it ends in a real
    letter ("п***ц", "б***ь", "с**а") or is three characters ("х**"); "С*** из 7Б" (a name),
    "***" and "**R24**" (a digit read as a letter, inside a longer word) are no words.
    ``view`` is one for one with ``s``."""
    word_start, word_end = word
    text = view[word_start:word_end]
    stars = text.count("*")
    return (start == word_start and s[start].isalpha()
            and (start == 0 or not s[start - 1].isalnum())
            and 0 < stars <= _MOST_MASKS and word_end - end <= 3 and len(text) >= 3
            and (text[-1] != "*" or len(text) == 3))


# "я дурак", "ну я и тормоз": someone calling themselves names insults no one.
_SELF = re.compile(
    r"(?:^|[^а-я*])я(?:\s+(?:же|и|ну|такой|такая|полный|полная|просто|вообще|реально|прям|сам"
    r"|сама))*\s+$")


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
        addressed: Sequence[Entry] = ADDRESSED,
        phrases: Sequence[Phrase] = PHRASES,
    ) -> None:
        self._ru = _Lexicon(russian, russian_allow, _RU_ALPHABET)
        self._translit = _Lexicon(
            [e for e in russian if e.translit], russian_allow, _RU_ALPHABET)
        self._en = _Lexicon(english, english_allow, _EN_ALPHABET)
        self._addressed = _Addressed(addressed, phrases)

    def check(self, text: str) -> Verdict:
        """Every offending word in ``text``, with offsets into ``text``."""
        s = prepare(text)
        found: list[Match] = []
        view = russian_view(s)
        self._scan(self._ru, view, None, s, found)
        masked = masked_view(s, view)
        if masked is not None:
            self._scan(self._ru, masked, None, s, found)
        latin = has_latin(s)
        if latin:
            self._scan(self._en, english_view(s), None, s, found)
            romanized = self._scan_romanized(s, text, found)
        else:
            romanized = []
        pairs = split_pairs(s)
        if pairs is not None:
            self._scan(self._ru, russian_view(pairs[0]), pairs[1], s, found)
        for letters, index in joined_runs(s):
            self._scan(self._ru, russian_view(letters), index, s, found)
            if latin and has_latin(letters):
                self._scan(self._en, english_view(letters), index, s, found)
                if _pieces_are_short(index):
                    run = (index[0], index[-1] + 1)
                    self._scan(self._translit, transliterate(letters), None, s, found, run)
        if len(found) < _MOST_MATCHES:
            # Masked letters are wildcards there too ("ты ск@тина").
            found.extend(self._addressed.find(s, masked or view, romanized))
        matches = _merge(found)
        return Verdict(bool(matches), matches)

    def _scan_romanized(self, s: str, text: str,
                        found: list[Match]) -> list[tuple[str, int, int]]:
        """Romanized Russian: the words with a Latin letter, read by each scheme
        (``transliterations``) all at once and searched at once; only the words with a hit
        are looked at again. Returns the words' common readings with their spans (for
        ``_Addressed``)."""
        words = list(latin_words(s))
        if not words:
            return []
        spelled = [_romanized(s, text, start, end) for start, end in words]
        common = transliterate(" ".join(spelled)).split(" ")
        if len(common) != len(words):  # cannot happen: letters stay letters, spaces spaces
            common = [transliterate(word) for word in spelled]
        # The other schemes only for the words they read otherwise ("wluha", "debi1").
        others = [i for i, word in enumerate(spelled) if other_scheme(word)]
        readings = [(list(range(len(words))), " ".join(common))]
        if others:
            readings.append((others, transliterate(
                " ".join(second_scheme(spelled[i]) for i in others))))
        picked: set[int] = set()
        for owners, reading in readings:
            hits = [m.start() for m in self._translit.regex.finditer(reading)]
            if hits:
                starts = [m.start() for m in _WORD.finditer(reading)]
                if len(starts) == len(owners):
                    picked.update(owners[bisect.bisect_right(starts, h) - 1] for h in hits)
                else:
                    picked.update(owners)
        for i in sorted(picked):
            word = words[i]
            for form in transliterations(_romanized(s, text, *word)):
                before = len(found)
                self._scan(self._translit, form, None, s, found, word)
                if len(found) > before:
                    break
        return [(form, start, end) for form, (start, end) in zip(common, words, strict=True)]

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
            word_start, word_end = lexicon.word(view, start, end)
            if not _enough_letters(view[start:end]) and not (
                    index is None and whole is None
                    and _masked_word(s, view, start, end, (word_start, word_end))):
                continue
            if index is not None and not _splits_a_word(index, start, end):
                continue
            if index is None and whole is None and lexicon.glued(view, word_start, word_end):
                continue  # an invisible character inside a word: the joined run decides
            if lexicon.allowed(view[word_start:word_end]):
                continue
            if lexicon.in_context(i, view, start, end):
                continue
            entry = lexicon.entries[i]
            if entry.category == INSULT and _SELF.search(view, max(0, start - _CONTEXT), start):
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
            if latin and self._ru.allowed(transliterate(letters)):  # "loh-ness"
                return False
        return True


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
