"""Normalization for the conduct filter: many spellings of a word, one form to match.

People disguise rude words: Latin look-alike letters inside a Cyrillic word ("xyй"), digits
and symbols for letters ("6ля", "$hit"), separators between letters ("х.у.й", "х у й"),
repeated letters ("бляяя"), invisible characters, accents, transliteration ("blyat").
This module turns a message into *views* that the lexicon's patterns are matched against,
always keeping the way back to the original text, so a match can be highlighted where the
user typed it:

``prepare(text)``
    Same length as ``text``. Exotic characters (fullwidth and mathematical letters, accented
    letters, Greek and Ukrainian look-alikes) become their plain counterpart; invisible
    characters and combining marks become ``"\\0"``, which the views treat as a separator
    (so a zero-width space inside a word is a separator like a dot). "и" + combining breve
    becomes "й". The path and query of a link become spaces (their random letters read as
    anything; the host is still checked). Index *i* of the result is index *i* of the text.

``russian_view(s)`` / ``english_view(s)``
    Translation tables (applied to one-byte cp1251 text, which is fast), one character for
    one character, so offsets are unchanged.
    The Russian view folds everything to lowercase Cyrillic: Latin look-alikes by shape
    (case decides where shape differs: ``H`` → н, ``h`` → х as in transliteration),
    digits and symbols by shape (``3`` → з, ``6`` → б, ``@`` → а). The English view folds
    to lowercase Latin: Cyrillic look-alikes by shape, leet digits (``1`` → i, ``$`` → s).
    ``*`` and ``#`` stay as ``*``: a masked letter, which the patterns accept as a wildcard.

``transliterate(text)``
    Romanized Russian back to Cyrillic ("pizdets" → "пиздец"); used only for words that
    contain Latin letters. Not one for one, but letters become letters, so words stay words:
    a match is mapped back to the whole word it is in.

``joined_runs(s)``
    Letters that separators split apart: one chunk with separators inside ("х.у.й",
    "пи-здец", "х\\u200bуй") and runs of single letters split by any mix of separators
    ("х у й", "п.и з-д_е ц"), not a name's initials ("Е.Б.") nor a list ("x, y и z").
    Yields the letters joined together with their indices in the text.

``split_pairs(s)``
    Two short neighbouring words joined ("су ка", "пиз дец"), unless one of them is a word
    that stands alone ("за лупой"), with their indices in the text.

``masked_view(s, view)``
    The Russian view with symbols and emoji between letters as masked letters ("х@й",
    "бл😀ть"). Before all this, ``prepare`` blanks e-mail addresses and reads "3.14"
    before letters as "пи", ">|<" as "ж" and "9I" after a letter as "я".

``transliterations(text)``
    The common reading of romanized text and, where it differs, the reading by other
    schemes: volapuk "w" for ш and "*" for ж, "1" for л, "lu" for лю, "ia" for я, a final
    "j" for ь; scholarly č, š, ž, ë are read by ``transliterate`` itself.

Repeated letters are not collapsed here: the compiled patterns accept each letter repeated
(see ``patterns``), which keeps real double letters ("класс", "ass") intact for matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

__all__ = [
    "EN_LETTERS",
    "RU_LETTERS",
    "english_view",
    "has_latin",
    "joined_runs",
    "latin_words",
    "masked_view",
    "other_scheme",
    "prepare",
    "russian_view",
    "second_scheme",
    "split_pairs",
    "transliterate",
    "transliterations",
]

#: Characters of a word in the Russian view ("*" is a masked letter).
RU_LETTERS = "а-я*"
#: Characters of a word in the English view (Cyrillic letters left over still join a word).
EN_LETTERS = "a-z*а-я"

_DELETED = "\0"

# Characters that need no folding: ASCII, the Russian alphabet, common Russian typography.
_EXOTIC = re.compile("[^\x00-\x7f\u0410-\u044f\u0401\u0451«»—–…№“”„‘’]")

# Look-alikes that Unicode decomposition does not fold: Greek, Ukrainian, Belarusian, Serbian.
_LOOKALIKES = {
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "m", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ζ": "Z",
    "і": "i", "І": "I", "ї": "i", "Ї": "I", "є": "е", "Є": "Е", "ґ": "г", "Ґ": "Г",
    "ў": "у", "Ў": "У", "ѕ": "s", "Ѕ": "S", "ј": "j", "Ј": "J", "ԁ": "d", "ӏ": "l",
    "ɑ": "a", "ß": "b", "€": "€",
}

_URL = re.compile(r"(?:https?://|www\.)[^\s/?#]*(\S*)", re.IGNORECASE)
# An e-mail address, masked ("a***@mail.ru") or not: its letters are no words.
_EMAIL = re.compile(r"[\w.+*#-]+@[\w-]+(?:\.[\w-]+)+")
# Several characters for one letter: "3.14" (pi) for "пи" before letters ("3.14здец"),
# ">|<" for "ж", "9I" for "я" after a letter ("xy9I"). Each becomes its letter, with "\0"
# (a separator) for the characters left over, so the text keeps its length.
_SEVERAL = re.compile(r"(?<![\d.,])3[.,]14(?=[A-Za-zА-Яа-яЁё])|>\|<|(?<=[A-Za-zА-Яа-яЁё])9[IiLl]")
_SEVERAL_LETTERS = {">|<": "\0\0ж"}


def _several(match: re.Match[str]) -> str:
    found = match.group()
    if found in _SEVERAL_LETTERS:
        return _SEVERAL_LETTERS[found]
    if found[0] == "9":
        return "я\0"
    return "\0\0пи"


def _blank_path(link: re.Match[str]) -> str:
    """The link with its path and query blanked; the host is still checked."""
    start = link.start(1) - link.start()
    return link.group()[:start] + " " * (len(link.group()) - start)

_fold_cache: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    """One plain character for an exotic one (itself if there is none)."""
    cached = _fold_cache.get(ch)
    if cached is not None:
        return cached
    folded = _LOOKALIKES.get(ch)
    if folded is None:
        folded = ch
        decomposed = unicodedata.normalize("NFKD", ch)
        if decomposed and decomposed != ch:
            base = decomposed[0]
            if base.isascii() or "\u0410" <= base <= "\u044f":
                folded = base
    if len(_fold_cache) < 4096:
        _fold_cache[ch] = folded
    return folded


def _is_invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("Mn", "Me", "Cf")


def prepare(text: str) -> str:
    """Fold exotic characters one for one; invisible ones and combining marks become "\\0".

    The path and query of a link become spaces: their random letters ("watch?v=aXhuYi")
    read as anything.
    """
    if "http" in text or "www." in text:
        text = _URL.sub(_blank_path, text)
    if "@" in text:
        text = _EMAIL.sub(lambda m: " " * len(m.group()), text)
    if "3" in text or ">" in text or "9" in text:
        text = _SEVERAL.sub(_several, text)
    if not _EXOTIC.search(text):
        return text
    chars = list(text)
    for match in _EXOTIC.finditer(text):
        i = match.start()
        ch = chars[i]
        if _is_invisible(ch):
            if ch == "\u0306" and i > 0 and chars[i - 1] in "иИ":
                chars[i - 1] = "й" if chars[i - 1] == "и" else "Й"
            chars[i] = _DELETED
        else:
            chars[i] = _fold_char(ch)
    return "".join(chars)


def _russian_table() -> dict[int, str]:
    pairs = {
        # Latin lowercase: by shape where there is one, else as transliterated.
        "a": "а", "b": "б", "c": "с", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х",
        "i": "и", "j": "й", "k": "к", "l": "л", "m": "м", "n": "п", "o": "о", "p": "р",
        "q": "к", "r": "г", "s": "с", "t": "т", "u": "и", "v": "в", "w": "ш", "x": "х",
        "y": "у", "z": "з",
        # Latin capitals: by shape (H is Н, N is a mirrored И, R a mirrored Я).
        "A": "а", "B": "в", "C": "с", "D": "д", "E": "е", "F": "ф", "G": "г", "H": "н",
        "I": "и", "J": "й", "K": "к", "L": "л", "M": "м", "N": "и", "O": "о", "P": "р",
        "Q": "к", "R": "я", "S": "с", "T": "т", "U": "и", "V": "в", "W": "ш", "X": "х",
        "Y": "у", "Z": "з",
        # Digits and symbols by shape.
        "0": "о", "1": "и", "3": "з", "4": "ч", "6": "б", "8": "в",
        "@": "а", "$": "с", "€": "е", "#": "*",
        "ё": "е", "Ё": "е",
    }
    table = {ord(k): v for k, v in pairs.items()}
    for code in range(ord("А"), ord("Я") + 1):
        table[code] = chr(code + 32)
    return table


def _english_table() -> dict[int, str]:
    pairs = {
        # Cyrillic look-alikes by shape.
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "и": "u", "п": "n", "г": "r",
        "ь": "b",
        # Leet digits and symbols.
        "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
        "€": "e", "!": "i", "|": "i", "#": "*",
    }
    table = {ord(k): v for k, v in pairs.items()}
    for upper, lower in zip("АВЕЁКМНОРСТУХИПГЬ", "авеёкмнорстухипгь", strict=True):
        table[ord(upper)] = pairs[lower]
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(ord("А"), ord("Я") + 1):
        table.setdefault(code, chr(code + 32))
    return table


def _byte_table(table: dict[int, str]) -> bytes:
    """The same mapping for cp1251 bytes: Russian and ASCII text, translated in C."""
    out = bytearray(range(256))
    for code, target in table.items():
        try:
            out[chr(code).encode(_CODEPAGE)[0]] = target.encode(_CODEPAGE)[0]
        except UnicodeEncodeError:
            continue
    return bytes(out)


# Every character left after prepare() that can be a letter is in this one-byte code page;
# anything else becomes "?", which is not a letter in either view.
_CODEPAGE = "cp1251"
_RUSSIAN_BYTES = _byte_table(_russian_table())
_ENGLISH_BYTES = _byte_table(_english_table())
# "!" and "|" are letters only inside a word ("sh!t"); elsewhere they are punctuation.
_LATIN = re.compile(r"[A-Za-z]")
_LETTERISH = "0-9A-Za-zА-Яа-яЁё@$€*#"
_LONE_BANG = re.compile(rf"(?<![{_LETTERISH}])[!|]|[!|](?![{_LETTERISH}])")
# An apostrophe between letters is part of a romanized word (a soft sign: "piz'dec").
_LATIN_WORD = re.compile(rf"[{_LETTERISH}]*[A-Za-z][{_LETTERISH}]*(?:['’][{_LETTERISH}]+)*")
# "[L](?<![L][L])" is "a letter with no letter before it": written letter first, the engine
# skips quickly to the letters instead of trying the lookbehind at every character.
_FIRST = rf"[{_LETTERISH}](?<![{_LETTERISH}][{_LETTERISH}])"
_JOINED = re.compile(
    rf"{_FIRST}[{_LETTERISH}]*+(?:[^\s{_LETTERISH}]++[{_LETTERISH}]++)+")
# Single letters split by any mix of separators ("п.и з-д_е ц", "д_е.б-и л"): a comma is no
# separator here ("x, y и z" is a list).
_MIXED_SEP = rf"[^{_LETTERISH},]{{1,3}}"
_MIXED = re.compile(rf"{_FIRST}(?:{_MIXED_SEP}[{_LETTERISH}])+(?![{_LETTERISH}])")
_ENUMERATION = re.compile(r",\s")
_IS_LETTERISH = re.compile(rf"[{_LETTERISH}]")


def russian_view(s: str) -> str:
    """Lowercase Cyrillic view of prepared text, one character for one."""
    return s.encode(_CODEPAGE, "replace").translate(_RUSSIAN_BYTES).decode(_CODEPAGE)


def english_view(s: str) -> str:
    """Lowercase Latin view of prepared text, one character for one."""
    if "!" in s or "|" in s:
        s = _LONE_BANG.sub(" ", s)
    return s.encode(_CODEPAGE, "replace").translate(_ENGLISH_BYTES).decode(_CODEPAGE)


def has_latin(s: str) -> bool:
    """Whether the text has any Latin letter (else the English and translit views are moot)."""
    return _LATIN.search(s) is not None


def latin_words(s: str) -> Iterator[tuple[int, int]]:
    """Spans of words (letters, digits, leet symbols) that contain a Latin letter."""
    for match in _LATIN_WORD.finditer(s):
        yield match.span()


# Romanized Russian: spellings of one letter, replaced longest first.
_TRANSLIT = (
    ("shch", "щ"), ("sch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"),
    ("ts", "ц"), ("tz", "ц"), ("ya", "я"), ("ja", "я"), ("yu", "ю"), ("ju", "ю"),
    ("yo", "е"), ("jo", "е"), ("ye", "е"), ("je", "е"),
)
_TRANSLIT_ONE = str.maketrans({
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х",
    "i": "и", "j": "й", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "q": "к", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "х",
    "y": "ы", "z": "з", "0": "о", "1": "и", "3": "з", "4": "ч", "6": "б", "@": "а", "$": "с",
    "#": "*", "ё": "е",
    # Scholarly and ISO romanization ("svoloč", "žopa", "ëbanyj").
    "č": "ч", "š": "ш", "ž": "ж", "ë": "е", "ʹ": "ь", "ʺ": "ъ",
})
# After a vowel y and i are й ("huy", "tupoy", "tupoi"); elsewhere ы and и ("ty").
_Y_AFTER_VOWEL = re.compile("(?<=[aeiouаеиоуыэюяё])[yi](?![aeiou])")
# Other schemes, tried as a second reading: "w" for ш and "*" for ж (volapuk), "1" for л,
# "u" after l for ю ("shluha"), "ia" for я ("bliat"), j after a consonant at the end for ь.
_SCHEME_2 = (
    (re.compile("w"), "ш"), (re.compile(r"\*"), "ж"), (re.compile("1"), "л"),
    (re.compile("(?<=[lл])u"), "ю"), (re.compile("ia"), "я"),
    (re.compile("(?<=[bcdfghklmnprstvzšžč])j(?![a-zа-я])"), "ь"),
    # "ts" as т+с ("otsosi"). ("j" for ж, as in "jopa", would read "Joplin" as rude.)
    (re.compile("ts"), "тс"),
)
_SCHEME_2_LETTERS = re.compile(r"[w*1j]|lu|ia|ts")


def transliterate(text: str) -> str:
    """Cyrillic for romanized Russian ("pizdets" → "пиздец"); Cyrillic passes through.

    Not one character for one: callers map a match back to the whole word it is in.
    """
    low = _Y_AFTER_VOWEL.sub("й", text.lower()) if "y" in text or "i" in text else text.lower()
    if "'" in low or "’" in low:
        low = low.replace("'", "").replace("’", "")
    for spelling, cyrillic in _TRANSLIT:
        if spelling in low:
            low = low.replace(spelling, cyrillic)
    return low.translate(_TRANSLIT_ONE)


def _initial(s: str, i: int) -> bool:
    return s[i].isupper() and s.startswith(".", i + 1)


def _without_initials(s: str, index: list[int]) -> Iterator[list[int]]:
    """The run split where a name's initials are: two capitals, each followed by a dot
    ("Е.Б. Смирнова", "у Е. Б. в кабинете"), stand for two words; three or more ("Х.У.Й.")
    are no one's initials."""
    piece: list[int] = []
    j = 0
    while j < len(index):
        pair = (j + 1 < len(index) and _initial(s, index[j]) and _initial(s, index[j + 1])
                and not (j + 2 < len(index) and _initial(s, index[j + 2]))
                and not (j > 0 and _initial(s, index[j - 1])))
        if pair:
            yield piece
            piece = []
            j += 2
            continue
        piece.append(index[j])
        j += 1
    yield piece


