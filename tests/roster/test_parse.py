"""Reading roster files: the lyceum's OneRoster bundle and its XLSX template, and what is wrong
with the malformed ones, row by row, in Russian."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from parta.errors import ValidationFailed
from parta.roster import PersonKind, Roster, detect_kind, make_template, read_roster
from parta.roster.model import name_key, normalize_class, parse_date
from tests.roster.fixtures import SCHOOL, SCHOOL_V2, oneroster, xlsx, xlsx_rows


def by_key(roster: Roster) -> dict[str, object]:
    return {p.key: p for p in roster.people}


def summary(roster: Roster) -> dict[str, tuple[object, ...]]:
    """Each person by record id: kind, name, class, leads, teaches, children, phone, birth."""
    return {p.source_id or p.name: (p.kind.value, p.name, p.class_name, tuple(p.leads),
                                    tuple(sorted(p.teaches)), tuple(sorted(p.children)),
                                    p.phone, p.birth_date)
            for p in roster.people}


def expected(people: tuple) -> dict[str, tuple[object, ...]]:  # type: ignore[type-arg]
    return {p.sid: (p.kind, p.name, p.cls, (p.leads,) if p.leads else (),
                    tuple(sorted(p.teaches)), tuple(sorted(p.children)), p.phone,
                    date.fromisoformat(p.birth) if p.birth else None)
            for p in people}


# OneRoster -----------------------------------------------------------------------------------

def test_a_oneroster_zip_reads_every_person_with_classes_subjects_and_parents(tmp_path: Path) -> None:
    roster = read_roster(oneroster().write_zip(tmp_path / "licey7.zip"))
    assert roster.source == "oneroster" and roster.errors == [] and roster.complete
    assert summary(roster) == expected(SCHOOL)
    assert sorted(roster.classes) == ["5А", "5Б", "6А"]
    assert roster.classes["5А"].grade == 5 and roster.classes["5А"].letter == "А"
    assert roster.school_year == "2026/2027"
    kinds = {p.source_id: p.kind for p in roster.people}
    assert kinds["adm-1"] == PersonKind.administrator and kinds["stf-1"] == PersonKind.staff


def test_a_folder_reads_the_same_as_the_zip(tmp_path: Path) -> None:
    from_dir = read_roster(oneroster().write_dir(tmp_path / "bundle"))
    from_zip = read_roster(oneroster().zip_bytes())
    assert summary(from_dir) == summary(from_zip) == expected(SCHOOL)


def test_the_second_version_moves_a_student_and_drops_a_family(tmp_path: Path) -> None:
    roster = read_roster(oneroster(SCHOOL_V2).zip_bytes())
    people = summary(roster)
    assert people["stu-2"][2] == "5Б" and "stu-6" not in people and "par-5" not in people
    assert people["stu-7"][2] == "6А" and people["par-6"][5] == ("stu-7",)


def test_a_bundle_without_its_files_or_columns_is_refused_with_every_reason() -> None:
    bundle = oneroster()
    del bundle.files["enrollments"]
    bundle.files["users"][0][bundle.files["users"][0].index("givenName")] = "firstName"
    with pytest.raises(ValidationFailed) as refused:
        read_roster(bundle.zip_bytes())
    assert refused.value.code == "roster_unreadable"
    reasons = {(e["file"], e["column"], e["code"]) for e in refused.value.params["errors"]}
    assert reasons == {("enrollments.csv", "", "missing_file"),
                       ("users.csv", "givenName", "missing_column")}
    texts = [e["message_ru"] for e in refused.value.params["errors"]]
    assert "Нет обязательного столбца «givenName»." in texts


def test_a_bundle_without_a_manifest_is_refused() -> None:
    bundle = oneroster()
    del bundle.files["manifest"]
    with pytest.raises(ValidationFailed) as refused:
        read_roster(bundle.zip_bytes())
    assert [e["code"] for e in refused.value.params["errors"]] == ["missing_file"]


def test_malformed_rows_become_errors_and_their_people_are_left_out() -> None:
    b = oneroster()
    users = b.files["users"]
    col = {name: i for i, name in enumerate(users[0])}

    def user(sid: str) -> list[str]:
        return next(r for r in users if r[0] == sid)

    user("par-2")[col["sms"]] = "12345"  # bad phone
    user("stu-3")[col["familyName"]] = ""  # missing name
    user("par-4")[col["agentSourcedIds"]] = "stu-404"  # unknown child
    users.append(list(user("tch-3")))  # duplicate id
    demo = b.files["demographics"]
    next(r for r in demo if r[0] == "stu-5")[3] = "31.02.2013"  # bad date
    b.files["enrollments"].append(["en-x", "", "", "hr-7Я", "org-1", "stu-1", "student",
                                   "false", "", ""])  # unknown class
    roster = read_roster(b.zip_bytes())
    found = {(e.file, e.line, e.column, e.code) for e in roster.errors}
    users_line = {r[0]: i + 1 for i, r in enumerate(users)}
    assert found == {
        ("users.csv", users_line["par-2"], "sms", "bad_phone"),
        ("users.csv", users_line["stu-3"], "familyName", "missing_name"),
        ("users.csv", users_line["par-4"], "agentSourcedIds", "unknown_parent"),
        ("users.csv", len(users), "sourcedId", "duplicate_id"),
        ("demographics.csv", next(i + 1 for i, r in enumerate(demo) if r[0] == "stu-5"),
         "birthDate", "bad_date"),
        ("enrollments.csv", len(b.files["enrollments"]), "classSourcedId", "unknown_class"),
    }
    messages = {e.code: e.message_ru for e in roster.errors}
    assert messages["bad_phone"] == "Это не номер мобильного телефона: «12345»."
    assert messages["unknown_parent"] == "Ссылка на неизвестного человека «stu-404»."
    people = by_key(roster)
    assert {"par-2", "stu-3", "par-4", "stu-5", "stu-1"} & set(people) == set()
    assert {"par-2", "stu-3", "par-4", "stu-5", "stu-1"} <= roster.skipped
    assert "tch-3" in people  # the first row of a duplicated id stands
    # Иванова's link to Мария is gone with Мария; Иван remains her child.
    assert people["par-1"].children == ["stu-4"]  # type: ignore[attr-defined]


def test_a_delta_bundle_says_who_left_and_is_not_complete() -> None:
    b = oneroster()
    b.files["manifest"] = [r if r[0] != "file.users" else ["file.users", "delta"]
                           for r in b.files["manifest"]]
    users = b.files["users"]
    next(r for r in users if r[0] == "stu-6")[1] = "tobedeleted"
    roster = read_roster(b.zip_bytes())
    assert not roster.complete and roster.departed == {"stu-6"}
    assert "stu-6" not in by_key(roster)


def test_a_student_in_two_homerooms_is_an_error() -> None:
    b = oneroster()
    b.files["enrollments"].append(["en-y", "", "", "hr-5Б", "org-1", "stu-1", "student",
                                   "false", "", ""])
    roster = read_roster(b.zip_bytes())
    assert [(e.column, e.code, e.value) for e in roster.errors] == [
        ("classSourcedId", "two_classes", "5Б")]


def test_a_cp1251_export_reads_too() -> None:
    b = oneroster()
    data = b.zip_bytes()
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            z.writestr(name, src.read(name).decode("utf-8").encode("cp1251"))
    assert summary(read_roster(out.getvalue())) == expected(SCHOOL)


# XLSX ----------------------------------------------------------------------------------------

def test_the_filled_template_reads_the_same_school() -> None:
    roster = read_roster(xlsx())
    assert roster.source == "xlsx" and roster.errors == []
    assert summary(roster) == expected(SCHOOL)


def test_a_gradebook_export_with_a_title_row_and_separate_name_columns_reads() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ученики"
    sheet.append(["Список учащихся на 01.09.2026"])
    sheet.append(["№", "Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Роль"])
    sheet.append([1, "Иванова", "Мария", "Петровна", date(2014, 3, 14), "5 а", "Ученица"])
    sheet.append([2, "Соколов", "Пётр", "", "21.11.2014", "5-А", "обучающийся"])
    out = io.BytesIO()
    book.save(out)
    roster = read_roster(out.getvalue())
    assert roster.errors == []
    assert [(p.name, p.class_name, p.birth_date, p.kind.value) for p in roster.people] == [
        ("Мария Петровна Иванова", "5А", date(2014, 3, 14), "student"),
        ("Пётр Соколов", "5А", date(2014, 11, 21), "student")]
    assert roster.people[0].line == 3


def test_malformed_template_rows_are_reported_by_line_and_column() -> None:
    rows = xlsx_rows()
    header_offset = 2  # row 1 is the header; data starts on line 2
    index = {r[-1]: i for i, r in enumerate(rows)}
    rows[index["par-2"]][4] = "8 800 12"  # bad phone
    rows[index["stu-3"]][0] = "Ёлкина"  # no first name
    rows[index["stu-5"]][1] = "31.02.2013"  # no such date
    rows[index["stu-4"]][3] = "пятый Б"  # not a class
    rows[index["par-4"]][6] = "Петров Артур (5Б)"  # no such child
    rows[index["tch-3"]][2] = "завхоз"  # unknown role
    rows.append(list(rows[index["tch-2"]]))  # the same id again
    rows.append(["Семёнова Ирина", "", "учитель", "", "", "", "", "7Я: Химия", "tch-9"])
    roster = read_roster(xlsx(rows))
    found = {(e.file, e.line, e.column, e.code) for e in roster.errors}
    line = {sid: i + header_offset for sid, i in index.items()}
    assert found == {
        ("Список", line["par-2"], "Телефон", "bad_phone"),
        ("Список", line["stu-3"], "ФИО", "missing_name"),
        ("Список", line["stu-5"], "Дата рождения", "bad_date"),
        ("Список", line["stu-4"], "Класс", "bad_class"),
        ("Список", line["par-4"], "Родитель для", "unknown_child"),
        ("Список", line["tch-3"], "Роль", "bad_role"),
        ("Список", len(rows), "Идентификатор", "duplicate_id"),
    }
    # «7Я» is a well-formed name: whether the school has it is for the plan to say.
    assert by_key(roster)["tch-9"].teaches == [("7Я", "Химия")]  # type: ignore[attr-defined]
    # Иванова's other child (Иван, whose class was unreadable) is not linked; Мария is.
    assert by_key(roster)["par-1"].children == ["stu-1"]  # type: ignore[attr-defined]
    messages = {e.code: e.message_ru for e in roster.errors}
    assert messages["bad_class"] == ("«пятый Б» не похоже на название класса "
                                     "(например, «5А» или «АПК-21»).")


def test_a_role_worded_otherwise_keeps_the_word_so_the_preview_shows_the_mapping() -> None:
    """«Директор» becomes our «Администрация» and «психолог» a staff member — said, not silent
    (issue 14); the word that is our own role's name needs no note; an unknown word is an error."""
    rows = xlsx_rows()
    index = {r[-1]: i for i, r in enumerate(rows)}
    rows[index["adm-1"]][2] = "Директор"
    rows[index["tch-3"]][2] = "директор школы"
    roster = read_roster(xlsx(rows))
    people = by_key(roster)
    director = people["adm-1"]
    assert (director.kind.value, director.role_text) == ("administrator", "Директор")  # type: ignore[attr-defined]
    assert people["stu-1"].role_text == ""  # type: ignore[attr-defined]  # «ученик» is our word
    assert [(e.column, e.code, e.value) for e in roster.errors] == [
        ("Роль", "bad_role", "директор школы")]
    assert "tch-3" not in people


