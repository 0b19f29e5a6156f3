"""axe-core (WCAG 2.1 A and AA) over every page of the web client, as the people who use it.

Every route the client knows (read from `web/js/app.js`, so a new page cannot be forgotten) is
opened by someone who may see it, on a desktop and on a phone, after the page has finished
loading; axe's rules for WCAG 2.0/2.1 levels A and AA must find nothing. axe-core comes from a
Python package that ships it (a test dependency), never from this repository.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest

from parta.roster.xlsx import COLUMNS, DATA_SHEET
from tests.e2e.conftest import (
    ADMIN,
    CLASS_TEACHER,
    OPERATOR,
    PARENT,
    ROOT,
    STUDENT,
    TEACHER,
    new_page,
    sign_in,
)

pytestmark = pytest.mark.e2e

AXE_SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 800}

# Each route of the client: who opens it, and how its parameters are found (see `place`).
PAGES: dict[str, str] = {
    "/signin": "nobody",
    "/join/:token": "nobody",
    "/chat-link/:token": "nobody",
    "/orgs": "operator",
    "/": "admin",
    "/chats": "parent",
    "/chats/new": "class_teacher",
    "/chats/directory": "teacher",
    "/chats/:id": "parent",
    "/chats/:id/join": "teacher",
    "/chats/:id/members": "parent",
    "/chats/:id/settings": "class_teacher",
    "/chats/:id/lessons": "class_teacher",
    "/calls/:id/attendance": "class_teacher",
    "/moderation": "class_teacher",
    "/profile": "parent",
    "/people/:id": "parent",
    "/support": "parent",
    "/support/:id": "parent",
    "/verification": "teacher",
    "/invites": "class_teacher",
    "/admin/org": "admin",
    "/admin/groups": "admin",
    "/admin/members": "admin",
    "/admin/invites": "admin",
    "/admin/requests": "admin",
    "/admin/parent-links": "admin",
    "/admin/verification": "admin",
    "/admin/audit": "admin",
    "/admin/consents": "admin",
    "/admin/chat-rules": "admin",
    "/admin/roster": "admin",
    "/admin/roster/:id": "admin",
    "/admin/reconciliation": "admin",
    "/admin/year": "admin",
    "/movement": "admin",
    "/operator/orgs": "operator",
    "/admin/support": "admin",
    "/admin/support/:id": "admin",
    "/operator/support": "operator",
    "/operator/support/:id": "operator",
    "/materials": "parent",
    "/materials/new-article": "class_teacher",
    "/materials/:id": "admin",
    "/materials/:id/edit": "admin",
    "/network": "teacher",
    "/admin/instructions": "admin",
    "/municipality/instructions": "municipal",
    "/broadcasts": "teacher",
    "/broadcasts/:id": "teacher",
    "/admin/calls": "admin",
    "/admin/stats": "admin",
    "/municipality": "municipal",
}
MUNICIPAL = "+79005550099"  # appointed by the operator for this module (see `place`)
PHONES = {"admin": ADMIN, "operator": OPERATOR, "parent": PARENT, "student": STUDENT,
          "class_teacher": CLASS_TEACHER, "teacher": TEACHER, "municipal": MUNICIPAL}
# Pages a student sees too, checked again as a student (their home and chats differ).
STUDENT_PAGES = ["/", "/chats", "/chats/:id", "/profile"]


def client_routes() -> list[str]:
    source = (ROOT / "parta/web/js/app.js").read_text(encoding="utf-8")
    return re.findall(r"^route\('([^']+)'", source, flags=re.MULTILINE)


def test_every_page_of_the_client_is_checked():
    assert sorted(client_routes()) == sorted(PAGES)


def audit(page: Any) -> list[str]:
    """What axe finds on the page as it stands, one line per rule and element."""
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({v['impact']}): {node['target']} — {node['failureSummary'].splitlines()[-1].strip()}"
            for v in result["violations"] for node in v["nodes"]]


def settle(page: Any) -> None:
    """Wait until the view has drawn: its heading or form is there and nothing is loading."""
    page.wait_for_load_state("networkidle")
    page.locator("main h1, main form, [data-testid=signin], [data-testid=home]").first.wait_for(
        state="attached")
    page.wait_for_function("() => !document.querySelector('main .loading, [aria-busy=true]')")


@pytest.fixture(scope="module")
def place(people: Callable[[str], Any]) -> Iterator[Callable[[str], str]]:
    """The route's path with real ids from the demo school (made once, if the demo has none)."""
    made: dict[str, str] = {}
    admin, teacher, parent = people(ADMIN), people(CLASS_TEACHER), people(PARENT)
    operator = people(OPERATOR)
    muni_id = operator.get("/regions")["regions"][0]["municipalities"][0]["id"]
    operator.post(f"/municipalities/{muni_id}/admins",
                  {"phone": MUNICIPAL, "name": "Галина Сергеевна Крылова"})

    def chat_id(api: Any, kind: str) -> int:
        chats = api.get("/chats")["chats"]
        return next(c["id"] for c in chats if c["kind"] == kind)

    def build(pattern: str) -> str:
        if ":" not in pattern:
            return pattern
        if pattern in made:
            return made[pattern]
        org = admin.org_id
        if pattern == "/join/:token":
            token = admin.post(f"/orgs/{org}/invites", {"role": "teacher", "max_uses": 5})["token"]
            path = f"/join/{token}"
        elif pattern == "/chat-link/:token":
            link = teacher.post(f"/chats/{chat_id(teacher, 'class')}/links", {})
            path = f"/chat-link/{link['token']}"
        elif pattern == "/chats/:id/join":
            path = f"/chats/{chat_id(parent, 'parents')}/join"
        elif pattern == "/calls/:id/attendance":
            chat = chat_id(teacher, "class")
            call = teacher.post(f"/chats/{chat}/call", {})
            teacher.post(f"/calls/{call['call']['id']}/end", {})
            path = f"/calls/{call['call']['id']}/attendance"
        elif pattern in ("/support/:id", "/admin/support/:id", "/operator/support/:id"):
            if "ticket" not in made:
                made["ticket"] = str(parent.post("/support/tickets", {
                    "subject": "Не приходит код", "body": "Код по SMS приходит не всегда.",
                    "org_id": parent.org_id})["id"])
            path = pattern.replace(":id", made["ticket"])
            if pattern == "/operator/support/:id":
                admin.post(f"/support/tickets/{made['ticket']}/escalate", {})
        elif pattern == "/admin/roster/:id":
            made["import"] = str(admin.post(f"/orgs/{org}/roster/imports", files={
                "file": ("список.xlsx", a_roster(), XLSX)})["id"])
            path = f"/admin/roster/{made['import']}"
        elif pattern.startswith("/materials/:id"):
            if "material" not in made:  # for the staff only: no family sees it in its library
                made["material"] = str(admin.post(f"/orgs/{org}/articles", {
                    "title": "Памятка дежурному учителю", "body": "## Перед уроками\n\n- проверить классы",
                    "for_students": False, "for_parents": False})["id"])
            path = pattern.replace(":id", made["material"])
        elif pattern == "/broadcasts/:id":
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
            path = "/broadcasts/{}".format(admin.post(f"/orgs/{org}/broadcasts", {
                "title": "Педагогический совет", "audience": "staff",
                "starts_at": tomorrow.isoformat(),
                "ends_at": (tomorrow + timedelta(hours=1)).isoformat()})["id"])
        elif pattern.startswith("/chats/:id"):
            path = pattern.replace(":id", str(chat_id(parent, "parents")))
        elif pattern == "/people/:id":  # the class teacher's card, as a parent reads it
            path = f"/people/{teacher.me['id']}"
        else:
            raise AssertionError(f"no way to open {pattern}")
        made[pattern] = path
        return path

    yield build
    if "import" in made:  # the preview is set aside: other tests see the demo's imports as they were
        admin.http.delete(f"/orgs/{admin.org_id}/roster/imports/{made['import']}")
    if "ticket" in made:
        operator.post(f"/support/tickets/{made['ticket']}/close", {})


