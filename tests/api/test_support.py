"""Technical support (R42): tickets, replies, who sees which."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from parta.models import SupportReply, SupportTicket
from tests.conftest import World, error_code
from tests.helpers import register_gymnasium

API = "/api/v1"


async def open_ticket(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/support/tickets", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def ticket_rows(world: World) -> tuple[int, int]:
    async with world.services.sessionmaker() as db:
        tickets = (await db.execute(select(func.count()).select_from(SupportTicket))).scalar_one()
        replies = (await db.execute(select(func.count()).select_from(SupportReply))).scalar_one()
        return int(tickets), int(replies)


# Support (R42) ----------------------------------------------------------------------------------

async def test_a_parent_writes_to_support_and_sees_only_her_own_tickets(world: World) -> None:
    elena = await world.as_("parent")
    ticket = await open_ticket(elena, subject="Не приходит код", org_id=world.org_id,
                               body="Код для входа сына приходит через час.")
    elena_id = await world.user_id("parent")
    assert (ticket["subject"], ticket["status"], ticket["org_id"], ticket["author"]["id"]) == (
        "Не приходит код", "open", world.org_id, elena_id)
    assert [(r["author"]["id"], r["from_support"], r["body"]) for r in ticket["replies"]] == [
        (elena_id, False, "Код для входа сына приходит через час.")]
    anna = await world.as_("teacher")
    await open_ticket(anna, subject="Вопрос", body="Как создать ссылку?")

    r = await elena.get(f"{API}/support/tickets")
    assert [t["id"] for t in r.json()["tickets"]] == [ticket["id"]]
    r = await elena.get(f"{API}/support/tickets/{ticket['id']}")
    assert r.status_code == 200, r.text
    assert len(r.json()["replies"]) == 1


async def test_another_person_is_told_a_ticket_does_not_exist(world: World) -> None:
    elena = await world.as_("parent")
    ticket = await open_ticket(elena, subject="Не приходит код", body="Помогите.")
    before = await ticket_rows(world)
    for key in ("student", "admin"):  # not even her school's administrator reads it
        someone = await world.as_(key)
        r = await someone.get(f"{API}/support/tickets/{ticket['id']}")
        assert (r.status_code, error_code(r)) == (404, "not_found"), key
        r = await someone.post(f"{API}/support/tickets/{ticket['id']}/replies", json={"body": "?"})
        assert (r.status_code, error_code(r)) == (404, "not_found"), key
        r = await someone.post(f"{API}/support/tickets/{ticket['id']}/close")
        assert (r.status_code, error_code(r)) == (404, "not_found"), key
        assert (await someone.get(f"{API}/support/tickets")).json()["tickets"] == []
    r = await elena.get(f"{API}/support/tickets/{ticket['id'] + 1000}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert await ticket_rows(world) == before
    assert (await elena.get(f"{API}/support/tickets/{ticket['id']}")).json()["status"] == "open"


async def test_the_operator_answers_the_tickets_that_name_no_school(world: World) -> None:
    elena = await world.as_("parent")
    anna = await world.as_("teacher")
    t1 = await open_ticket(elena, subject="Не приходит код", body="Помогите.")
    t2 = await open_ticket(anna, subject="Вопрос", body="Как создать ссылку?")
    assert (t1["line"], t2["line"]) == ("platform", "platform")
    operator = await world.as_("operator")
    r = await operator.get(f"{API}/support/tickets", params={"box": "platform"})
    assert sorted(t["id"] for t in r.json()["tickets"]) == sorted([t1["id"], t2["id"]])
    assert (await operator.get(f"{API}/support/tickets")).json()["tickets"] == []  # none of hers

    r = await operator.post(f"{API}/support/tickets/{t1['id']}/replies",
                            json={"body": "Проверьте номер в профиле."})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered"
    last = r.json()["replies"][-1]
    assert (last["author"]["id"], last["from_support"], last["line"], last["body"]) == (
        await world.user_id("operator"), True, "platform", "Проверьте номер в профиле.")
    seen = (await elena.get(f"{API}/support/tickets/{t1['id']}")).json()
    assert seen["status"] == "answered"
    assert [r["from_support"] for r in seen["replies"]] == [False, True]

    # Her reply puts the ticket back in the queue.
    r = await elena.post(f"{API}/support/tickets/{t1['id']}/replies", json={"body": "Номер верный."})
    assert (r.status_code, r.json()["status"]) == (200, "open")
    assert (await anna.get(f"{API}/support/tickets/{t2['id']}")).json()["status"] == "open"


async def test_a_closed_ticket_takes_no_more_replies(world: World) -> None:
    elena = await world.as_("parent")
    ticket = await open_ticket(elena, subject="Не приходит код", body="Помогите.")
    r = await elena.post(f"{API}/support/tickets/{ticket['id']}/close")
    assert (r.status_code, r.json()["status"]) == (200, "closed")
    before = await ticket_rows(world)
    operator = await world.as_("operator")
    for who in (elena, operator):
        r = await who.post(f"{API}/support/tickets/{ticket['id']}/replies", json={"body": "Ещё"})
        assert (r.status_code, error_code(r)) == (409, "ticket_closed")
        r = await who.post(f"{API}/support/tickets/{ticket['id']}/close")
        assert (r.status_code, error_code(r)) == (409, "ticket_closed")
    assert await ticket_rows(world) == before
    seen = (await elena.get(f"{API}/support/tickets/{ticket['id']}")).json()
    assert (seen["status"], len(seen["replies"])) == ("closed", 1)


async def test_empty_or_misaddressed_tickets_are_refused(world: World) -> None:
    elena = await world.as_("parent")
    ticket = await open_ticket(elena, subject="Не приходит код", body="Помогите.")
    before = await ticket_rows(world)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"subject": "Вопрос", "body": ""}, "body"),
        ({"subject": "Вопрос", "body": "   "}, "body"),
        ({"subject": "", "body": "Помогите"}, "subject"),
        ({"subject": "Вопрос"}, "body"),
        ({"subject": "Вопрос", "body": "x" * 5001}, "body"),
        ({"subject": "Вопрос", "body": "Помогите", "org_id": world.org_id + 1000}, "org_id"),
        ({"subject": "Вопрос", "body": "Помогите", "priority": "high"}, "priority"),
    ]
    for body, field in bad:
        r = await elena.post(f"{API}/support/tickets", json=body)
        assert (r.status_code, error_code(r)) == (422, "validation_failed"), body
        assert list(r.json()["error"]["fields"]) == [field], body
    r = await elena.post(f"{API}/support/tickets/{ticket['id']}/replies", json={"body": "  "})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert await ticket_rows(world) == before


async def test_a_ticket_may_name_only_a_school_one_belongs_to(world: World) -> None:
    gym_id, _ = await register_gymnasium(world)
    elena = await world.as_("parent")
    before = await ticket_rows(world)
    r = await elena.post(f"{API}/support/tickets",
                         json={"subject": "Вопрос", "body": "Помогите", "org_id": gym_id})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
    assert await ticket_rows(world) == before


async def test_a_verified_teacher_keeps_her_badge_on_a_school_ticket(world: World) -> None:
    anna = await world.as_("teacher")  # verified in the demo school
    r = await anna.post(f"{API}/support/tickets", json={
        "subject": "Не открывается журнал", "body": "Ссылка ведёт не туда.", "org_id": world.org_id})
    assert r.status_code == 201
    assert r.json()["author"]["verified_teacher"] is True
    r = await anna.post(f"{API}/support/tickets", json={"subject": "Вопрос", "body": "Без школы."})
    assert r.json()["author"]["verified_teacher"] is False  # no school named, no school's badge


# The school line first, the platform next -------------------------------------------------------

async def test_a_ticket_naming_the_school_goes_to_its_administrators_first(world: World) -> None:
    elena = await world.as_("parent")
    ticket = await open_ticket(elena, subject="Не вижу чат класса", org_id=world.org_id,
                               body="Сын в 5А, а чата нет.")
    assert (ticket["line"], ticket["org_name"], ticket["can_escalate"]) == ("school", "Школа № 1", True)
    admin = await world.as_("admin")
    box = (await admin.get(f"{API}/support/tickets", params={"box": "school"})).json()["tickets"]
    assert [(t["id"], t["can_answer"]) for t in box] == [(ticket["id"], True)]
    # Not the platform's yet, and not a teacher's to read.
    operator = await world.as_("operator")
    assert (await operator.get(f"{API}/support/tickets", params={"box": "platform"})).json()["tickets"] == []
    r = await operator.get(f"{API}/support/tickets/{ticket['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    anna = await world.as_("teacher")
    assert (await anna.get(f"{API}/support/tickets", params={"box": "school"})).json()["tickets"] == []
    r = await anna.get(f"{API}/support/tickets/{ticket['id']}")
    assert (r.status_code, error_code(r)) == (404, "not_found")

    elena_id = await world.user_id("parent")
    r = await admin.post(f"{API}/support/tickets/{ticket['id']}/replies",
                         json={"body": "Приглашение придёт сегодня, примите его в «Чатах»."})
    assert r.status_code == 200, r.text
    heard = world.events_of("support.changed")[-1]
    assert heard.audience == {elena_id}  # she is told; nobody else
    assert (heard.event.ticket_id, heard.event.status, heard.event.line) == (
        ticket["id"], "answered", "school")
    seen = (await elena.get(f"{API}/support/tickets/{ticket['id']}")).json()
    assert [(r["from_support"], r["line"]) for r in seen["replies"]] == [(False, None), (True, "school")]
    assert seen["status"] == "answered"


async def test_the_school_passes_a_ticket_on_to_the_platform(world: World) -> None:
    elena = await world.as_("parent")
    ticket = await open_ticket(elena, subject="Ошибка при входе", org_id=world.org_id,
                               body="Пишет «ошибка сервера».")
    admin = await world.as_("admin")
    operator = await world.as_("operator")
    r = await admin.post(f"{API}/support/tickets/{ticket['id']}/escalate")
    assert r.status_code == 200, r.text
    assert (r.json()["line"], r.json()["can_answer"], r.json()["can_escalate"]) == ("platform", False, False)
    heard = world.events_of("support.changed")[-1]
    assert heard.event.line == "platform"
    assert {await world.user_id("parent"), await world.user_id("operator")} <= heard.audience
    box = (await operator.get(f"{API}/support/tickets", params={"box": "platform"})).json()["tickets"]
    assert [t["id"] for t in box] == [ticket["id"]]
    # The school follows it but no longer answers; a second pass is refused; nothing changes.
    before = await ticket_rows(world)
    r = await admin.post(f"{API}/support/tickets/{ticket['id']}/replies", json={"body": "Ещё"})
    assert (r.status_code, error_code(r)) == (409, "ticket_passed_on")
    r = await admin.post(f"{API}/support/tickets/{ticket['id']}/escalate")
    assert (r.status_code, error_code(r)) == (409, "ticket_passed_on")
    assert await ticket_rows(world) == before
    assert (await admin.get(f"{API}/support/tickets/{ticket['id']}")).status_code == 200
    r = await operator.post(f"{API}/support/tickets/{ticket['id']}/replies", json={"body": "Исправили."})
    assert (r.status_code, r.json()["replies"][-1]["line"]) == (200, "platform")


async def test_another_schools_administrator_never_sees_the_ticket(world: World) -> None:
    _gym_id, gym_admin = await register_gymnasium(world)
    elena = await world.as_("parent")
    ticket = await open_ticket(elena, subject="Вопрос", org_id=world.org_id, body="Помогите.")
    before = await ticket_rows(world)
    assert (await gym_admin.get(f"{API}/support/tickets", params={"box": "school"})).json()["tickets"] == []
    for path, method in ((f"/support/tickets/{ticket['id']}", "get"),
                         (f"/support/tickets/{ticket['id']}/escalate", "post"),
                         (f"/support/tickets/{ticket['id']}/close", "post")):
        r = await getattr(gym_admin, method)(f"{API}{path}")
        assert (r.status_code, error_code(r)) == (404, "not_found"), path
    r = await gym_admin.post(f"{API}/support/tickets/{ticket['id']}/replies", json={"body": "?"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert await ticket_rows(world) == before


async def test_an_administrators_own_question_goes_to_the_platform(world: World) -> None:
    admin = await world.as_("admin")
    ticket = await open_ticket(admin, subject="Как перенести классы?", org_id=world.org_id,
                               body="Не нашла, где переводить классы на новый год.")
    assert (ticket["line"], ticket["can_escalate"]) == ("platform", False)
    operator = await world.as_("operator")
    box = (await operator.get(f"{API}/support/tickets", params={"box": "platform"})).json()["tickets"]
    assert [t["id"] for t in box] == [ticket["id"]]


async def test_an_unknown_box_is_refused(world: World) -> None:
    elena = await world.as_("parent")
    r = await elena.get(f"{API}/support/tickets", params={"box": "everything"})
    assert (r.status_code, error_code(r)) == (422, "validation_failed")
