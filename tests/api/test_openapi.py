"""The OpenAPI document describes every answer (issue 11): a client can be generated from it and
the standing fuzz checks each answer against it. Each JSON answer has a typed schema, each route
lists the refusals it can give with the one error body, each file names its media type. And the
read side stays below the write side: ``parta.queries`` imports nothing from ``parta.actions``."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

import parta.api
from parta.api.roster import XLSX_MIME
from parta.app import create_app
from parta.config import Settings
from parta.services.media import THUMBNAIL_MIME

API = "/api/v1"
ERROR = "#/components/schemas/ErrorAnswer"
SAFE = {"GET", "HEAD", "OPTIONS"}

# Every answer that is a file, and the media types its 200 names.
FILES = {
    ("GET", "/orgs/{org_id}/invites/{invite_id}/qr.svg"): {"image/svg+xml"},
    ("GET", "/chats/{chat_id}/links/{link_id}/qr.svg"): {"image/svg+xml"},
    ("GET", "/attachments/{attachment_id}"): {"image/*", "audio/*", "video/*", "application/*",
                                              "text/plain"},
    ("GET", "/attachments/{attachment_id}/thumb"): {THUMBNAIL_MIME},
    ("GET", "/municipalities/{municipality_id}/instruction-files/{file_id}"): {
        "image/*", "audio/*", "video/*", "application/*", "text/plain"},
    ("GET", "/orgs/{org_id}/instructions/{instruction_id}/files/{file_id}"): {
        "image/*", "audio/*", "video/*", "application/*", "text/plain"},
    ("GET", "/calls/{call_id}/janus/{session_id}"): {"application/json"},  # Janus's long poll
    ("GET", "/broadcasts/{broadcast_id}/janus/{session_id}"): {"application/json"},  # the same
    ("GET", "/orgs/{org_id}/roster/template"): {XLSX_MIME},
    ("GET", "/orgs/{org_id}/reconciliation"): {XLSX_MIME, "text/csv"},
    ("GET", "/me/export/{export_id}/download"): {"application/zip"},
    ("GET", "/calls/{call_id}/attendance"): {XLSX_MIME, "text/csv"},
    ("GET", "/materials/{material_id}/file"): {"image/*", "audio/*", "video/*", "application/*",
                                               "text/plain"},
    ("GET", "/materials/{material_id}/thumb"): {THUMBNAIL_MIME},
    ("GET", "/materials/{material_id}/article"): {"text/html"},
    ("GET", "/polls/{poll_id}/export"): {XLSX_MIME, "text/csv"},
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", mode="dev"))
    return app.openapi()


def api_routes() -> Iterator[APIRoute]:
    """The HTTP routes of every router in ``parta.api``, as declared."""
    for info in pkgutil.iter_modules(parta.api.__path__):
        router = getattr(importlib.import_module(f"parta.api.{info.name}"), "router", None)
        if isinstance(router, APIRouter):
            yield from (r for r in router.routes if isinstance(r, APIRoute))


def signed_in(route: APIRoute) -> bool:
    """Whether the route needs a signed-in caller (``AuthCtx`` / ``AuthReadingCtx``)."""
    stack, names = list(route.dependant.dependencies), set()
    while stack:
        dep = stack.pop()
        names.add(getattr(dep.call, "__name__", ""))
        stack.extend(dep.dependencies)
    return any(n.startswith("_require_user") for n in names)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def untyped_answers(document: dict[str, Any]) -> list[str]:
    """JSON 2xx answers with no schema, or one that is any object at all (``dict[str, Any]``)."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                json = answer.get("content", {}).get("application/json")
                if not status.startswith("2") or json is None:
                    continue
                schema = resolve(document, json.get("schema", {}))
                for part in [resolve(document, s) for s in schema.get("anyOf", [schema])]:
                    if not part.get("properties"):
                        found.append(f"{method.upper()} {path} {status}: {part}")
    return found


def test_every_json_answer_has_a_schema_with_its_fields(document: dict[str, Any]) -> None:
    assert untyped_answers(document) == []


def test_the_check_does_catch_an_untyped_answer() -> None:
    """A positive control: the check above refuses what it is meant to refuse."""
    app = FastAPI()

    @app.get("/loose")
    async def loose() -> dict[str, Any]:
        return {}

    @app.get("/empty")
    async def empty() -> dict[str, int]:
        return {}

    assert len(untyped_answers(app.openapi())) == 2


def test_every_route_documents_the_refusals_it_can_give(document: dict[str, Any]) -> None:
    """At least the ones its shape implies: 401 signed in, 403 for a write (the CSRF check and
    the role), 404 for an id in the path, 413 and 422 for a body, 422 for a query. Each with the
    one error body; and no route keeps the framework's own 422 shape."""
    missing = []
    for route in api_routes():
        method = next(iter(route.methods))
        operation = document["paths"][API + route.path][method.lower()]
        listed = {int(s) for s in operation["responses"] if s[0] in "45"}
        wanted = set()
        if signed_in(route):
            wanted |= {401} | ({403} if method not in SAFE else set())
        if route.dependant.path_params:
            wanted.add(404)
        if route.body_field is not None:
            wanted |= {413, 422}
        if route.dependant.query_params:
            wanted.add(422)
        if wanted - listed:
            missing.append(f"{method} {route.path}: {sorted(wanted - listed)}")
        for status in listed:
            schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR}, (method, route.path, status)
    assert missing == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_error_body_is_the_one_the_api_writes(document: dict[str, Any]) -> None:
    answer = document["components"]["schemas"]["ErrorAnswer"]
    body = resolve(document, answer["properties"]["error"])
    assert set(body["required"]) == {"code", "message", "fields", "field_codes", "params"}


def test_files_answer_with_their_media_types(document: dict[str, Any]) -> None:
    """Each route that answers with a file names its media types, and each route that answers
    with something else than JSON is one of those files."""
    for route in api_routes():
        method = next(iter(route.methods))
        answer_class = getattr(route.response_class, "value", route.response_class)  # a default
        if answer_class is not JSONResponse:
            assert (method, route.path) in FILES, (method, route.path)
    for (method, path), types in FILES.items():
        answer = document["paths"][API + path][method.lower()]["responses"]["200"]
        assert types <= set(answer["content"]), (method, path, set(answer["content"]))


def imports_of(path: Path) -> Iterator[str]:
    """Every module a file imports, at its top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_queries_import_nothing_from_actions() -> None:
    """Reads sit below writes: an action may read through a query, never the other way."""
    queries = Path(parta.api.__file__).parent.parent / "queries"
    found = [f"{path.name}: {name}" for path in sorted(queries.glob("*.py"))
             for name in imports_of(path)
             if name == "parta.actions" or name.startswith("parta.actions.")]
    assert found == []


def test_the_import_scan_sees_an_import_hidden_in_a_function(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden.py"
    hidden.write_text("def f():\n    from parta.actions.blocks import X\n    return X\n")
    assert "parta.actions.blocks" in set(imports_of(hidden))
