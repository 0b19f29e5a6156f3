"""Tenancy by construction: a scope comes only from the gate (``parta.queries.scope``), and
every query of an organization's or a chat's things takes one instead of a bare id."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from parta.models import Chat, Organization
from parta.policy import Action, Actor
from parta.queries import scope as gate
from parta.queries.scope import ChatScope, OrgScope, ScopeForged

QUERIES = Path(gate.__file__).parent
PARTA = QUERIES.parent

# Public queries that may still take one of the forbidden names, and why: none. A new entry
# needs a reason as good as «it widens nothing» and a test that it does not.
EXCEPTIONS: dict[tuple[str, str, str], str] = {}
FORBIDDEN = {"org_id", "chat_id"}


def _school() -> Organization:
    return Organization(id=1, name="Школа №1", municipality_id=None)


def test_a_scope_made_outside_the_gate_refuses_to_exist() -> None:
    teacher = Actor(user_id=7)
    with pytest.raises(ScopeForged):
        OrgScope(_school(), teacher, Action.org_view)
    with pytest.raises(ScopeForged):
        OrgScope(_school(), teacher, Action.org_view, mint=object())  # not the gate's token
    with pytest.raises(ScopeForged):
        ChatScope(Chat(id=3, org_id=1), None, teacher)
    with pytest.raises(ScopeForged):
        ChatScope(Chat(id=3, org_id=1), None, teacher, True, mint="anything")


def test_a_scope_from_the_gate_cannot_be_copied_into_another_one() -> None:
    minted = OrgScope(_school(), Actor(user_id=7), Action.org_view,
                      mint=gate._MINT)  # what the gate does after deciding
    with pytest.raises(ScopeForged):  # the token is not kept, so a copy has none
        dataclasses.replace(minted, org=Organization(id=2, name="Гимназия"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        minted.org = Organization(id=2, name="Гимназия")  # type: ignore[misc]


def test_only_the_gate_holds_the_token() -> None:
    users = [p.relative_to(PARTA).as_posix() for p in PARTA.rglob("*.py")
             if "_MINT" in p.read_text(encoding="utf-8")]
    assert users == ["queries/scope.py"]


def _public_functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not n.name.startswith("_")]


def test_no_query_takes_a_bare_organization_or_chat_id() -> None:
    """The gate itself takes ids (it is where they become scopes); every other public
    function in ``parta.queries`` takes a scope."""
    found = []
    for path in sorted(QUERIES.glob("*.py")):
        if path.name == "scope.py":
            continue
        for fn in _public_functions(path):
            args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
            for name in {a.arg for a in args} & FORBIDDEN:
                if (path.name, fn.name, name) not in EXCEPTIONS:
                    found.append(f"{path.name}:{fn.name}({name})")
    assert found == []


def test_the_exceptions_are_still_there_to_excuse() -> None:
    """An exception whose function changed must leave the list (it would hide a new one)."""
    for module, function, name in EXCEPTIONS:
        fn = next(f for f in _public_functions(QUERIES / module) if f.name == function)
        assert name in {a.arg for a in fn.args.args + fn.args.kwonlyargs}
