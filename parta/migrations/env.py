"""Alembic environment: runs migrations on the async engine of ``PARTA_DATABASE_URL``."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import parta.models  # noqa: F401  (registers every table)
from parta.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Tables made by hand in migrations (the FTS5 search index) are not the models' business."""
    return not (type_ == "table" and name is not None and name.startswith("message_search"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, include_object=_include,
        render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_engine(url)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
