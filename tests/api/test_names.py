"""Names say what they look like: invisible direction overrides, isolates and zero-width
characters are dropped from people's, groups' and chats' names and from file names — a file
sent as «U+202E gpj.exe» cannot pass for a photo — while message text keeps what was written."""

from __future__ import annotations

import pytest

from parta.actions.attachments import safe_name
from parta.roster.model import clean
from parta.services.text import clean_name
from tests.api.test_chats import make_class_chat
from tests.conftest import World, error_code
from tests.helpers import API

RLO, LRI, PDI, ZWSP, BOM, LRM = "\u202e", "\u2066", "\u2069", "\u200b", "\ufeff", "\u200e"


@pytest.mark.parametrize(("raw", "shown"), [
    (f"{RLO}gpj.exe", "gpj.exe"),
    (f"Анна{ZWSP} Иванова", "Анна Иванова"),
    (f"{BOM}{LRM}Мария{LRI} Петровна{PDI}", "Мария Петровна"),
    ("\u202aПётр\u202c\u2060 \u200dСидоров\u200c", "Пётр Сидоров"),
    ("Анна\tИванова\n", "Анна Иванова"),
    ("\u0418\u0306", "\u0419"),  # «И» + combining breve: «Й», composed
    ("Семья 👨\u200d👩\u200d👧", "Семья 👨\u200d👩\u200d👧"),  # the joiner that draws one emoji
])
def test_a_name_loses_what_cannot_be_seen(raw: str, shown: str) -> None:
    assert clean_name(raw) == shown


def test_a_file_name_cannot_pretend_to_another_extension() -> None:
    assert safe_name(f"{RLO}gpj.exe", "txt") == "gpj.txt"
    assert safe_name(f"отчёт{RLO}fdp.exe", "pdf") == "отчётfdp.pdf"


def test_a_roster_cell_loses_its_invisible_marks() -> None:
    """A table copied from a phone's contacts often wraps numbers and names in direction marks."""
    assert clean("\u202a+7 900 123-45-67\u202c") == "+7 900 123-45-67"
    assert clean(f"  Иванова{ZWSP}  Мария ") == "Иванова Мария"


async def test_a_person_sets_a_name_without_hidden_characters(world: World) -> None:
    masha = await world.as_("student")
    r = await masha.patch(f"{API}/me", json={"name": f"{RLO}Маша{ZWSP} Смирнова{BOM}"})
    assert r.status_code == 200, r.text
    r = await masha.get(f"{API}/me")
    assert r.json()["name"] == "Маша Смирнова"
    r = await masha.patch(f"{API}/me", json={"name": f"{RLO}{ZWSP}{LRM}"})
    assert r.status_code == 422 and error_code(r) == "validation_failed"


async def test_group_and_chat_names_are_cleaned_too(world: World) -> None:
    admin = await world.as_("admin")
    r = await admin.post(f"{API}/orgs/{world.org_id}/groups",
                         json={"name": f"Хор{RLO}{ZWSP}", "grade": None})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "Хор"
    _, chat = await make_class_chat(world, title=f"5А {LRI}— класс{PDI}")
    assert chat["title"] == "5А — класс"


async def test_an_attachment_name_is_cleaned_but_a_message_keeps_its_text(world: World) -> None:
    anna, chat = await make_class_chat(world)
    r = await anna.post(f"{API}/chats/{chat['id']}/attachments",
                        files={"file": (f"{RLO}gpj.exe", b"just words", "image/jpeg")})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "gpj.txt"
    text = f"Цитата: {RLO}שלום{LRM}"
    r = await anna.post(f"{API}/chats/{chat['id']}/messages", json={"body": text})
    assert r.status_code == 200, r.text
    assert r.json()["body"] == text
