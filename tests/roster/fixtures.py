"""Real roster files for the tests: a small lyceum's OneRoster 1.2 bundle and its XLSX template,
made from one description, in a first and a second version, and with malformed rows.

«Лицей № 7»: classes 5А, 5Б, 6А. Елена Викторовна Иванова is the mother of Мария (5А) and Иван
(5Б). Between the two versions Пётр Соколов moves from 5А to 5Б, Дарья Сидорова leaves (and so
does her father), and Ксения Новикова arrives in 6А.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["SCHOOL", "SCHOOL_V2", "Person", "big_school", "oneroster", "xlsx"]


@dataclass(frozen=True)
class Person:
    sid: str
    kind: str  # student | teacher | parent | administrator | staff
    last: str
    first: str
    middle: str = ""
    birth: str = ""  # ISO
    phone: str = ""
    email: str = ""
    cls: str = ""  # a student's class
    leads: str = ""  # the class a teacher leads
    teaches: tuple[tuple[str, str], ...] = ()  # (class, subject)
    children: tuple[str, ...] = ()  # sids of a parent's children

    @property
    def fio(self) -> str:
        return " ".join(p for p in (self.last, self.first, self.middle) if p)

    @property
    def name(self) -> str:
        """As the platform shows it."""
        return " ".join(p for p in (self.first, self.middle, self.last) if p)


SCHOOL: tuple[Person, ...] = (
    Person("adm-1", "administrator", "Смирнова", "Ирина", "Петровна", phone="+79105550001",
           email="smirnova@licey7.example"),
    Person("tch-1", "teacher", "Волкова", "Анна", "Сергеевна", phone="+79105550002",
           leads="5А", teaches=(("5А", "Русский язык"), ("5Б", "Русский язык"))),
    Person("tch-2", "teacher", "Лебедев", "Олег", "Викторович", phone="+79105550003",
           leads="6А", teaches=(("5А", "Математика"), ("5Б", "Математика"), ("6А", "Математика"))),
    Person("tch-3", "teacher", "Кузнецова", "Ольга", "Игоревна", phone="+79105550004",
           leads="5Б", teaches=(("5Б", "Английский язык"),)),
    Person("stf-1", "staff", "Морозова", "Татьяна", "Юрьевна", phone="+79105550005"),
    Person("stu-1", "student", "Иванова", "Мария", "Петровна", "2014-03-14", cls="5А"),
    Person("stu-2", "student", "Соколов", "Пётр", "Андреевич", "2014-11-21",
           phone="+79105550012", cls="5А"),
    Person("stu-3", "student", "Ёлкина", "Алёна", "Сергеевна", "2014-06-02", cls="5А"),
    Person("stu-4", "student", "Иванов", "Иван", "Петрович", "2013-09-02", cls="5Б"),
    Person("stu-5", "student", "Петров", "Артём", "Ильич", "2013-12-30", cls="5Б"),
    Person("stu-6", "student", "Сидорова", "Дарья", "Олеговна", "2012-05-17", cls="6А"),
    Person("par-1", "parent", "Иванова", "Елена", "Викторовна", phone="+79105550021",
           email="ivanova@mail.example", children=("stu-1", "stu-4")),
    Person("par-2", "parent", "Соколов", "Андрей", "Павлович", phone="+79105550022",
           children=("stu-2",)),
    Person("par-3", "parent", "Ёлкин", "Сергей", "Николаевич", phone="+79105550023",
           children=("stu-3",)),
    Person("par-4", "parent", "Петрова", "Наталья", "Ивановна", phone="+79105550024",
           children=("stu-5",)),
    Person("par-5", "parent", "Сидоров", "Олег", "Романович", phone="+79105550025",
           children=("stu-6",)),
)


def _v2() -> tuple[Person, ...]:
    people = [replace(p, cls="5Б") if p.sid == "stu-2" else p
              for p in SCHOOL if p.sid not in ("stu-6", "par-5")]
    people.append(Person("stu-7", "student", "Новикова", "Ксения", "Дмитриевна", "2012-08-08",
                         cls="6А"))
    people.append(Person("par-6", "parent", "Новикова", "Вера", "Андреевна",
                         phone="+79105550026", children=("stu-7",)))
    return tuple(people)


SCHOOL_V2 = _v2()


# OneRoster 1.2 CSV -----------------------------------------------------------------------------

ROLE = {"student": "student", "teacher": "teacher", "parent": "parent",
        "administrator": "principal", "staff": "counselor"}


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@dataclass
class Bundle:
    """The CSV files of a bundle by name; tests break them before writing."""

    files: dict[str, list[list[str]]] = field(default_factory=dict)

    def write_zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, rows in self.files.items():
                z.writestr(f"{name}.csv", _csv(rows))
        return path

    def write_dir(self, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        for name, rows in self.files.items():
            (path / f"{name}.csv").write_bytes(_csv(rows))
        return path

    def zip_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, rows in self.files.items():
                z.writestr(f"{name}.csv", _csv(rows))
        return buf.getvalue()


def oneroster(people: tuple[Person, ...] = SCHOOL) -> Bundle:
    """A OneRoster 1.2 bulk bundle: homeroom classes for classes, scheduled ones for subjects."""
    school = "org-1"
    classes = sorted({p.cls for p in people if p.cls} | {p.leads for p in people if p.leads}
                     | {c for p in people for c, _ in p.teaches})
    subjects = sorted({s for p in people for _, s in p.teaches})
    course_id = {s: f"crs-{i + 1}" for i, s in enumerate(subjects)}
    homeroom_id = {c: f"hr-{c}" for c in classes}
    section_id = {(c, s): f"sec-{c}-{course_id[s]}" for p in people for c, s in p.teaches}
    b = Bundle()
    b.files["manifest"] = [["propertyName", "value"], ["manifest.version", "1.0"],
                           ["oneroster.version", "1.2"]] + [
        [f"file.{n}", "bulk"] for n in ("academicSessions", "classes", "courses", "demographics",
                                        "enrollments", "orgs", "roles", "users")] + [
        ["file.categories", "absent"], ["source.systemName", "Электронный журнал"]]
    b.files["orgs"] = [["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                        "parentSourcedId"], [school, "", "", "Лицей № 7", "school", "7", ""]]
    b.files["academicSessions"] = [
        ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
         "parentSourcedId", "schoolYear"],
        ["y-1", "", "", "2026/2027", "schoolYear", "2026-09-01", "2027-08-31", "", "2027"],
        ["y-0", "", "", "2025/2026", "schoolYear", "2025-09-01", "2026-08-31", "", "2026"]]
    b.files["courses"] = [["sourcedId", "status", "dateLastModified", "schoolYearSourcedId",
                           "title", "courseCode", "grades", "orgSourcedId", "subjects",
                           "subjectCodes"], ["crs-hr", "", "", "y-1", "Классный час", "", "", school,
                                             "", ""]] + [
        [course_id[s], "", "", "y-1", s, "", "", school, s, ""] for s in subjects]
    b.files["classes"] = [["sourcedId", "status", "dateLastModified", "title", "grades",
                           "courseSourcedId", "classCode", "classType", "location",
                           "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes",
                           "periods"]] + [
        [homeroom_id[c], "", "", c, "", "crs-hr", c, "homeroom", "", school, "y-1", "", "", ""]
        for c in classes] + [
        [sid, "", "", f"{s} {c}", "", course_id[s], "", "scheduled", "", school, "y-1", s, "", ""]
        for (c, s), sid in section_id.items()]
    parents_of: dict[str, list[str]] = {}
    for p in people:
        for child in p.children:
            parents_of.setdefault(child, []).append(p.sid)
    b.files["users"] = [["sourcedId", "status", "dateLastModified", "enabledUser", "username",
                         "userIds", "givenName", "familyName", "middleName", "identifier", "email",
                         "sms", "phone", "agentSourcedIds", "grades", "password",
                         "userMasterIdentifier", "preferredGivenName", "preferredMiddleName",
                         "preferredFamilyName", "primaryOrgSourcedId", "pronouns"]] + [
        [p.sid, "", "", "true", p.sid, "", p.first, p.last, p.middle, "", p.email, p.phone, "",
         ",".join(p.children or parents_of.get(p.sid, [])), "", "", "", "", "", "", school, ""]
        for p in people]
    b.files["roles"] = [["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType",
                         "role", "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"]] + [
        [f"role-{p.sid}", "", "", p.sid, "primary", ROLE[p.kind], "", "", school, ""]
        for p in people]
    b.files["demographics"] = [["sourcedId", "status", "dateLastModified", "birthDate", "sex"]] + [
        [p.sid, "", "", p.birth, ""] for p in people if p.birth]
    enrollments = [["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
                    "userSourcedId", "role", "primary", "beginDate", "endDate"]]
    for p in people:
        if p.cls:
            enrollments.append([f"en-{p.sid}-hr", "", "", homeroom_id[p.cls], school, p.sid,
                                "student", "false", "", ""])
            for (c, s), sid in section_id.items():
                if c == p.cls:
                    enrollments.append([f"en-{p.sid}-{sid}", "", "", sid, school, p.sid,
                                        "student", "false", "", ""])
        if p.leads:
            enrollments.append([f"en-{p.sid}-hr", "", "", homeroom_id[p.leads], school, p.sid,
                                "teacher", "true", "", ""])
        for c, s in p.teaches:
            enrollments.append([f"en-{p.sid}-{section_id[(c, s)]}", "", "", section_id[(c, s)],
                                school, p.sid, "teacher", "true", "", ""])
    b.files["enrollments"] = enrollments
    return b


# The XLSX template ----------------------------------------------------------------------------

KIND_WORD = {"student": "ученик", "teacher": "учитель", "parent": "родитель",
             "administrator": "администрация", "staff": "психолог"}


def xlsx_rows(people: tuple[Person, ...] = SCHOOL) -> list[list[object]]:
    """The rows of the template's «Список» sheet (without the header), as a school fills it."""
    by_sid = {p.sid: p for p in people}
    same_name: dict[tuple[str, str], int] = {}
    for p in people:
        same_name[(p.fio, p.cls)] = same_name.get((p.fio, p.cls), 0) + 1

    def child(sid: str) -> str:
        """A child by name and class, or by id where two in a class share a name."""
        c = by_sid[sid]
        return sid if same_name[(c.fio, c.cls)] > 1 else f"{c.fio} ({c.cls})"

    rows: list[list[object]] = []
    for p in people:
        birth = ".".join(reversed(p.birth.split("-"))) if p.birth else ""
        teaches: dict[str, list[str]] = {}
        for c, s in p.teaches:
            teaches.setdefault(c, []).append(s)
        rows.append([
            p.fio, birth, KIND_WORD[p.kind], p.cls or p.leads,
            p.phone.replace("+7", "8 ", 1) if p.phone else "", p.email,
            "; ".join(child(c) for c in p.children),
            "; ".join(f"{c}: {', '.join(s)}" for c, s in teaches.items()), p.sid])
    return rows