def test_an_ambiguous_child_needs_the_class() -> None:
    rows = [["Иванов Иван", "", "ученик", "5А", "", "", "", "", ""],
            ["Иванов Иван", "", "ученик", "6Б", "", "", "", "", ""],
            ["Иванова Анна", "", "родитель", "", "", "", "Иванов Иван", "", ""],
            ["Иванов Пётр", "", "родитель", "", "", "", "Иванов Иван (6Б)", "", ""]]
    roster = read_roster(xlsx(rows))
    assert [(e.line, e.code) for e in roster.errors] == [(4, "ambiguous_child")]
    father = next(p for p in roster.people if p.first_name == "Пётр")
    six_b = next(p for p in roster.people if p.class_name == "6Б")
    assert father.children == [six_b.key]


def test_a_phone_given_to_two_people_is_an_error_on_the_second() -> None:
    rows = [["Иванова Мария", "", "ученик", "5А", "+7 910 555-00-21", "", "", "", ""],
            ["Иванова Елена", "", "родитель", "", "89105550021", "", "Иванова Мария", "", ""]]
    roster = read_roster(xlsx(rows))
    assert [(e.line, e.column, e.code) for e in roster.errors] == [(3, "Телефон", "duplicate_phone")]
    assert [p.first_name for p in roster.people] == ["Мария"]


