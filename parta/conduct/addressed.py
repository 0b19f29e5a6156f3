"""Words said to someone (``_Addressed``): insults that count only when they address a person
("ты жирная свинья", "скотина, отдай ручку"), threats and bullying as phrases, and the
word-level helpers they read with. Split out of ``parta.conduct``, which runs it as one of its
views."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence

from parta.conduct.compiled import _RU_ALPHABET, Match, _Lexicon
from parta.conduct.lexicon import (
    Entry,
    Phrase,
)
from parta.conduct.normalize import (
    transliterate,
)

_LETTERISH = re.compile(r"[0-9A-Za-zА-Яа-яЁё@$€*#]")
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё@$€*#]+")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# Latin letters that look like no Cyrillic letter (lowercase h reads х only when romanized).
_NOT_LOOKALIKE = re.compile(r"[dfghijlqsvwzDFGIJLQSUVWZ]")


# Romanizations that Unicode folding would lose ("svoloč" is not "svoloc").
_DIACRITIC = re.compile("[čšžëʹČŠŽË]")


def _romanized(s: str, text: str, start: int, end: int) -> str:
    """The word ``s[start:end]`` with the scholarly letters of the original ``text``."""
    word = s[start:end]
    original = text[start:end]
    if not _DIACRITIC.search(original):
        return word
    return "".join(o if _DIACRITIC.match(o) else c for o, c in zip(original, word, strict=True))


# --- words that offend by whom they address, and phrases

_TOKENS = re.compile(r"[0-9A-Za-zА-Яа-яЁё@$€*#]+|[.!?;:…—–()\n]|,")
_BREAKS = frozenset(".!?;:…—–()\n")
_RU_WORD = re.compile("[а-я*]+")
# A Russian view as a line of words for the phrases, one character for one.
_LINE = {ord(c): " " for c in bytes(range(256)).decode("cp1251", "replace")}
_LINE.update({ord(c): c for c in "абвгдежзийклмнопрстуфхцчшщъыьэюя*"})
_LINE.update({ord(c): "|" for c in ".!?;:…—–()\n,"})
_CACHED_WORDS = 4096
_LATIN = re.compile("[A-Za-z]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ADDRESS = _words(
    "ты вы тебя тебе тобой тя вас вам вами твоя твой твое твои твою твоего ваш ваша ваши")
# The one addressed as the subject ("ты свинья") or as whose kin ("твоя мать", "у тебя мать").
_YOU = _words("ты вы твоя твой твое твои ваш ваша ваши")
_KIN = _words("мать мама мамка мамаша батя отец папа папаша брат сестра")
_FILLERS = _words(
    "же и ну просто такой такая такие настоящий настоящая полный полная полные самый самая"
    " реально вообще прям прямо как еще вот это мать мама мамка батя отец брат сестра папа"
    " папаша мамаша сам сама натуральный натуральная конченый конченая старый старая мелкий"
    " мелкая")
_ADJECTIVE = re.compile(r"[а-я]{2,}(ый|ий|ой|ая|яя|ые|ие|ое)$")
_AFTER_ADJECTIVE = _words("что чё че ли штоли чтоли же ты вы такой такая , |")
# Imperatives ("отдай", "отстань", "заткнись", "верни"); a word in -и only from a list
# (nouns end in -и too: "вши", "дети").
_IMPERATIVE = re.compile(
    r"[а-я]+(ай|яй|уй|ей|ь|ите|йте|ьте|ись|йся|ься)$|(от|у|по|под)?(иди|йди)$|(вер|от|у|по)?ни$"
    r"|(от)?вали$|прекрати|замолчи|молчи|сиди|смотри|скажи|помоги|подожди|беги|неси|пиши")
_CALLS = _words("эй ну слышь ой а")
_MOST_FILLERS = 3


_WINDOW = 80  # characters around "ты"/"вы" (and at a message's ends) read word by word
_MARKER = re.compile("[ |](" + "|".join(sorted(_ADDRESS, key=len, reverse=True)) + ")(?=[ |])")


def _word_edge(s: str, at: int, step: int) -> int:
    """``at`` moved back (``step`` -1) or on (1) to a space, off any word it falls inside."""
    at = max(0, min(len(s), at))
    if at in (0, len(s)) or s[at - 1] == " ":
        return at
    if step < 0:
        return s.rfind(" ", 0, at) + 1
    space = s.find(" ", at)
    return len(s) if space < 0 else space + 1


def _windows(s: str, spans: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The parts of ``s`` around each span, merged where they overlap."""
    low = high = -1
    for start, end in spans:
        a, b = _word_edge(s, start - _WINDOW, -1), _word_edge(s, end + _WINDOW, 1)
        if a <= high:
            high = max(high, b)
            continue
        if high >= 0:
            yield low, high
        low, high = a, b
    if high >= 0:
        yield low, high