def xlsx(rows: list[list[object]] | None = None, *, title_row: bool = False) -> bytes:
    """A workbook made from the template with ``rows`` filled into «Список»."""
    from openpyxl import load_workbook

    from parta.roster.xlsx import make_template

    book = load_workbook(io.BytesIO(make_template()))
    sheet = book["Список"]
    if title_row:
        sheet.insert_rows(1)
        sheet["A1"] = "Выгрузка из электронного журнала, Лицей № 7"
    for row in rows if rows is not None else xlsx_rows():
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A big school for the benchmark -------------------------------------------------------------

SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
            "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
            "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев")
FIRST_M = ("Александр", "Максим", "Иван", "Артём", "Дмитрий", "Никита", "Михаил", "Егор",
           "Андрей", "Илья")
FIRST_F = ("Анастасия", "Мария", "Дарья", "Анна", "Елизавета", "Полина", "Виктория",
           "Екатерина", "Софья", "Алиса")
PATRONYMIC_M = ("Александрович", "Сергеевич", "Дмитриевич", "Андреевич", "Алексеевич")
PATRONYMIC_F = ("Александровна", "Сергеевна", "Дмитриевна", "Андреевна", "Алексеевна")
SUBJECTS = ("Математика", "Русский язык", "Литература", "Английский язык", "История",
            "Биология", "Физика", "География")