def a_roster() -> bytes:
    """A roster with one good row and one the preview shows as an error."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = DATA_SHEET
    sheet.append([h for h, _ in COLUMNS])
    sheet.append(["Соколова Вера Андреевна", "12.03.2014", "ученик", "5А", "+7 900 555-12-34"])
    sheet.append(["Орлов Пётр", "", "директор", "", "12345"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def states(browser: Any, server: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """Each person signs in through the form once (the operator has no chats: any page)."""
    saved: dict[str, str] = {}

    def state(phone: str) -> str:
        if phone not in saved:
            page = new_page(browser, server)
            page.goto("/signin")
            sign_in(page, server, phone)
            path = str(tmp_path_factory.mktemp("axe") / f"{phone[1:]}.json")
            page.context.storage_state(path=path)
            page.context.close()
            saved[phone] = path
        return saved[phone]

    return state


@pytest.fixture(scope="module")
def opened(browser: Any, server: Any, states: Callable[[str], str]) -> Iterator[Callable[..., Any]]:
    pages: list[Any] = []

    def open_as(role: str, viewport: dict[str, int]) -> Any:
        options: dict[str, Any] = {"viewport": viewport}
        if viewport is PHONE:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        if role != "nobody":
            options["storage_state"] = states(PHONES[role])
        page = new_page(browser, server, **options)
        pages.append(page)
        return page

    yield open_as
    for p in pages:
        p.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_no_page_has_an_accessibility_violation(size: str, opened: Callable[..., Any],
                                                place: Callable[[str], str]):
    viewport = DESKTOP if size == "desktop" else PHONE
    checks = [(PAGES[p], p) for p in client_routes()] + [("student", p) for p in STUDENT_PAGES]
    found: dict[str, list[str]] = {}
    pages: dict[str, Any] = {}
    for role, pattern in checks:
        page = pages.get(role) or pages.setdefault(role, opened(role, viewport))
        page.goto(place(pattern))
        try:
            settle(page)
        except Exception as exc:  # noqa: BLE001 - reported with the page it happened on
            found[f"{role} {pattern}"] = [f"did not finish drawing: {str(exc).splitlines()[0]}"]
            continue
        problems = audit(page)
        if problems:
            found[f"{role} {pattern}"] = problems
    for page in pages.values():
        page.context.close()
    assert found == {}, "\n".join(f"{where}:\n  " + "\n  ".join(p) for where, p in found.items())


def test_the_audit_sees_a_violation_when_there_is_one(opened: Callable[..., Any]):
    """The check above can fail: a picture without words and a button without a name on the
    sign-in page are found."""
    page = opened("nobody", DESKTOP)
    page.goto("/signin")
    settle(page)
    assert audit(page) == []
    page.evaluate("""() => {
        const main = document.querySelector('main') || document.body;
        const img = document.createElement('img');
        img.src = '/static/icons/icon-192.png';
        const button = document.createElement('button');
        main.append(img, button);
    }""")
    found = " ".join(audit(page))
    assert "image-alt" in found and "button-name" in found
    page.context.close()