def other_scheme(word: str) -> bool:
    """Whether the other schemes may read a romanized word otherwise."""
    return _SCHEME_2_LETTERS.search(word.lower()) is not None


def second_scheme(text: str) -> str:
    """Romanized text with the letters the other schemes read otherwise already Cyrillic
    (``transliterate`` then does the rest)."""
    low = text.lower()
    for pattern, cyrillic in _SCHEME_2:
        low = pattern.sub(cyrillic, low)
    return low


def transliterations(text: str) -> list[str]:
    """Cyrillic readings of romanized text: the common one, and the one by the other
    schemes if they read it otherwise ("wluha" → "влуха", "шлюха")."""
    first = transliterate(text)
    if not other_scheme(text):
        return [first]
    second = transliterate(second_scheme(text))
    return [first] if second == first else [first, second]


def joined_runs(s: str) -> Iterator[tuple[str, list[int]]]:
    """Letters split by separators, joined, with the index in ``s`` of each letter.

    A run of single letters may mix separators ("п.и з-д_е ц"); two capitals followed by
    dots are initials, not a word ("Е.Б. Смирнова"); letters in a list ("x, y и z") are
    not joined."""
    for pattern in (_JOINED, _MIXED):
        for match in pattern.finditer(s):
            start, end = match.span()
            if pattern is not _JOINED and _ENUMERATION.search(s, start, end):
                continue
            letters = [i for i in range(start, end) if _IS_LETTERISH.match(s, i)]
            for index in _without_initials(s, letters):
                if len(index) >= 2:
                    yield "".join(s[i] for i in index), index


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Short words that stand alone: a word split by one space ("су ка") is never one of them
# ("за лупой", "у рода", "иди от меня" are two words).
_FUNCTION_WORDS = _words(
    "а и в во с со к ко о об обо у за на по до от из изо не ни же ли бы б то та те ту тот да но"
    " мы вы ты он она оно они я мне меня нас вас их его ее её им ей при про над под без для"
    " как так там тут вот это эта эти все всё уже еще ещё или ну ой ах эх ох уж лишь чем что"
    " чё че где кто раз два три под")
