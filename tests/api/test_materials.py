"""The materials library (R36) in the demo school: Ирина Петровна (the administration)
publishes a school-wide article and marks it «Проверено», Анна Сергеевна uploads a PDF for
5А, and Елена Иванова, a 5А mother, finds and opens both; Ольга Кузнецова, whose son is in
5Б, sees the school's article and nothing of 5А's. Who may not publish, may not; other
schools' materials do not exist; files are made safe, keep their versions and play by ranges."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest_asyncio
from PIL import Image
from sqlalchemy import func, select

from parta.actions.base import unit_of_work
from parta.actions.members import add_member
from parta.db import utcnow
from parta.models import (
    Group,
    Material,
    MaterialFolder,
    MaterialVersion,
    Message,
    Organization,
    ParentLink,
    ParentLinkStatus,
    Role,
    User,
)
from tests.api.test_attachments import photo_with_location
from tests.api.test_media_safety import android_video
from tests.conftest import World, error_code
from tests.helpers import API, groups_of, register_gymnasium

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PARENT_5B = "+79000000031"


@pytest_asyncio.fixture
async def family_5b(world: World) -> AsyncIterator[httpx.AsyncClient]:
    """Коля Кузнецов of 5Б and his mother Ольга, confirmed by the school."""
    async with unit_of_work(world.services) as ctx:
        org = await ctx.db.get(Organization, world.org_id)
        assert org is not None
        group = (await ctx.db.execute(select(Group).where(
            Group.org_id == org.id, Group.name == "5Б"))).scalar_one()
        kolya = User(phone="+79000000032", name="Коля Кузнецов")
        olga = User(phone=PARENT_5B, name="Ольга Кузнецова")
        ctx.db.add_all([kolya, olga])
        await ctx.db.flush()
        await add_member(ctx, org, kolya, {Role.student}, group_id=group.id)
        await add_member(ctx, org, olga, {Role.parent})
        ctx.db.add(ParentLink(org_id=org.id, parent_id=olga.id, child_id=kolya.id,
                              group_id=group.id, child_name_claimed=kolya.name,
                              status=ParentLinkStatus.confirmed, decided_at=utcnow()))
    yield await world.sign_in(PARENT_5B)


async def class_id(world: World, name: str) -> int:
    admin = await world.as_("admin")
    return int((await groups_of(admin, world.org_id))[name]["id"])


def upload(c: httpx.AsyncClient, org_id: int, name: str, data: bytes, **form: Any
           ) -> Any:
    fields = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in form.items()}
    return c.post(f"{API}/orgs/{org_id}/materials", data=fields,
                  files={"file": (name, data, "application/octet-stream")})


async def article(c: httpx.AsyncClient, org_id: int, **fields: Any) -> httpx.Response:
    body = {"title": "Экскурсия в музей", "body": "Соберёмся **у школы** в 9:00.", **fields}
    return await c.post(f"{API}/orgs/{org_id}/articles", json=body)


async def stored(world: World, model: Any) -> int:
    async with world.services.sessionmaker() as db:
        return int((await db.execute(select(func.count()).select_from(model))).scalar_one())


async def titles(c: httpx.AsyncClient, org_id: int, **params: Any) -> list[str]:
    r = await c.get(f"{API}/orgs/{org_id}/library", params=params)
    assert r.status_code == 200, r.text
    return [m["title"] for m in r.json()["materials"]]


async def test_a_verified_article_and_5a_pdf_reach_the_right_families(
        world: World, family_5b: httpx.AsyncClient) -> None:
    org = world.org_id
    irina, anna, elena = (await world.as_("admin"), await world.as_("teacher"),
                          await world.as_("parent"))
    olga = family_5b
    g5a = await class_id(world, "5А")

    r = await article(irina, org, description="Памятка для родителей и учеников")
    assert r.status_code == 201, r.text
    art = r.json()
    assert art["kind"] == "article" and art["group"] is None and art["verified"] is False
    assert "<strong>у школы</strong>" in art["version"]["html"]
    r = await irina.post(f"{API}/materials/{art['id']}/verify", json={"verified": True})
    assert r.status_code == 200 and r.json()["verified"] is True
    assert r.json()["verified_by"]["name"] == "Ирина Петровна Смирнова"

    r = await upload(anna, org, "Дроби.pdf", PDF, title="Дроби: задачи на дом",
                     group_id=g5a, subject="Математика", for_staff=True)
    assert r.status_code == 201, r.text
    pdf = r.json()
    assert pdf["group"] == {"id": g5a, "name": "5А"}
    assert pdf["version"]["file"]["mime"] == "application/pdf"
    assert pdf["version"]["file"]["name"] == "Дроби.pdf"

    # Елена (Маша's mother, 5А) sees the school's shelf and 5А's, and both materials.
    lib = (await elena.get(f"{API}/orgs/{org}/library")).json()
    assert [s["group"] and s["group"]["name"] for s in lib["shelves"]] == [None, "1А", "5А"]
    assert [m["title"] for m in lib["materials"]] == ["Экскурсия в музей"]
    assert lib["shelf"]["can_publish"] is False
    assert await titles(elena, org, group_id=g5a) == ["Дроби: задачи на дом"]
    assert await titles(elena, org, verified="true", group_id=g5a) == []
    assert await titles(elena, org, verified="true") == ["Экскурсия в музей"]
    # Search by word forms: «экскурсии», «дробями» find «Экскурсия», «Дроби».
    assert await titles(elena, org, q="экскурсии") == ["Экскурсия в музей"]
    assert await titles(elena, org, q="задача дробями") == ["Дроби: задачи на дом"]
    assert await titles(elena, org, q="школе") == ["Экскурсия в музей"]  # its text
    r = await elena.get(f"{API}/materials/{pdf['id']}/file")
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("inline;")
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert "sandbox" not in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"

    # Ольга (5Б) sees the school's article, and of 5А nothing at all.
    lib = (await olga.get(f"{API}/orgs/{org}/library")).json()
    assert [s["group"] and s["group"]["name"] for s in lib["shelves"]] == [None, "5Б"]
    assert [m["title"] for m in lib["materials"]] == ["Экскурсия в музей"]
    for path in (f"/materials/{pdf['id']}", f"/materials/{pdf['id']}/file"):
        r = await olga.get(API + path)
        assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await olga.get(f"{API}/orgs/{org}/library", params={"group_id": g5a})
    assert r.status_code == 404
    assert await titles(olga, org, q="дроби") == []

    # Who was told: the 5А PDF's readers, not 5Б's family.
    [ev] = [e for e in world.events_of("material.changed")
            if e.event.material_id == pdf["id"]]  # type: ignore[attr-defined]
    olga_id = int((await olga.get(f"{API}/me")).json()["id"])
    assert await world.user_id("parent") in ev.audience
    assert await world.user_id("student") in ev.audience
    assert olga_id not in ev.audience


async def test_who_may_not_publish_where_is_refused_and_nothing_is_kept(
        world: World, family_5b: httpx.AsyncClient) -> None:
    org = world.org_id
    anna, oleg = await world.as_("teacher"), await world.as_("math_teacher")
    elena, masha = await world.as_("parent"), await world.as_("student")
    g5a, g5b = await class_id(world, "5А"), await class_id(world, "5Б")
    cases = [
        (anna, {}, 403, "may_not_publish_school"),  # the school's shelf: the administration's
        (anna, {"group_id": g5b}, 403, "not_your_class"),
        (oleg, {"group_id": g5a, "subject": "Русский язык"}, 403, "not_your_subject"),
        (elena, {"group_id": g5a}, 403, "may_not_publish"),
        (masha, {"group_id": g5a}, 403, "may_not_publish"),
        (anna, {"group_id": 999_999}, 404, "not_found"),
    ]
    for who, where, status, code in cases:
        r = await upload(who, org, "план.pdf", PDF, title="План", **where)
        assert (r.status_code, error_code(r)) == (status, code), (where, r.text)
        r = await article(who, org, **where)
        assert (r.status_code, error_code(r)) == (status, code), (where, r.text)
    assert await stored(world, Material) == 0
    # Олег teaches 5А mathematics: that he may publish, and keep 5А's folders; Анна's own
    # materials for the class (no subject: the class teacher's) he may read but not change.
    r = await upload(oleg, org, "Задачи.pdf", PDF, title="Задачи", group_id=g5a,
                     subject="математика")
    assert r.status_code == 201, r.text
    r = await oleg.post(f"{API}/orgs/{org}/material-folders", json={"name": "Алгебра", "group_id": g5a})
    assert r.status_code == 201, r.text
    r = await oleg.post(f"{API}/orgs/{org}/material-folders", json={"name": "Алгебра", "group_id": g5b})
    assert (r.status_code, error_code(r)) == (403, "not_your_class")
    own = (await article(anna, org, group_id=g5a)).json()
    assert (await oleg.get(f"{API}/materials/{own['id']}")).json()["can_edit"] is False
    r = await oleg.patch(f"{API}/materials/{own['id']}", json={"title": "Моё"})
    assert (r.status_code, error_code(r)) == (403, "not_your_subject")
    r = await oleg.delete(f"{API}/materials/{own['id']}")
    assert (r.status_code, error_code(r)) == (403, "not_your_subject")
    assert (await anna.get(f"{API}/materials/{own['id']}")).json()["title"] == "Экскурсия в музей"


async def test_files_are_checked_from_their_bytes_and_limits_hold(world: World) -> None:
    org = world.org_id
    anna = await world.as_("teacher")
    g5a = await class_id(world, "5А")
    exe = b"MZ\x90\x00" + bytes(200)
    for name, data, code in (("программа.pdf", exe, "unsupported_type"),  # lies about its type
                             ("непонятно.bin", bytes(range(256)) * 4, "unsupported_type"),
                             ("страница.pdf", b"<html><script>alert(1)</script></html>",
                              "unsupported_type")):
        r = await upload(anna, org, name, data, title="Файл", group_id=g5a)
        assert (r.status_code, error_code(r)) == (422, code), r.text
    world.services.settings.attachment_max_document_mb = len(PDF) / 2 / (1024 * 1024)
    r = await upload(anna, org, "Дроби.pdf", PDF, title="Дроби", group_id=g5a)
    assert (r.status_code, error_code(r)) == (413, "file_too_large")
    world.services.settings.attachment_max_document_mb = 50
    r = await upload(anna, org, "Дроби.pdf", PDF, title="", group_id=g5a)
    assert r.status_code == 422 and "title" in r.json()["error"]["fields"]
    r = await upload(anna, org, "Дроби.pdf", PDF, title="Дроби", group_id=g5a,
                     for_staff=False, for_students=False, for_parents=False)
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"for_staff": "no_audience"})
    assert await stored(world, Material) == 0
    # Too many at once: the uploads' own gate (which counted Анна's refused files too).
    irina = await world.as_("admin")
    world.services.settings.uploads_per_minute = 2
    for n in range(2):
        r = await upload(irina, org, f"{n}.pdf", PDF, title=f"Файл {n}", group_id=g5a)
        assert r.status_code == 201, r.text
    r = await upload(irina, org, "3.pdf", PDF, title="Файл 3", group_id=g5a)
    assert (r.status_code, error_code(r)) == (429, "upload_limit")
    assert int(r.headers["retry-after"]) >= 1
    assert await stored(world, Material) == 2


async def test_a_photo_loses_its_location_and_gets_a_thumbnail(world: World) -> None:
    irina, masha = await world.as_("admin"), await world.as_("student")
    r = await upload(irina, world.org_id, "двор.jpg", photo_with_location(), title="Наш двор")
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["version"]["file"]["kind"] == "photo" and m["version"]["file"]["thumbnail"]
    got = await masha.get(f"{API}/materials/{m['id']}/file")
    assert got.status_code == 200
    assert 0x8825 not in Image.open(io.BytesIO(got.content)).getexif()  # no GPS
    thumb = await masha.get(f"{API}/materials/{m['id']}/thumb")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 320


async def test_a_video_plays_by_ranges(world: World) -> None:
    irina, petya = await world.as_("admin"), await world.as_("student2")
    r = await upload(irina, world.org_id, "опыт.mp4", android_video(), title="Опыт с водой")
    assert r.status_code == 201, r.text
    vid = r.json()
    assert (vid["version"]["file"]["kind"], vid["version"]["file"]["mime"]) == ("video", "video/mp4")
    url = f"{API}/materials/{vid['id']}/file"
    whole = await petya.get(url)
    size = len(whole.content)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith("inline;")
    r = await petya.get(url, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.content == whole.content[:100]
    assert r.headers["content-range"] == f"bytes 0-99/{size}"
    assert r.headers["content-length"] == "100"
    r = await petya.get(url, headers={"Range": "bytes=100-"})
    assert r.status_code == 206 and r.content == whole.content[100:]
    assert r.headers["content-range"] == f"bytes 100-{size - 1}/{size}"
    r = await petya.get(url, headers={"Range": "bytes=-10"})
    assert r.status_code == 206 and r.content == whole.content[-10:]
    r = await petya.get(url, headers={"Range": f"bytes={size}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{size}"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


async def test_an_article_with_hostile_html_keeps_none_of_it(world: World) -> None:
    irina = await world.as_("admin")
    hostile = ("# Правила\n\n<script>alert('x')</script>\n\n"
               "<img src=x onerror=\"alert(1)\">\n\n"
               "[нажми](javascript:alert(1)) и [сюда](JaVaScRiPt:alert(2))\n\n"
               "![картинка](javascript:alert(3))\n\n"
               "<a href=\"javascript:alert(4)\" onclick=\"alert(5)\">ссылка</a>\n\n"
               "<iframe src=\"https://evil.example\"></iframe>\n\n"
               "[школа](https://school1.example/) [почта](mailto:info@school1.example)")
    r = await article(irina, world.org_id, title="Правила", body=hostile)
    assert r.status_code == 201, r.text
    html = r.json()["version"]["html"]
    parser = Tags()
    parser.feed(html)
    tags = {tag for tag, _ in parser.found}
    assert not tags & {"script", "iframe", "img"} - {"img"}
    for tag, attrs in parser.found:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            if attrs.get(name):
                assert attrs[name].split(":", 1)[0].lower() in ("https", "mailto"), attrs
    hrefs = [a.get("href") for t, a in parser.found if t == "a"]
    assert hrefs == ["https://school1.example/", "mailto:info@school1.example"]
    # As a page for a frame: sandboxed, running nothing, fetching only pictures.
    r = await irina.get(f"{API}/materials/{r.json()['id']}/article")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert html in r.text
    csp = r.headers["content-security-policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'self'" in csp
    # The preview renders the same way, and writes nothing.
    r = await irina.post(f"{API}/articles/preview", json={"body": hostile})
    assert r.status_code == 200 and r.json()["html"] == html


def test_the_sanitizer_strips_what_a_renderer_would_let_by() -> None:
    """The second layer on its own: raw HTML as if the renderer had passed it through."""
    from parta.services.articles import sanitize

    out = sanitize('<p onclick="x()">a<script>b()</script><a href="javascript:c()">d</a>'
                   '<img src="data:text/html,e" onerror="f()"><a href="https://ok.example">g</a></p>')
    assert "script" not in out and "onclick" not in out and "onerror" not in out
    assert "javascript:" not in out and "data:" not in out
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">g</a>' in out


async def test_versions_are_kept_and_restored_by_publishers_only(world: World) -> None:
    org = world.org_id
    anna, masha = await world.as_("teacher"), await world.as_("student")
    g5a = await class_id(world, "5А")
    first = PDF
    second = PDF.replace(b"Count 0", b"Count 0 ")
    m = (await upload(anna, org, "План.pdf", first, title="План", group_id=g5a)).json()
    r = await anna.post(f"{API}/materials/{m['id']}/versions",
                        files={"file": ("План-2.pdf", second, "application/pdf")})
    assert r.status_code == 201, r.text
    assert r.json()["version"]["number"] == 2
    assert (await masha.get(f"{API}/materials/{m['id']}/file")).content == second
    vs = (await anna.get(f"{API}/materials/{m['id']}/versions")).json()["versions"]
    assert [v["number"] for v in vs] == [2, 1]
    assert {v["created_by"]["name"] for v in vs} == {"Анна Сергеевна Волкова"}
    v1 = vs[1]["id"]
    assert (await anna.get(f"{API}/materials/{m['id']}/file", params={"version": v1})).content == first
    # Маша reads the material but may neither see its history nor restore it.
    r = await masha.get(f"{API}/materials/{m['id']}/versions")
    assert (r.status_code, error_code(r)) == (403, "may_not_publish")
    r = await masha.get(f"{API}/materials/{m['id']}/file", params={"version": v1})
    assert (r.status_code, error_code(r)) == (403, "may_not_publish")
    r = await masha.post(f"{API}/materials/{m['id']}/versions/{v1}/restore")
    assert (r.status_code, error_code(r)) == (403, "may_not_publish")
    r = await masha.post(f"{API}/materials/{m['id']}/versions",
                         files={"file": ("x.pdf", PDF, "application/pdf")})
    assert (r.status_code, error_code(r)) == (403, "may_not_publish")
    assert await stored(world, MaterialVersion) == 2
    r = await anna.post(f"{API}/materials/{m['id']}/versions/{v1}/restore")
    assert r.status_code == 200 and r.json()["version"]["number"] == 3
    assert r.json()["version"]["restored_from"] == 1
    assert (await masha.get(f"{API}/materials/{m['id']}/file")).content == first
    r = await anna.post(f"{API}/materials/{m['id']}/versions/{r.json()['version']['id']}/restore")
    assert (r.status_code, error_code(r)) == (409, "version_current")

    # An article: each edit of its text is a version; the old text stays readable.
    a = (await article(anna, org, group_id=g5a, title="Домашнее задание", body="Упр. 5")).json()
    r = await anna.patch(f"{API}/materials/{a['id']}", json={"body": "Упр. 6 и 7"})
    assert r.status_code == 200 and r.json()["version"]["number"] == 2
    assert r.json()["body"] == "Упр. 6 и 7"
    assert (await masha.get(f"{API}/materials/{a['id']}")).json()["body"] is None
    vs = (await anna.get(f"{API}/materials/{a['id']}/versions")).json()["versions"]
    assert [v["html"] for v in vs] == ["<p>Упр. 6 и 7</p>\n", "<p>Упр. 5</p>\n"]


async def test_verified_is_the_administrations_mark(world: World) -> None:
    org = world.org_id
    irina, anna, masha = await world.as_("admin"), await world.as_("teacher"), await world.as_("student")
    g5a = await class_id(world, "5А")
    a = (await article(anna, org, group_id=g5a)).json()
    assert a["can_verify"] is False
    for who in (anna, masha):
        r = await who.post(f"{API}/materials/{a['id']}/verify", json={"verified": True})
        assert (r.status_code, error_code(r)) == (403, "forbidden")
    assert (await masha.get(f"{API}/materials/{a['id']}")).json()["verified"] is False
    r = await irina.post(f"{API}/materials/{a['id']}/verify", json={"verified": True})
    assert r.json()["verified"] is True
    assert await titles(masha, org, verified="true", group_id=g5a) == ["Экскурсия в музей"]
    r = await irina.post(f"{API}/materials/{a['id']}/verify", json={"verified": False})
    assert r.json()["verified"] is False


async def test_another_schools_material_does_not_exist(world: World) -> None:
    irina = await world.as_("admin")
    a = (await article(irina, world.org_id)).json()
    gym_id, natalia = await register_gymnasium(world)
    for method, path, body in (
            ("GET", f"/materials/{a['id']}", None), ("GET", f"/materials/{a['id']}/file", None),
            ("GET", f"/materials/{a['id']}/versions", None),
            ("POST", f"/materials/{a['id']}/verify", {"verified": True}),
            ("PATCH", f"/materials/{a['id']}", {"title": "Наше"}),
            ("DELETE", f"/materials/{a['id']}", None),
            ("GET", f"/orgs/{world.org_id}/library", None)):
        r = await natalia.request(method, API + path, json=body)
        assert (r.status_code, error_code(r)) == (404, "not_found"), path
    r = await natalia.get(f"{API}/orgs/{gym_id}/library", params={"q": "экскурсия"})
    assert r.status_code == 200 and r.json()["materials"] == []
    # Nor may a class of another school be a shelf of hers.
    g5a = await class_id(world, "5А")
    r = await article(natalia, gym_id, group_id=g5a)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    assert (await irina.get(f"{API}/materials/{a['id']}")).json()["title"] == "Экскурсия в музей"


async def test_folders_nest_move_without_cycles_and_go_with_confirmation(world: World) -> None:
    org = world.org_id
    anna, masha = await world.as_("teacher"), await world.as_("student")
    g5a = await class_id(world, "5А")

    async def folder(name: str, parent: int | None = None) -> dict[str, Any]:
        r = await anna.post(f"{API}/orgs/{org}/material-folders",
                            json={"name": name, "group_id": g5a, "parent_id": parent})
        assert r.status_code == 201, r.text
        return dict(r.json())

    term = await folder("1 четверть")
    maths = await folder("Математика", term["id"])
    tests_ = await folder("Контрольные", maths["id"])
    r = await anna.patch(f"{API}/material-folders/{term['id']}", json={"parent_id": tests_["id"]})
    assert (r.status_code, error_code(r)) == (409, "folder_cycle")
    r = await anna.patch(f"{API}/material-folders/{term['id']}", json={"parent_id": term["id"]})
    assert (r.status_code, error_code(r)) == (409, "folder_cycle")
    r = await masha.patch(f"{API}/material-folders/{term['id']}", json={"name": "Моя"})
    assert (r.status_code, error_code(r)) == (403, "may_not_publish")
    r = await anna.patch(f"{API}/material-folders/{tests_['id']}", json={"name": "Проверочные",
                                                                        "to_top": True})
    assert r.status_code == 200 and r.json()["parent_id"] is None
    assert r.json()["name"] == "Проверочные"
    r = await upload(anna, org, "Дроби.pdf", PDF, title="Дроби", group_id=g5a,
                     folder_id=maths["id"])
    assert r.status_code == 201, r.text
    lib = (await masha.get(f"{API}/orgs/{org}/library", params={"folder_id": maths["id"]})).json()
    assert [m["title"] for m in lib["materials"]] == ["Дроби"]
    assert [f["name"] for f in lib["path"]] == ["1 четверть"]
    top = (await masha.get(f"{API}/orgs/{org}/library", params={"group_id": g5a})).json()
    assert [f["name"] for f in top["folders"]] == ["1 четверть", "Проверочные"]
    r = await anna.delete(f"{API}/material-folders/{term['id']}")
    assert (r.status_code, error_code(r)) == (409, "folder_not_empty")
    assert "1" in r.json()["error"]["message"]
    assert await stored(world, Material) == 1
    r = await anna.delete(f"{API}/material-folders/{tests_['id']}")  # empty: goes
    assert r.status_code == 200
    async with world.services.sessionmaker() as db:
        keys = list((await db.execute(select(MaterialVersion.storage_key))).scalars())
    assert keys and all([await world.services.storage.exists(k) for k in keys if k])
    r = await anna.delete(f"{API}/material-folders/{term['id']}", params={"confirm": "true"})
    assert r.status_code == 200
    assert (await stored(world, Material), await stored(world, MaterialFolder)) == (0, 0)
    assert not any([await world.services.storage.exists(k) for k in keys if k])  # the files too


async def test_a_material_posted_into_a_chat_is_a_card_that_tells_outsiders_nothing(
        world: World) -> None:
    org = world.org_id
    anna, masha, elena = (await world.as_("teacher"), await world.as_("student"),
                          await world.as_("parent"))
    g5a = await class_id(world, "5А")
    chats = {c["title"]: c["id"] for c in (await anna.get(f"{API}/chats")).json()["chats"]}
    # For the parents only: the pupils of 5А do not read it.
    m = (await upload(anna, org, "Собрание.pdf", PDF, title="Итоги собрания", group_id=g5a,
                      for_students=False)).json()
    r = await anna.post(f"{API}/materials/{m['id']}/share", json={"chat_id": chats["5А — класс"]})
    assert r.status_code == 201, r.text
    msgs = (await masha.get(f"{API}/chats/{chats['5А — класс']}/messages")).json()["messages"]
    [card] = [x for x in msgs if x["kind"] == "material"]
    assert card["meta"] == {"material_id": m["id"]}
    assert "Итоги" not in card["body"]
    r = await masha.get(f"{API}/materials/{m['id']}")
    assert r.status_code == 404  # the card says «not available to you»
    r = await anna.post(f"{API}/materials/{m['id']}/share", json={"chat_id": chats["5А — родители"]})
    assert r.status_code == 201
    assert (await elena.get(f"{API}/materials/{m['id']}")).json()["title"] == "Итоги собрания"
    # Only into a chat one may post in, and only what one may read.
    r = await elena.post(f"{API}/materials/{m['id']}/share", json={"chat_id": chats["5А — класс"]})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = await masha.post(f"{API}/materials/{m['id']}/share", json={"chat_id": chats["5А — класс"]})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    async with world.services.sessionmaker() as db:
        n = (await db.execute(select(func.count()).select_from(Message).where(
            Message.kind == "material"))).scalar_one()
    assert n == 2


async def test_reading_the_library_writes_nothing(world: World) -> None:
    from tests.api.test_pure_reads import writes

    org = world.org_id
    irina, anna, elena = await world.as_("admin"), await world.as_("teacher"), await world.as_("parent")
    g5a = await class_id(world, "5А")
    a = (await article(irina, org)).json()
    p = (await upload(anna, org, "двор.jpg", photo_with_location(), title="Двор",
                      group_id=g5a)).json()
    with writes(world) as seen:
        for c in (irina, anna, elena):
            assert (await c.get(f"{API}/orgs/{org}/library")).status_code == 200
            assert (await c.get(f"{API}/orgs/{org}/library",
                                params={"group_id": g5a, "q": "двор"})).status_code == 200
            assert (await c.get(f"{API}/materials/{a['id']}")).status_code == 200
            assert (await c.get(f"{API}/materials/{a['id']}/article")).status_code == 200
            assert (await c.get(f"{API}/materials/{p['id']}/file",
                                headers={"Range": "bytes=0-9"})).status_code == 206
            assert (await c.get(f"{API}/materials/{p['id']}/thumb")).status_code == 200
        assert (await anna.get(f"{API}/materials/{p['id']}/versions")).status_code == 200
        assert (await anna.post(f"{API}/articles/preview", json={"body": "*a*"})).status_code == 200
    assert seen == []


async def test_narrowing_who_reads_a_material_tells_those_who_lose_it(world: World) -> None:
    """Анна makes a 5А worksheet for the pupils only: Елена, who read it, is told of the change
    (her page fetches it and finds it gone) and reads it no more; Маша still does."""
    org = world.org_id
    anna, elena, masha = await world.as_("teacher"), await world.as_("parent"), await world.as_("student")
    g5a = await class_id(world, "5А")
    m = (await upload(anna, org, "Лист.pdf", PDF, title="Рабочий лист", group_id=g5a)).json()
    assert (await elena.get(f"{API}/materials/{m['id']}")).status_code == 200
    world.events.clear()
    r = await anna.patch(f"{API}/materials/{m['id']}", json={"for_parents": False, "for_staff": False})
    assert r.status_code == 200 and (r.json()["for_parents"], r.json()["for_students"]) == (False, True)
    [ev] = world.events_of("material.changed")
    assert await world.user_id("parent") in ev.audience
    assert await world.user_id("student") in ev.audience
    assert (await elena.get(f"{API}/materials/{m['id']}")).status_code == 404
    assert await titles(elena, org, group_id=g5a) == []
    assert (await masha.get(f"{API}/materials/{m['id']}")).status_code == 200
    r = await anna.patch(f"{API}/materials/{m['id']}", json={"for_students": False})
    assert (r.status_code, r.json()["error"]["field_codes"]) == (422, {"for_staff": "no_audience"})
    assert (await masha.get(f"{API}/materials/{m['id']}")).status_code == 200  # nothing changed
