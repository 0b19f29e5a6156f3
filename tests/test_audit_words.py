"""The audit log speaks the school's language (issue 14): every action the server writes to it,
and every detail it records, has words in both web catalogs, so the page never shows a raw code
such as «roster.applied» or a key such as «chat_id».

The actions are read from the source: each ``ctx.audit("…")`` call, and for those whose name is
built from a value (``f"movement.{kind.value}"``), every value that can go there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import parta
from parta.models import ConsentStatus, MovementKind

PARTA = Path(parta.__file__).parent
CATALOGS = {lang: json.loads((PARTA / "web" / "i18n" / f"{lang}.json").read_text())
            for lang in ("ru", "en")}


def audit_calls() -> list[str]:
    """The argument text of every ``.audit(`` call in the server's code."""
    found = []
    for path in sorted(PARTA.rglob("*.py")):
        source = path.read_text()
        for match in re.finditer(r"\.audit\(", source):
            depth, end = 1, match.end()
            while depth and end < len(source):
                depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(source[end], 0)
                end += 1
            found.append(source[match.end():end - 1])
    return found


# Names built from a value, and the values they take.
BUILT = {
    "movement.{kind.value}": [f"movement.{k.value}" for k in MovementKind],
    "consent.{new.value}": [f"consent.{s.value}" for s in ConsentStatus],
    "chat_join_request.{row.status.value}": ["chat_join_request.approved", "chat_join_request.denied"],
}


def audited_actions() -> set[str]:
    names: set[str] = set()
    for call in audit_calls():
        names |= set(re.findall(r'^\s*"([a-z_]+\.[a-z_.]+)"', call))
        names |= set(re.findall(r'\bif\b[^,]*\belse\s+"([a-z_]+\.[a-z_.]+)"', call))
        for pattern, values in BUILT.items():
            if f'f"{pattern}"' in call:
                names |= set(values)
    # Passed in by name: chat_links._admit(…, how="chat.joined_by_link")
    for path in sorted(PARTA.rglob("*.py")):
        names |= set(re.findall(r'\bhow="([a-z_]+\.[a-z_.]+)"', path.read_text()))
    return names


def detail_keys() -> set[str]:
    keys: set[str] = set()
    for call in audit_calls():
        keys |= {k for k in re.findall(r"(?<![\w.])([a-z_]+)=", call) if k != "how"}
    return keys


def test_the_scan_finds_what_the_server_audits() -> None:
    """A positive control: names and keys known to be written are found."""
    actions, keys = audited_actions(), detail_keys()
    assert {"roster.applied", "movement.arrival", "consent.withdrawn", "chat.joined_by_link",
            "lesson.scheduled", "call.muted_all"} <= actions
    assert {"chat_id", "user_id", "reason"} <= keys
    assert len(actions) > 100


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_every_audited_action_has_words(lang: str) -> None:
    missing = sorted(a for a in audited_actions() if a not in CATALOGS[lang]["audit_actions"])
    assert missing == []


@pytest.mark.parametrize("lang", sorted(CATALOGS))
def test_every_audited_detail_has_a_name(lang: str) -> None:
    missing = sorted(k for k in detail_keys() if k not in CATALOGS[lang]["audit_details"])
    assert missing == []
