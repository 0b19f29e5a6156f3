"""The roster as read from a file, before anything is compared or written.

Both readers (OneRoster CSV, the XLSX template) produce a :class:`Roster`: people with the
record's ids, their classes and subjects, parents linked to children, and every row that could
not be read as a :class:`RowError` (line, column, reason in Russian).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from parta.errors import ValidationFailed
from parta.i18n import t
from parta.models.enums import Role
from parta.services.phones import normalize_phone
from parta.services.text import clean_name

__all__ = [
    "KIND_ROLES",
    "PersonKind",
    "Roster",
    "RosterClass",
    "RosterPerson",
    "RowError",
    "display_name",
    "name_key",
    "normalize_class",
    "parse_date",
    "parse_email",
    "parse_phone",
]


class PersonKind(StrEnum):
    student = "student"
    teacher = "teacher"
    parent = "parent"
    administrator = "administrator"  # director, deputies
    staff = "staff"  # psychologist, librarian, tutor: pedagogical staff without a class


# What each kind of person holds in the organization (R11). The organization's administrator is
# appointed by order (R1, R6), never by a file.
KIND_ROLES: dict[PersonKind, frozenset[Role]] = {
    PersonKind.student: frozenset({Role.student}),
    PersonKind.teacher: frozenset({Role.teacher}),
    PersonKind.parent: frozenset({Role.parent}),
    PersonKind.administrator: frozenset({Role.administration}),
    PersonKind.staff: frozenset({Role.teacher}),
}


@dataclass(frozen=True)
class RowError:
    """One row that could not be read: where, which column, why (in Russian for the school)."""

    file: str
    line: int
    column: str
    code: str
    message_ru: str
    value: str = ""

    @classmethod
    def of(cls, file: str, line: int, column: str, code: str, value: str = "",
           **params: Any) -> RowError:
        text = t("ru", f"roster.error.{code}", column=column, value=value, **params)
        return cls(file=file, line=line, column=column, code=code, message_ru=text,
                   value=value[:200])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RosterPerson:
    """A person as the school's records know them.

    ``key`` is unique within one file: the record's id, or ``"<file>:<line>"`` when the file
    has none. ``children`` holds the keys of a parent's children.
    """

    key: str
    kind: PersonKind
    last_name: str
    first_name: str
    middle_name: str = ""
    source_id: str = ""
    birth_date: date | None = None
    phone: str = ""  # E.164 or empty
    email: str = ""
    class_name: str = ""  # a student's class
    leads: list[str] = field(default_factory=list)  # classes this teacher is class teacher of
    teaches: list[tuple[str, str]] = field(default_factory=list)  # (class, subject)
    children: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0
    # The role as the file words it («директор»), when it is not the word for ``kind`` itself:
    # the preview shows the person which of our roles that word became.
    role_text: str = ""

    @property
    def name(self) -> str:
        return display_name(self.last_name, self.first_name, self.middle_name)

    @property
    def name_key(self) -> str:
        return name_key(self.last_name, self.first_name, self.middle_name)


@dataclass
class RosterClass:
    """A class or study group («5А», «АПК-21») as the records name it."""

    name: str
    grade: int | None = None
    letter: str = ""
    source_id: str = ""


@dataclass
class Roster:
    source: str  # oneroster | xlsx
    people: list[RosterPerson] = field(default_factory=list)
    classes: dict[str, RosterClass] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    # Keys of people whose rows had errors: they are left as they are, never taken for departed.
    skipped: set[str] = field(default_factory=set)
    # False for a OneRoster delta: absence from the file says nothing about departure.
    complete: bool = True
    departed: set[str] = field(default_factory=set)  # keys a delta marks «tobedeleted»
    school_year: str = ""

    def add_class(self, name: str, source_id: str = "") -> RosterClass:
        found = self.classes.get(name)
        if found is None:
            grade, letter = split_class(name)
            found = self.classes[name] = RosterClass(name=name, grade=grade, letter=letter,
                                                     source_id=source_id)
        return found


# Normalization -------------------------------------------------------------------------------

def clean(value: Any) -> str:
    """A cell as text: stripped, inner whitespace collapsed, invisible characters dropped
    (see ``parta.services.text``), ``None`` as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_name(str(value))  # also drops invisible characters: names come from here


def display_name(last: str, first: str, middle: str = "") -> str:
    """How the platform shows a person: «Мария Петровна Иванова»."""
    return " ".join(p for p in (first, middle, last) if p)


def name_key(*parts: str) -> str:
    """A name for matching: lower case, «ё» as «е», words in a fixed order (so «Иванова Мария»
    and «Мария Иванова» are one person)."""
    words = " ".join(parts).lower().replace("ё", "е").split()
    return " ".join(sorted(words))


_CLASS = re.compile(r"^(\d{1,2})\s*[-–]?\s*([A-Za-zА-Яа-яЁё]{0,2})$")
_GROUP = re.compile(r"^[A-Za-zА-Яа-яЁё0-9][A-Za-zА-Яа-яЁё0-9 .\-–/]{0,38}$")


def normalize_class(raw: str) -> str | None:
    """«5 а», «5-А», «5А» → «5А»; a college group («АПК-21») as it is; None if unreadable."""
    text = clean(raw)
    if not text:
        return None
    m = _CLASS.match(text)
    if m:
        grade = int(m.group(1))
        if not 0 <= grade <= 12:
            return None
        return f"{grade}{m.group(2).upper().replace('Ё', 'Е')}"
    if _GROUP.match(text) and any(c.isdigit() for c in text):
        return text.upper() if len(text) <= 12 else text
    return None


def split_class(name: str) -> tuple[int | None, str]:
    m = _CLASS.match(name)
    if m:
        return int(m.group(1)), m.group(2).upper()
    return None, ""


_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y")


def parse_date(value: Any) -> date | None:
    """A birth date from a cell: a spreadsheet date, «ДД.ММ.ГГГГ» or ISO; ``ValueError`` if
    it is not a believable birth date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        text = clean(value)
        if not text:
            return None
        if "T" in text:
            text = text.split("T", 1)[0]
        for fmt in _DATE_FORMATS:
            try:
                found = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
    if not date(1900, 1, 1) <= found <= date.today():
        raise ValueError(str(value))
    return found


def parse_phone(value: Any, region: str = "RU") -> str:
    """E.164, empty for an empty cell; ``ValueError`` for something that is not a mobile."""
    text = clean(value)
    if not text:
        return ""
    text = text.removeprefix("tel:")
    try:
        return normalize_phone(text, region)
    except ValidationFailed:
        raise ValueError(text) from None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(value: Any) -> str:
    text = clean(value)
    if not text:
        return ""
    if not _EMAIL.match(text) or len(text) > 254:
        raise ValueError(text)
    return text.lower()
