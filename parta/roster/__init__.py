"""Roster import (R8, R9): OneRoster 1.2 CSV bundles and the Russian XLSX template.

    read_roster(data or path) → Roster      (model.py; readers oneroster.py, xlsx.py)
    plan.make_plan(roster, state) → Plan    (what would be created, changed, moved, departed)

Nothing here writes to the database: ``parta.actions.roster`` previews and applies.
"""

from __future__ import annotations

from pathlib import Path

from parta.errors import ValidationFailed
from parta.roster.model import PersonKind, Roster, RosterPerson, RowError
from parta.roster.oneroster import read_oneroster
from parta.roster.xlsx import is_xlsx, make_template, read_xlsx

__all__ = [
    "MAX_UPLOAD",
    "PersonKind",
    "Roster",
    "RosterPerson",
    "RowError",
    "detect_kind",
    "make_template",
    "read_roster",
]

MAX_UPLOAD = 20 * 1024 * 1024  # a whole district's bundle is a few megabytes zipped


def detect_kind(data: bytes) -> str:
    """«xlsx» or «oneroster» from the bytes (never from the name); refuses anything else."""
    if is_xlsx(data):
        return "xlsx"
    if data.startswith(b"PK"):
        return "oneroster"
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary .xls
        raise ValidationFailed("roster_xls", fields={"file": "roster_xls"})
    raise ValidationFailed("roster_unsupported", fields={"file": "roster_unsupported"})


def read_roster(source: bytes | Path, region: str = "RU") -> Roster:
    """Read a file (or, for OneRoster, a folder); rows that cannot be read become errors."""
    if isinstance(source, Path) and source.is_dir():
        roster = read_oneroster(source)
    else:
        data = source.read_bytes() if isinstance(source, Path) else source
        roster = read_xlsx(data, region) if detect_kind(data) == "xlsx" else read_oneroster(data)
    _check_phones(roster)
    if not roster.people and not roster.departed:
        # Nobody could be read: taken as a complete roster it would mark everyone departed.
        raise ValidationFailed("roster_empty", fields={"file": "roster_empty"},
                               params={"errors": [e.as_dict() for e in roster.errors[:50]]})
    return roster


def _check_phones(roster: Roster) -> None:
    """A phone signs one person in: a number given to two people is an error on the second."""
    seen: dict[str, RosterPerson] = {}
    for p in roster.people:
        if not p.phone:
            continue
        if p.phone in seen:
            column = "Телефон" if roster.source == "xlsx" else "phone"
            roster.errors.append(RowError.of(p.file, p.line, column, "duplicate_phone", p.phone))
            roster.skipped.add(p.key)
        else:
            seen[p.phone] = p
    if roster.skipped:
        roster.people = [p for p in roster.people if p.key not in roster.skipped]
        for p in roster.people:
            p.children = [c for c in p.children if c not in roster.skipped]