def test_the_template_has_its_header_instructions_and_an_example_that_is_not_imported() -> None:
    data = make_template()
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Список", "Инструкция", "Пример"]
    header = [c.value for c in book["Список"][1]]
    assert header == ["ФИО", "Дата рождения", "Роль", "Класс", "Телефон", "Эл. почта",
                      "Родитель для", "Предметы", "Идентификатор"]
    assert book["Список"].max_row == 1
    help_text = " ".join(str(c.value) for row in book["Инструкция"].iter_rows() for c in row
                         if c.value)
    assert "Одна строка — один человек" in help_text
    with pytest.raises(ValidationFailed) as refused:  # nobody in it: nothing to import
        read_roster(data)
    assert refused.value.code == "roster_empty"
    example = read_roster(_only_example(data))
    assert example.errors == [] and len(example.people) == 7
    mother = next(p for p in example.people if p.kind == PersonKind.parent)
    assert len(mother.children) == 2


def _only_example(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    del book["Список"]
    book["Пример"].title = "Список"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Files by their content ------------------------------------------------------------------------

def test_files_are_told_apart_by_their_bytes() -> None:
    assert detect_kind(xlsx()) == "xlsx"
    assert detect_kind(oneroster().zip_bytes()) == "oneroster"
    for data, code in ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "roster_xls"),
                       (b"sourcedId,givenName\n1,A\n", "roster_unsupported"),
                       (b"%PDF-1.7", "roster_unsupported")):
        with pytest.raises(ValidationFailed) as refused:
            read_roster(data)
        assert refused.value.code == code
    with pytest.raises(ValidationFailed) as refused:
        read_roster(b"PK\x03\x04 broken zip")
    assert refused.value.code == "roster_unsupported"


# Normalization --------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "name"), [
    ("5А", "5А"), ("5 а", "5А"), ("5-А", "5А"), ("11б", "11Б"), ("1", "1"), ("АПК-21", "АПК-21"),
    ("пятый", None), ("", None), ("99А", None)])
def test_class_names_are_normalized(raw: str, name: str | None) -> None:
    assert normalize_class(raw) == name


def test_names_match_whatever_the_order_and_the_letter_yo() -> None:
    assert name_key("Ёлкина", "Алёна", "Сергеевна") == name_key("Алена Сергеевна Елкина")


def test_birth_dates_must_be_believable() -> None:
    assert parse_date("14.03.2014") == date(2014, 3, 14) == parse_date("2014-03-14")
    for bad in ("31.02.2014", "14.03.2999", "1800-01-01", "вчера"):
        with pytest.raises(ValueError):
            parse_date(bad)
