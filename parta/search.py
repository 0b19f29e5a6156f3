"""Full-text search over messages with Russian (and English) morphology.

SQLite: an FTS5 table of Snowball stems, kept by the message actions; the query is stemmed the
same way and matched by prefix, so «экскурсию» finds «экскурсия». PostgreSQL: the built-in
``russian`` text search configuration over an expression index. Both dialects live here.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["index_message", "index_messages", "search_message_ids", "stems", "unindex_message"]

WORD = re.compile(r"\w+", re.UNICODE)
CYRILLIC = re.compile(r"[а-яё]")


@cache
def _stemmer(lang: str) -> Any:
    return snowballstemmer.stemmer(lang)


def stems(body: str) -> list[str]:
    return [_stem(word) for word in WORD.findall(body.lower().replace("ё", "е")) if len(word) <= 60]


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    """Chats repeat their words: each is stemmed once (a few hundred µs otherwise)."""
    if word.isdigit():
        return word
    return str(_stemmer("russian" if CYRILLIC.search(word) else "english").stemWord(word))


def _dialect(db: AsyncSession) -> str:
    assert db.bind is not None
    return db.bind.dialect.name


_UNINDEX = text("DELETE FROM message_search WHERE rowid = :id")
# OR REPLACE: a message indexed before (an edit, or a rowid SQLite reused) loses its old terms
# in the same statement, so a new message costs one statement, not a DELETE and an INSERT.
_INDEX = text("INSERT OR REPLACE INTO message_search (rowid, stems) VALUES (:id, :s)")


async def index_message(db: AsyncSession, message_id: int, body: str) -> None:
    await index_messages(db, [(message_id, body)])


async def index_messages(db: AsyncSession, rows: list[tuple[int, str]]) -> None:
    """(Re)index messages by (id, body), a statement for all of them."""
    if not rows or _dialect(db) != "sqlite":
        return  # PostgreSQL indexes the body itself
    stemmed = [{"id": i, "s": " ".join(stems(b))} for i, b in rows if b.strip()]
    if stemmed:
        await db.execute(_INDEX, stemmed)
    empty = [{"id": i} for i, b in rows if not b.strip()]
    if empty:  # files without a caption: nothing to find them by
        await db.execute(_UNINDEX, empty)


async def unindex_message(db: AsyncSession, message_id: int) -> None:
    if _dialect(db) == "sqlite":
        await db.execute(_UNINDEX, {"id": message_id})


async def search_message_ids(db: AsyncSession, user_id: int, query: str, *,
                             chat_id: int | None = None, limit: int = 50) -> list[int]:
    """Ids of matching messages, newest first, only in chats the user is in now."""
    terms = [t for t in stems(query) if t][:12]
    if not terms:
        return []
    scope = ("JOIN chat_member cm ON cm.chat_id = m.chat_id AND cm.user_id = :uid "
             "AND cm.left_at IS NULL")
    params: dict[str, Any] = {"uid": user_id, "limit": limit}
    chat_filter = ""
    if chat_id is not None:
        chat_filter = "AND m.chat_id = :chat"
        params["chat"] = chat_id
    if _dialect(db) == "sqlite":
        params["q"] = " AND ".join(f'"{t}"*' for t in terms)
        sql = (f"SELECT m.id FROM message_search s JOIN message m ON m.id = s.rowid {scope} "
               f"WHERE message_search MATCH :q AND m.deleted_at IS NULL {chat_filter} "
               "ORDER BY m.id DESC LIMIT :limit")
    else:
        params["q"] = query[:500]
        sql = (f"SELECT m.id FROM message m {scope} "
               "WHERE to_tsvector('russian', m.body) @@ plainto_tsquery('russian', :q) "
               f"AND m.deleted_at IS NULL {chat_filter} ORDER BY m.id DESC LIMIT :limit")
    return [int(r[0]) for r in (await db.execute(text(sql), params)).all()]