def _name(n: int) -> tuple[str, str, str]:
    female = n % 2 == 1
    last = SURNAMES[n % len(SURNAMES)] + ("а" if female else "")
    first = (FIRST_F if female else FIRST_M)[(n // 2) % 10]
    middle = (PATRONYMIC_F if female else PATRONYMIC_M)[(n // 20) % 5]
    return last, first, middle


def big_school(people_count: int = 5000, class_size: int = 28) -> tuple[Person, ...]:
    """About ``people_count`` people: students in classes of ``class_size``, a parent for each
    student (some with two children), a class teacher per class and subject teachers."""
    letters = "АБВГДЕЖИКЛМН"
    per_student = 1 + 1 + 0.05  # the student, a parent, and a few teachers
    students = int(people_count / per_student)
    n_classes = max(1, students // class_size)
    per_grade = -(-n_classes // 11)
    classes = [f"{1 + i // per_grade}{letters[i % per_grade]}" for i in range(n_classes)]
    people: list[Person] = []
    teachers: list[Person] = []
    n_teachers = max(len(classes), people_count - students * 2 - 1)
    by_subject = {k: [t for t in range(n_teachers) if t % len(SUBJECTS) == k]
                  for k in range(len(SUBJECTS))}
    for t in range(n_teachers):
        last, first, middle = _name(10_000 + t)
        k = t % len(SUBJECTS)
        mine = by_subject[k]
        teaches = tuple((c, SUBJECTS[k]) for i, c in enumerate(classes)
                        if mine[i % len(mine)] == t)
        teachers.append(Person(f"t{t}", "teacher", last, first, middle, phone=f"+7916{t:07d}",
                               leads=classes[t] if t < len(classes) else "", teaches=teaches))
    people.extend(teachers)
    kids: list[Person] = []
    for s in range(students):
        last, first, middle = _name(s)
        kids.append(Person(f"s{s}", "student", last, first, middle,
                           f"{2010 + s % 7}-{1 + s % 12:02d}-{1 + s % 28:02d}",
                           cls=classes[min(s // class_size, len(classes) - 1)]))
    people.extend(kids)
    parents = 0
    s = 0
    while s < students and len(people) < people_count:
        last, first, middle = _name(50_000 + parents)
        two = s % 20 == 0 and s + 1 < students  # every twentieth family has two children
        children = (f"s{s}", f"s{s + 1}") if two else (f"s{s}",)
        people.append(Person(f"p{parents}", "parent", last, first, middle,
                             phone=f"+7926{parents:07d}", children=children))
        parents += 1
        s += 2 if two else 1
    return tuple(people)