_SHORTEST_PIECE, _LONGEST_PIECE = 2, 4
# Two short words with one space between ("пиз дец"), found overlapping ("а бб вв гг").
_PAIR = re.compile(
    rf"({_FIRST}[{_LETTERISH}]{{{_SHORTEST_PIECE - 1},{_LONGEST_PIECE - 1}}}) "
    rf"(?=([{_LETTERISH}]{{{_SHORTEST_PIECE},{_LONGEST_PIECE}}})(?![{_LETTERISH}]))")


def split_pairs(s: str) -> tuple[str, list[int]] | None:
    """Words split in two by one space ("су ка", "пиз дец"): every two neighbouring short
    words (two to four letters; a split word's pieces are short) joined, neither a word
    that stands alone, as one string of joined pairs separated by spaces, with the index in
    ``s`` of each letter (-2 for the spaces). None if there is no such pair."""
    letters: list[str] = []
    index: list[int] = []
    for m in _PAIR.finditer(s):
        first, second = m.group(1), m.group(2)
        if first.lower() in _FUNCTION_WORDS or second.lower() in _FUNCTION_WORDS:
            continue
        if index:
            letters.append(" ")
            index.append(-2)
        letters.append(first + second)
        a_start, b_start = m.start(1), m.start(2)
        index.extend(range(a_start, a_start + len(first)))
        index.extend(range(b_start, b_start + len(second)))
    if not index:
        return None
    return "".join(letters), index


# Symbols and emoji that stand for a letter inside a word ("х@й", "бл😀ть", "п!здец").
_SYMBOL = r"[^\s\w.,\-'’\"«»()\[\]:;/\\\0]"
_ANY_SYMBOL = re.compile(_SYMBOL)
_MASK_SYMBOL = re.compile(rf"[{_LETTERISH}]({_SYMBOL}{{1,3}})(?=[{_LETTERISH}])")


def masked_view(s: str, view: str) -> str | None:
    """``view`` with every symbol or emoji between letters of a word as "*" (a masked
    letter), or None if there is none. One character for one."""
    if not _ANY_SYMBOL.search(s):
        return None
    found = list(_MASK_SYMBOL.finditer(s))
    if not found:
        return None
    chars = list(view)
    for match in found:
        for i in range(match.start(1), match.end(1)):
            chars[i] = "*"
    return "".join(chars)
