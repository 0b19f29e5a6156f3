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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
    EN_LETTERS,
    RU_LETTERS,
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
