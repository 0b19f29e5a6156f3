"""The statistics as files: CSV (UTF-8 with a byte-order mark, «;» between columns, as Excel
in Russia opens it) and XLSX — a sheet of weeks and a sheet of classes (or schools)."""

from __future__ import annotations

import csv
import io
from typing import Any

from parta.i18n import t
from parta.schemas.stats import MunicipalStatsOut, StatsOut

__all__ = ["stats_csv", "stats_xlsx"]

_WEEK_COLUMNS = ("week", "messages_staff", "messages_students", "messages_parents",
                 "active_teachers", "calls", "call_minutes", "lesson_minutes",
                 "questions_answered", "median_reply_minutes", "activated_staff",
                 "activated_students", "activated_parents")
_CLASS_COLUMNS = ("messages_staff", "messages_students", "messages_parents", "calls",
                  "call_minutes", "lesson_minutes", "questions_answered",
                  "median_reply_minutes", "unanswered_over_day")
_SCHOOL_COLUMNS = ("rank", "targets_met", "teachers", "active_teachers", "messages", "calls",
                   "call_minutes", "lesson_minutes", "questions_answered",
                   "median_reply_minutes", "unanswered_over_day", "pending_invites")
_ROLES = ("staff", "student", "parent")


def _value(v: Any) -> Any:
    return "" if v is None else v.isoformat() if hasattr(v, "isoformat") else v


def _tables(report: StatsOut | MunicipalStatsOut, lang: str
            ) -> list[tuple[str, list[str], list[list[Any]]]]:
    def head(columns: tuple[str, ...]) -> list[str]:
        return [t(lang, f"stats.col.{c}") for c in columns]

    weeks = [[_value(getattr(w, c)) for c in _WEEK_COLUMNS] for w in report.weeks]
    tables = [(t(lang, "stats.sheet.weeks"), head(_WEEK_COLUMNS), weeks)]
    activation = [t(lang, f"stats.col.activation_{r}") for r in _ROLES]
    if isinstance(report, StatsOut):
        rows = []
        for c in report.classes:
            shares: dict[str, float | None] = {a.role: a.percent for a in c.activation}
            rows.append([c.group.name if c.group else t(lang, "stats.no_class")]
                        + [_value(shares.get(r)) for r in _ROLES]
                        + [_value(getattr(c, k)) for k in _CLASS_COLUMNS])
        tables.append((t(lang, "stats.sheet.classes"),
                       [t(lang, "stats.col.class"), *activation, *head(_CLASS_COLUMNS)], rows))
    else:
        rows = []
        for s in report.schools:
            shares = {a.role: a.percent for a in s.activation}
            rows.append([s.org.name] + [_value(shares.get(r)) for r in _ROLES]
                        + [_value(getattr(s, k)) for k in _SCHOOL_COLUMNS])
        tables.append((t(lang, "stats.sheet.schools"),
                       [t(lang, "stats.col.school"), *activation, *head(_SCHOOL_COLUMNS)], rows))
    return tables


def _safe(v: Any) -> Any:
    """A cell a spreadsheet will not run as a formula (a class or school name is text)."""
    return "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v


def stats_csv(report: StatsOut | MunicipalStatsOut, lang: str) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    for n, (title, header, rows) in enumerate(_tables(report, lang)):
        if n:
            out.writerow([])
        out.writerow([title])
        out.writerow(header)
        out.writerows([[_safe(v) for v in row] for row in rows])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def stats_xlsx(report: StatsOut | MunicipalStatsOut, lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, header, rows in _tables(report, lang):
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                          for v in row])
        for cells in sheet.iter_rows(min_row=1):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text stays text, whatever it says
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 40)
        sheet.freeze_panes = "B2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
