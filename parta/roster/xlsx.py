"""The Russian XLSX template: one row per person, filled from the gradebook's export.

Columns (by their header, in any order; the header may sit below a title row):

    ФИО | Дата рождения | Роль | Класс | Телефон | Эл. почта | Родитель для | Предметы | Идентификатор

«Фамилия», «Имя», «Отчество» in three columns instead of «ФИО» are fine too. See
``docs/roster.md`` and the «Инструкция» sheet of :func:`make_template` for what goes where.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from typing import Any

from parta.errors import ValidationFailed
from parta.roster.model import (
    PersonKind,
    Roster,
    RosterPerson,
    RowError,
    clean,
    name_key,
    normalize_class,
    parse_date,
    parse_email,
    parse_phone,
)

__all__ = ["COLUMNS", "ROLE_WORDS", "make_template", "read_xlsx"]

DATA_SHEET = "Список"
EXAMPLE_SHEET = "Пример"
HELP_SHEET = "Инструкция"
MAX_ROWS = 50_000

# The template's columns: (header, what goes there).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("ФИО", "Фамилия, имя и отчество полностью: «Иванова Мария Петровна». Обязательно."),
    ("Дата рождения", ("ДД.ММ.ГГГГ. Для учеников желательно: по ней узнаём человека при "
                      "повторной загрузке.")),
    ("Роль", ("ученик, учитель, родитель, администрация или сотрудник (психолог, библиотекарь, "
             "тьютор). Обязательно.")),
    ("Класс", ("Для ученика — его класс («5А», «10Б», «АПК-21»). Для учителя — класс, где он "
              "классный руководитель. Для родителя не заполняется.")),
    ("Телефон", "Мобильный: +7 900 123-45-67 или 8 900 123-45-67. По нему человек входит в Парту."),
    ("Эл. почта", "Необязательно."),
    ("Родитель для", ("Для родителя: ФИО ребёнка и класс в скобках — «Иванова Мария Петровна "
                     "(5А)». Несколько детей — через точку с запятой.")),
    ("Предметы", ("Для учителя: класс и предметы через двоеточие, классы через точку с запятой — "
                 "«5А: Математика, Геометрия; 6Б: Физика».")),
    ("Идентификатор", ("Необязательно: номер человека в электронном журнале. Если он есть, "
                      "повторная загрузка узнаёт человека по нему.")),
)

_HEADERS: dict[str, str] = {
    "фио": "fio", "ф и о": "fio", "фамилия имя отчество": "fio", "фамилия имя": "fio",
    "фамилия": "last", "имя": "first", "отчество": "middle",
    "дата рождения": "birth", "др": "birth",
    "роль": "role", "категория": "role",
    "класс": "class", "класс группа": "class", "группа": "class",
    "телефон": "phone", "мобильный телефон": "phone", "телефон мобильный": "phone",
    "эл почта": "email", "e mail": "email", "email": "email", "электронная почта": "email",
    "почта": "email",
    "родитель для": "parent_of", "чей родитель": "parent_of", "дети": "parent_of",
    "предметы": "subjects", "преподаваемые предметы": "subjects",
    "предметы по классам": "subjects",
    "классное руководство": "leads",
    "идентификатор": "source_id", "id": "source_id", "код": "source_id",
}

ROLE_WORDS: dict[PersonKind, tuple[str, ...]] = {
    PersonKind.student: ("ученик", "ученица", "обучающийся", "обучающаяся", "учащийся",
                         "учащаяся", "студент", "студентка", "воспитанник", "воспитанница"),
    PersonKind.teacher: ("учитель", "преподаватель", "педагог", "воспитатель",
                         "классный руководитель", "педагог дополнительного образования",
                         "мастер производственного обучения"),
    PersonKind.parent: ("родитель", "мать", "отец", "мама", "папа", "законный представитель",
                        "опекун", "попечитель"),
    PersonKind.administrator: ("администрация", "директор", "заместитель директора", "завуч",
                               "администратор"),
    PersonKind.staff: ("сотрудник", "психолог", "педагог-психолог", "социальный педагог",
                       "логопед", "дефектолог", "библиотекарь", "тьютор", "методист"),
}
_ROLES = {word: kind for kind, words in ROLE_WORDS.items() for word in words}


def _norm(text: Any) -> str:
    words = re.sub(r"[.:*()«»\"_,\-]+", " ", clean(text).lower().replace("ё", "е"))
    return " ".join(words.split())


def _header(row: tuple[Any, ...]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        name = _HEADERS.get(_norm(cell))
        if name and name not in found:
            found[name] = i
    has_name = "fio" in found or ("last" in found and "first" in found)
    return found if has_name and "role" in found else None


def _split_fio(text: str) -> tuple[str, str, str]:
    words = text.split()
    if len(words) < 2:
        return (words[0] if words else "", "", "")
    return words[0], words[1], " ".join(words[2:])  # «Алиев Мамед Али оглы»


def _parse_subjects(text: str) -> list[tuple[str, str]] | None:
    """«5А: Математика, Геометрия; 6Б: Физика» or «Математика: 5А, 5Б» → (class, subject)."""
    pairs: list[tuple[str, str]] = []
    for part in re.split(r"[;\n]+", text):
        if not part.strip():
            continue
        if ":" not in part:
            return None
        left, right = (clean(p) for p in part.split(":", 1))
        items = [clean(i) for i in right.split(",") if clean(i)]
        if not items:
            return None
        as_class = normalize_class(left)
        if as_class is not None:
            pairs.extend((as_class, s[:100]) for s in items)
            continue
        classes = [normalize_class(i) for i in items]
        if all(classes):
            pairs.extend((str(c), left[:100]) for c in classes)
            continue
        return None
    return pairs


_CHILD = re.compile(r"^(?P<name>[^()]+?)\s*(?:\((?P<cls>[^)]*)\))?$")


def read_xlsx(data: bytes, region: str = "RU") -> Roster:
    """Read a filled template; refuses (``roster_unreadable``) a workbook with no usable sheet."""
    from openpyxl import load_workbook  # imported on use: the server starts without it loaded

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationFailed("roster_unsupported", fields={"file": "roster_unsupported"}) from None
    try:
        names = [n for n in book.sheetnames if n not in (HELP_SHEET, EXAMPLE_SHEET)]
        names.sort(key=lambda n: n != DATA_SHEET)
        for sheet_name in names:
            rows = book[sheet_name].iter_rows(values_only=True)
            for line, row in enumerate(rows, start=1):
                header = _header(row)
                if header is not None:
                    return _Reader(sheet_name, header, region).read(rows, line)
                if line >= 10:
                    break
    finally:
        book.close()
    error = RowError.of(DATA_SHEET, 1, "ФИО", "missing_header")
    raise ValidationFailed("roster_unreadable", fields={"file": "roster_unreadable"},
                           params={"errors": [error.as_dict()]})


class _Reader:
    def __init__(self, sheet: str, header: dict[str, int], region: str) -> None:
        self.sheet, self.cols, self.region = sheet, header, region
        self.roster = Roster(source="xlsx")
        self.row_name = ""
        self.parent_refs: list[tuple[RosterPerson, str]] = []
        self.broken: list[set[str]] = []  # the names of rows with errors, as word sets

    def cell(self, row: tuple[Any, ...], name: str) -> Any:
        i = self.cols.get(name)
        return row[i] if i is not None and i < len(row) else None

    def column(self, name: str) -> str:
        return {"fio": "ФИО", "last": "Фамилия", "first": "Имя", "middle": "Отчество",
                "birth": "Дата рождения", "role": "Роль", "class": "Класс", "phone": "Телефон",
                "email": "Эл. почта", "parent_of": "Родитель для", "subjects": "Предметы",
                "leads": "Классное руководство", "source_id": "Идентификатор"}[name]

    def error(self, line: int, name: str, code: str, value: Any = "",
              key: str | None = None) -> None:
        self.roster.errors.append(RowError.of(self.sheet, line, self.column(name), code,
                                              clean(value)))
        if key:
            self.roster.skipped.add(key)
            if self.row_name:
                self.broken.append(set(self.row_name.split()))

    def read(self, rows: Any, header_line: int) -> Roster:
        ids: set[str] = set()
        for line, row in enumerate(rows, start=header_line + 1):
            if line - header_line > MAX_ROWS:
                self.error(line, "fio", "too_many_rows")
                break
            if not any(clean(v) for v in row):
                continue
            self.row_name = ""
            person = self.person(line, row, ids)
            if person is not None:
                self.roster.people.append(person)
        self.link_parents()
        self.roster.people = [p for p in self.roster.people if p.key not in self.roster.skipped]
        return self.roster

    def person(self, line: int, row: tuple[Any, ...], ids: set[str]) -> RosterPerson | None:
        sid = clean(self.cell(row, "source_id"))
        key = sid or f"{self.sheet}:{line}"
        if sid:
            if sid in ids:
                self.error(line, "source_id", "duplicate_id", sid)
                return None
            ids.add(sid)
        if "fio" in self.cols:
            last, first, middle = _split_fio(clean(self.cell(row, "fio")))
            name_col = "fio"
        else:
            last, first = clean(self.cell(row, "last")), clean(self.cell(row, "first"))
            middle, name_col = clean(self.cell(row, "middle")), "last"
        self.row_name = name_key(last, first, middle)
        if not last or not first:
            self.error(line, name_col, "missing_name", key=key)
            return None
        role_text = _norm(self.cell(row, "role"))
        kind = _ROLES.get(role_text)
        if kind is None:
            self.error(line, "role", "missing_role" if not role_text else "bad_role",
                       self.cell(row, "role"), key=key)
            return None
        p = RosterPerson(key=key, source_id=sid, kind=kind, last_name=last, first_name=first,
                         middle_name=middle, file=self.sheet, line=line,
                         role_text="" if role_text == ROLE_WORDS[kind][0] else clean(self.cell(row, "role")))
        try:
            p.birth_date = parse_date(self.cell(row, "birth"))
        except ValueError:
            self.error(line, "birth", "bad_date", self.cell(row, "birth"), key=key)
            return None
        try:
            p.phone = parse_phone(self.cell(row, "phone"), self.region)
        except ValueError:
            self.error(line, "phone", "bad_phone", self.cell(row, "phone"), key=key)
            return None
        try:
            p.email = parse_email(self.cell(row, "email"))
        except ValueError:
            self.error(line, "email", "bad_email", self.cell(row, "email"), key=key)
            return None
        if not self.classes(line, row, p):
            return None
        ref = clean(self.cell(row, "parent_of"))
        if ref:
            if kind in (PersonKind.student,):
                self.error(line, "parent_of", "bad_agent", ref, key=key)
                return None
            self.parent_refs.append((p, ref))
        return p

    def classes(self, line: int, row: tuple[Any, ...], p: RosterPerson) -> bool:
        raw_class = clean(self.cell(row, "class"))
        raw_leads = clean(self.cell(row, "leads"))
        if p.kind == PersonKind.student:
            if not raw_class:
                self.error(line, "class", "missing_class", key=p.key)
                return False
            name = normalize_class(raw_class)
            if name is None:
                self.error(line, "class", "bad_class", raw_class, key=p.key)
                return False
            p.class_name = name
            self.roster.add_class(name)
        elif p.kind in (PersonKind.teacher, PersonKind.administrator, PersonKind.staff):
            for col, text in (("class", raw_class), ("leads", raw_leads)):
                for part in filter(None, (clean(x) for x in re.split(r"[;,]", text))):
                    name = normalize_class(part)
                    if name is None:
                        self.error(line, col, "bad_class", part, key=p.key)
                        return False
                    if name not in p.leads:
                        p.leads.append(name)
        subjects = clean(self.cell(row, "subjects"))
        if subjects:
            if p.kind in (PersonKind.student, PersonKind.parent):
                self.error(line, "subjects", "bad_subjects", subjects, key=p.key)
                return False
            pairs = _parse_subjects(subjects)
            if pairs is None:
                self.error(line, "subjects", "bad_subjects", subjects, key=p.key)
                return False
            p.teaches = list(dict.fromkeys(pairs))
        return True

    def link_parents(self) -> None:
        students = [p for p in self.roster.people if p.kind == PersonKind.student]
        by_id = {p.source_id: p for p in students if p.source_id}
        by_word: dict[str, list[RosterPerson]] = defaultdict(list)
        for s in students:
            for w in set(s.name_key.split()):
                by_word[w].append(s)
        for parent, text in self.parent_refs:
            for ref in filter(None, (clean(x) for x in re.split(r"[;\n]+", text))):
                child = by_id.get(ref) or self._child_by_name(ref, by_word, parent)
                if child is None:
                    if parent.key in self.roster.skipped:
                        break
                    continue
                if child.key in self.roster.skipped:
                    continue
                if child.key not in parent.children:
                    parent.children.append(child.key)

    def _child_by_name(self, ref: str, by_word: dict[str, list[RosterPerson]],
                       parent: RosterPerson) -> RosterPerson | None:
        m = _CHILD.match(ref)
        name, cls = (m.group("name"), m.group("cls")) if m else (ref, None)
        words = name_key(name).split()
        if len(words) < 2:
            self.error(parent.line, "parent_of", "unknown_child", ref, key=parent.key)
            return None
        found = [s for s in by_word.get(words[0], [])
                 if set(words) <= set(s.name_key.split())]
        if cls:
            wanted = normalize_class(cls)
            found = [s for s in found if s.class_name == wanted]
        if len(found) == 1:
            return found[0]
        if not found and any(b <= set(words) or set(words) <= b for b in self.broken):
            return None  # the child's own row has an error, reported there
        code = "ambiguous_child" if found else "unknown_child"
        self.error(parent.line, "parent_of", code, ref, key=parent.key)
        return None


# The template --------------------------------------------------------------------------------

EXAMPLE: tuple[tuple[str, ...], ...] = (
    ("Смирнова Ирина Петровна", "", "администрация", "", "+7 900 000-00-01",
     "smirnova@school.example", "", "", ""),
    ("Волкова Анна Сергеевна", "", "учитель", "5А", "+7 900 000-00-02", "", "",
     "5А: Русский язык, Литература", ""),
    ("Лебедев Олег Викторович", "", "учитель", "", "8 900 000-00-03", "",
     "", "5А: Математика; 6Б: Математика", ""),
    ("Иванова Мария Петровна", "14.03.2015", "ученик", "5А", "", "", "", "", "1001"),
    ("Иванов Иван Петрович", "02.09.2018", "ученик", "1А", "", "", "", "", "1002"),
    ("Соколов Пётр Андреевич", "21.11.2014", "ученик", "5А", "+7 900 000-00-12", "", "", "",
     "1003"),
    ("Иванова Елена Викторовна", "", "родитель", "", "+7 900 000-00-21", "",
     "Иванова Мария Петровна (5А); Иванов Иван Петрович (1А)", "", ""),
)


def make_template() -> bytes:
    """The XLSX a school fills in: «Список» (the header to fill), «Инструкция», «Пример»."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    data = book.active
    assert data is not None
    data.title = DATA_SHEET
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    widths = (36, 15, 16, 10, 20, 26, 44, 40, 16)

    def header(sheet: Any) -> None:
        sheet.append([h for h, _ in COLUMNS])
        for i, width in enumerate(widths, start=1):
            cell = sheet.cell(row=1, column=i)
            cell.font, cell.fill = bold, fill
            sheet.column_dimensions[cell.column_letter].width = width
        sheet.freeze_panes = "A2"

    header(data)
    for i, (_, hint) in enumerate(COLUMNS, start=1):
        from openpyxl.comments import Comment

        data.cell(row=1, column=i).comment = Comment(hint, "Парта")
    roles = DataValidation(type="list", allow_blank=True,
                           formula1='"ученик,учитель,родитель,администрация,сотрудник"')
    roles.error, roles.errorTitle = "Выберите роль из списка.", "Роль"
    data.add_data_validation(roles)
    roles.add(f"C2:C{MAX_ROWS}")

    help_sheet = book.create_sheet(HELP_SHEET)
    help_sheet.column_dimensions["A"].width = 18
    help_sheet.column_dimensions["B"].width = 100
    lines: list[tuple[str, str]] = [
        ("Как заполнить", ("Одна строка — один человек. Заполняйте лист «Список»; строки с "
                          "листа «Пример» не загружаются.")),
        ("", ("Можно вставить выгрузку из электронного журнала: важны заголовки столбцов, "
             "а не их порядок. Вместо «ФИО» можно дать три столбца: «Фамилия», «Имя», "
             "«Отчество».")),
        ("", ("Перед загрузкой Парта покажет, кого добавит, кого изменит, кого переведёт в "
             "другой класс и кто выбыл, и перечислит ошибки по строкам. Ничего не "
             "записывается, пока администратор не подтвердит.")),
        ("", ("Повторная загрузка того же файла ничего не меняет. Людей узнаём по "
             "идентификатору, затем по ФИО и дате рождения, затем по телефону.")),
        ("", ""),
    ]
    lines += [(h, hint) for h, hint in COLUMNS]
    lines += [("", ""), ("Чаты", ("Для каждого класса создаются чат класса (ученики и классный "
                                 "руководитель), чат родителей, чат учителей класса и чаты по "
                                 "предметам. Люди получают приглашения и вступают сами, "
                                 "приняв правила; модератор — классный руководитель или "
                                 "учитель предмета."))]
    for a, b in lines:
        help_sheet.append([a, b])
    for row in help_sheet.iter_rows():
        row[0].font = bold
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    example = book.create_sheet(EXAMPLE_SHEET)
    header(example)
    for values in EXAMPLE:
        example.append(list(values))

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False

