"""The `parta` command on a fresh SQLite file: migrate, demo (twice), register an organization."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parta.cli import app


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("PARTA_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def _one(path: Path, sql: str) -> object:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchone()[0]


def test_migrate_demo_and_register(fresh_db: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "+79000000001" in first.output
    assert runner.invoke(app, ["demo"]).exit_code == 0  # idempotent
    assert _one(fresh_db, "select count(*) from organization") == 1
    assert _one(fresh_db, "select count(*) from user_account") == 8

    result = runner.invoke(app, [
        "org", "register", "--name", "МБОУ «Лицей № 2»", "--region", "Демонстрационная область",
        "--municipality", "Городской округ Демо", "--admin-name", "Пётр Ильич Орлов",
        "--admin-phone", "+7 900 777-00-01", "--admin-email", "orlov@example.com",
        "--application-ref", "приказ № 12 от 01.09.2026",
    ])
    assert result.exit_code == 0, result.output
    assert _one(fresh_db, "select count(*) from organization") == 2
    assert _one(fresh_db, "select count(*) from region") == 1  # the existing region was reused
    assert _one(fresh_db, "select name from user_account where phone = '+79007770001'") == "Пётр Ильич Орлов"
    assert _one(fresh_db, "select count(*) from audit_entry where action = 'org.registered'") == 2
    assert _one(fresh_db, "select count(*) from audit_entry where action = 'region.created'") == 0

    result = runner.invoke(app, [
        "org", "register", "--name", "МБОУ «Школа № 3»", "--region", "Новая область",
        "--municipality", "Новый район", "--admin-name", "Ольга Петровна Седова",
        "--admin-phone", "+7 900 777-00-02"])
    assert result.exit_code == 0, result.output
    assert _one(fresh_db, "select count(*) from region") == 2  # made, like the operator's page
    assert _one(fresh_db, "select count(*) from audit_entry where action in "
                          "('region.created', 'municipality.created')") == 2


def test_register_refuses_a_bad_phone_and_writes_nothing(fresh_db: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["migrate"])
    result = runner.invoke(app, [
        "org", "register", "--name", "Школа", "--region", "Р", "--municipality", "М",
        "--admin-name", "А", "--admin-phone", "12345"])
    assert result.exit_code == 2 and "invalid_phone" in result.output
    assert _one(fresh_db, "select count(*) from organization") == 0
    assert _one(fresh_db, "select count(*) from region") == 0


def test_make_an_operator(fresh_db: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["migrate"])
    assert runner.invoke(app, ["user", "operator", "+79001112233", "--name", "Сергей"]).exit_code == 0
    assert _one(fresh_db, "select is_operator from user_account where phone = '+79001112233'") == 1
    assert _one(fresh_db, "select count(*) from audit_entry where action = "
                          "'user.operator_granted'") == 1


def test_stats_are_recounted_and_printed(fresh_db: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["demo"]).exit_code == 0
    with sqlite3.connect(fresh_db) as db:
        db.execute("delete from stat_messages")  # as after an upgrade: counters not yet kept
    result = runner.invoke(app, ["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Counted 5 messages." in result.output  # the demo's conversation in 5А
    assert _one(fresh_db, "select sum(messages) from stat_messages where group_id = -1 "
                "and author_id = 0") == 5  # the staff per person kept beside
    result = runner.invoke(app, ["stats", "--org", "1", "--out", str(fresh_db.parent / "s.csv")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Школа № 1" in result.output and "Активных учителей" in result.output
    assert (fresh_db.parent / "s.csv").read_bytes().startswith("\ufeff".encode())
    result = runner.invoke(app, ["stats", "--org", "1", "--from", "2026-12-01", "--to", "2026-01-01"])
    assert result.exit_code == 2 and "stats_range_backwards" in result.output