class _Addressed:
    """Words that insult the one addressed (``ADDRESSED``) and phrases (``PHRASES``), found
    on the message's words: lowercase Cyrillic, romanized words read back."""

    def __init__(self, entries: Sequence[Entry], phrases: Sequence[Phrase]) -> None:
        self._words = _Lexicon(entries, (), _RU_ALPHABET)
        self._by_first: dict[str, list[tuple[Phrase, re.Pattern[str]]]] = {}
        for phrase in phrases:
            # "|" (a clause's end) also ends a word: the line of a Russian message has it
            # right after the word ("убью|").
            rest = re.compile(phrase.rest.replace(r"(?!\S)", r"(?![^\s|])"))
            for word in phrase.first:
                self._by_first.setdefault(word, []).append((phrase, rest))
        self._firsts = frozenset(self._by_first)
        # A phrase's first word after a space or a clause's end, found by one search.
        words = "|".join(sorted(self._firsts, key=len, reverse=True))
        self._first = re.compile(f"[ |]({words})(?=[ |])") if words else re.compile("(?!)")
        # Words without which nothing here can match: a message with none of them (and no
        # word of ADDRESSED at its start or end) is not looked at further.
        self._triggers = self._firsts | _ADDRESS
        self._entries: dict[str, Entry | None] = {}

    def find(self, s: str, view: str, romanized: list[tuple[str, int, int]]) -> list[Match]:
        """Matches in prepared text ``s`` whose Russian view is ``view``; ``romanized`` are
        its words with a Latin letter, read back into Cyrillic, with their spans.

        Only the parts of a message that can hold a match are read word by word: the
        phrases of Cyrillic text are searched on the view itself, romanized ones on the
        romanized words; words said to someone around each "ты"/"вы"; a vocative at the
        message's start and end."""
        words = _RU_WORD.findall(view)
        if not words and not romanized:
            return []
        forms = [form for form, _, _ in romanized]
        found = []
        phrases = not self._firsts.isdisjoint(words)
        marked = not _ADDRESS.isdisjoint(words)
        line = " " + view.translate(_LINE) + " " if phrases or marked else ""
        if phrases:
            found += self._find_phrases_in_view(line)
        if romanized and not self._firsts.isdisjoint(forms):
            found += self._find_phrases(romanized)
        spans = [(m.start(1) - 1, m.end() - 1) for m in _MARKER.finditer(line)] if marked else []
        spans += [(a, b) for form, a, b in romanized if form in _ADDRESS]
        for low, high in _windows(s, sorted(spans)):
            found += self._find_words(self._tokens(s, view, low, high), vocatives=False)
        if (words and (self._entry(words[0]) is not None or self._entry(words[-1]) is not None)
                or forms and (self._entry(forms[0]) is not None
                              or self._entry(forms[-1]) is not None)):
            if len(s) <= 2 * _WINDOW:
                found += self._find_words(self._tokens(s, view, 0, len(s)), vocatives=True)
            else:
                found += self._find_words(
                    self._tokens(s, view, 0, _word_edge(s, _WINDOW, 1)), vocatives=True, end=False)
                found += self._find_words(
                    self._tokens(s, view, _word_edge(s, len(s) - _WINDOW, -1), len(s)),
                    vocatives=True, start=False)
        return found

    def _find_phrases_in_view(self, line: str) -> list[Match]:
        """Phrases in a Russian view read one for one as a line of words, with a space
        before and after: "|" for the punctuation that ends a clause, a space for anything
        else that is not a letter."""
        found = []
        for m in self._first.finditer(line):
            word = m.group(1)
            for phrase, rest in self._by_first[word]:
                after = rest.match(line, m.end())
                if after is not None:
                    found.append(Match(m.start(1) - 1, max(after.end(), m.end()) - 1,
                                       phrase.term, phrase.category, "ru"))
        return found

    @staticmethod
    def _tokens(s: str, view: str, low: int, high: int) -> list[tuple[str, int, int]]:
        """The words of ``s[low:high]`` (romanized ones read back) and its commas and clause
        ends ("|"), with their spans."""
        tokens: list[tuple[str, int, int]] = []
        for m in _TOKENS.finditer(s, low, high):
            word = m.group()
            start, end = m.span()
            if word == ",":
                form = ","
            elif end - start == 1 and word in _BREAKS:
                form = "|"
            elif _LATIN.search(word):
                form = transliterate(word)
            else:
                form = view[start:end]
            tokens.append((form, start, end))
        return tokens

    def _find_phrases(self, tokens: list[tuple[str, int, int]]) -> list[Match]:
        if self._triggers.isdisjoint(form for form, _, _ in tokens):
            return []
        offsets = []
        parts = []
        at = 0
        for form, _, _ in tokens:
            form = "|" if form == "," else form
            offsets.append(at)
            parts.append(form)
            at += len(form) + 1
        line = " ".join(parts)
        found = []
        for i, part in enumerate(parts):
            for phrase, rest in self._by_first.get(part, ()):
                m = rest.match(line, offsets[i] + len(part))
                if m is None:
                    continue
                last = bisect.bisect_right(offsets, max(m.end() - 1, offsets[i])) - 1
                found.append(Match(tokens[i][1], tokens[last][2], phrase.term, phrase.category,
                                   "ru"))
        return found

    def _entry(self, form: str) -> Entry | None:
        """The entry of ADDRESSED that the whole word is a form of."""
        if form in self._entries:
            return self._entries[form]
        entry = None
        if self._words.regex.match(form):
            hit = self._words.identify(form, 0)
            if hit is not None and hit[1] == len(form):
                entry = self._words.entries[hit[0]]
        if len(self._entries) < _CACHED_WORDS:
            self._entries[form] = entry
        return entry

    def _find_words(self, tokens: list[tuple[str, int, int]], vocatives: bool,
                    start: bool = True, end: bool = True) -> list[Match]:
        """Words said to someone: next to "ты"/"вы" (``vocatives`` False) or set off by a
        comma at the ``start`` or ``end`` of the message (``vocatives`` True)."""
        forms = [form for form, _, _ in tokens]
        found: list[Match] = []
        if vocatives:
            for j, comma in self._vocatives(forms, start, end):
                entry = self._entry(forms[j])
                rest = forms[comma + 1 :] if comma > j else forms[:comma]
                if entry is not None and any(
                        f in _ADDRESS or _IMPERATIVE.match(f) for f in rest):
                    found.append(Match(tokens[j][1], tokens[j][2], entry.term, entry.category,
                                       entry.lang))
            return found
        for i, form in enumerate(forms):
            if form not in _ADDRESS:
                continue
            if form in _YOU:
                near: tuple[int, ...] = (*self._right(forms, i), *self._left(forms, i))
            elif i + 1 < len(forms) and forms[i + 1] in _KIN:  # "у тебя мать алкашка"
                near = tuple(self._right(forms, i + 1))
            else:  # "тебя никто не забыл": not the one named
                continue
            for j in near:
                entry = self._entry(forms[j])
                if entry is not None and self._fits(forms, j):
                    found.append(Match(tokens[j][1], tokens[j][2], entry.term, entry.category,
                                       entry.lang))
        return found

    @staticmethod
    def _right(forms: list[str], i: int) -> Iterator[int]:
        """Words after a second-person word, across qualifiers ("ты жирная свинья")."""
        j = i + 1
        if j < len(forms) and forms[j] == ",":  # "ты, свинья"
            j += 1
        for _ in range(_MOST_FILLERS + 1):
            if j >= len(forms) or forms[j] in (",", "|"):
                return
            yield j
            if not (forms[j] in _FILLERS or _ADJECTIVE.match(forms[j])):
                return
            j += 1

    @staticmethod
    def _left(forms: list[str], i: int) -> Iterator[int]:
        """Words before a second-person word ("гнида ты подлая", "ну и страшила ты")."""
        j = i - 1
        for _ in range(2):
            if j < 0 or forms[j] in (",", "|"):
                return
            yield j
            if forms[j] not in _FILLERS:
                return
            j -= 1

    @staticmethod
    def _fits(forms: list[str], j: int) -> bool:
        """An adjective names the one addressed only when nothing it qualifies follows
        ("ты голубой?" yes, "ты голубой шарик взял?" no)."""
        if not _ADJECTIVE.match(forms[j]):
            return True
        return j + 1 == len(forms) or forms[j + 1] in _AFTER_ADJECTIVE

    @staticmethod
    def _vocatives(forms: list[str], start: bool, end: bool) -> Iterator[tuple[int, int]]:
        """(word, comma) for a word set off by a comma at the start or the end of the
        message ("скотина, отдай ручку", "иди поплачь, нытик")."""
        if start:
            yield from _Addressed._vocative_first(forms)
        if end:
            last = len(forms) - 1
            while last >= 0 and forms[last] == "|":
                last -= 1
            if last >= 2 and forms[last - 1] == ",":
                yield last, last - 1

    @staticmethod
    def _vocative_first(forms: list[str]) -> Iterator[tuple[int, int]]:
        j = 0
        while j < len(forms) and forms[j] in _CALLS:
            j += 1
        k = j + 1
        while k < len(forms) and _ADJECTIVE.match(forms[k]) and k - j <= 2:
            k += 1
        if k < len(forms) and forms[k] == ",":
            yield j, k
