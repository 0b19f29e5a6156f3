"""`parta roster import` on a fresh SQLite file with the demo school: the preview as tables,
--apply with its progress bar, a folder bundle, re-importing, and a file with errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parta.cli import app
from tests.roster.fixtures import SCHOOL, SCHOOL_V2, oneroster, xlsx, xlsx_rows


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("PARTA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["demo"]).exit_code == 0
    return path


def one(path: Path, sql: str) -> object:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchone()[0]


def test_preview_then_apply_then_again(fresh_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    bundle = oneroster().write_zip(tmp_path / "licey7.zip")
    users = one(fresh_db, "select count(*) from user_account")
    result = runner.invoke(app, ["roster", "import", str(bundle), "--org", "1"])
    assert result.exit_code == 0, result.output
    assert "Preview 1: licey7.zip (oneroster)" in result.output
    assert "Мария Петровна Иванова" in result.output and "--apply" in result.output
    assert one(fresh_db, "select count(*) from user_account") == users  # nothing written

    result = runner.invoke(app, ["roster", "import", str(bundle), "--org", "1", "--apply"])
    assert result.exit_code == 0, result.output
    assert "Applying" in result.output and "Applied import 2." in result.output
    assert one(fresh_db, "select count(*) from user_account") == users + len(SCHOOL)
    assert one(fresh_db, "select status from roster_import where id = 2") == "applied"
    assert one(fresh_db, "select count(*) from chat where title = '6А — родители'") == 1
    acted = one(fresh_db, "select actor_id from audit_entry where action = 'roster.applied'")
    assert acted == one(fresh_db, "select id from user_account where phone = '+79000000001'")

    folder = oneroster(SCHOOL_V2).write_dir(tmp_path / "bundle-v2")
    result = runner.invoke(app, ["roster", "import", str(folder), "--org", "1", "--apply"])
    assert result.exit_code == 0, result.output
    assert "5А → 5Б" in result.output and "departs" in result.output
    again = runner.invoke(app, ["roster", "import", str(folder), "--org", "1"])
    assert again.exit_code == 0 and "Changes" not in again.output


def test_errors_are_listed_and_applied_only_when_asked(fresh_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    rows = xlsx_rows()
    rows[0][2] = "завхоз"
    sheet = tmp_path / "licey7.xlsx"
    sheet.write_bytes(xlsx(rows))
    result = runner.invoke(app, ["roster", "import", str(sheet), "--org", "1", "--apply"])
    assert result.exit_code == 2
    assert "Неизвестная роль «завхоз»." in result.output
    assert "Refused: roster_has_errors" in result.output
    result = runner.invoke(app, ["roster", "import", str(sheet), "--org", "1", "--apply",
                                 "--valid-rows-only"])
    assert result.exit_code == 0, result.output
    assert one(fresh_db, "select count(*) from roster_person") == len(SCHOOL) - 1


def test_refusals(fresh_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    junk = tmp_path / "order.pdf"
    junk.write_bytes(b"%PDF-1.7")
    result = runner.invoke(app, ["roster", "import", str(junk), "--org", "1"])
    assert result.exit_code == 2 and "roster_unsupported" in result.output
    broken = oneroster()
    del broken.files["manifest"]
    result = runner.invoke(app, ["roster", "import", str(broken.write_zip(tmp_path / "b.zip")),
                                 "--org", "1"])
    assert result.exit_code == 2 and "manifest.csv:0" in result.output
    result = runner.invoke(app, ["roster", "import", str(tmp_path / "missing.zip"), "--org", "1"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["roster", "import", str(junk), "--org", "99"])
    assert result.exit_code == 2
    assert one(fresh_db, "select count(*) from roster_import") == 0
