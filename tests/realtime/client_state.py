"""What a person's web client knows, kept up to date by events alone — and checked against a
fresh fetch (Zulip's check: an event that says less than the answer shows up as a difference).

``ClientState`` holds what the client fetched over HTTP (the chat list, and the open chat with
its newest messages) and a small reducer that applies events the way ``parta/web`` does:
``message.new`` / ``message.edited`` / ``message.deleted`` / ``message.reactions`` and
``chat.pins`` change what is held; ``chat.read`` clears the badge; ``chat.changed``,
``chat.invited``, ``chat.member`` and a deletion make the client fetch again what they name
(as ``reloadSoon``/``refreshChat`` do) — so for those the check proves the event reached the
person, and for the others that it carries everything the answer does.

    before = await ClientState.fetch(world, "student", chat_id)
    ...the action...
    await before.matches_fresh_after(world)   # applies the person's new events, then compares
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.conftest import World
from tests.helpers import API

__all__ = ["ClientState", "fresh_after"]


async def _get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    r = await client.get(f"{API}{path}")
    assert r.status_code == 200, (path, r.status_code, r.text)
    return dict(r.json())


@dataclass
class ClientState:
    key: str  # the person, as World knows them
    user_id: int
    client: httpx.AsyncClient
    chat_id: int | None  # the chat on screen, if any
    chats: dict[str, Any]
    chat: dict[str, Any] | None
    messages: dict[str, Any] | None
    seen: int  # how many of World's events were published when this was fetched
    seen_at_fetch: int = 0  # the same, kept from the fetch (``seen`` moves as events apply)
    refetch: set[str] = field(default_factory=set)

    @classmethod
    async def fetch(cls, world: World, key: str, chat_id: int | None = None) -> ClientState:
        clients: dict[str, httpx.AsyncClient] = world.__dict__.setdefault("_client_state", {})
        if key not in clients:  # one sign-in per person (codes are limited per phone)
            clients[key] = await world.as_(key)
        client = clients[key]
        state = cls(key, await world.user_id(key), client, chat_id, {}, None, None,
                    len(world.events), len(world.events))
        await state._load({"chats", "chat", "messages"})
        return state

    async def _load(self, what: set[str]) -> None:
        if "chats" in what:
            self.chats = await _get(self.client, "/chats")
        if self.chat_id is None:
            return
        if "chat" in what:
            r = await self.client.get(f"{API}/chats/{self.chat_id}")
            self.chat = dict(r.json()) if r.status_code == 200 else None
        if "messages" in what:
            r = await self.client.get(f"{API}/chats/{self.chat_id}/messages")
            self.messages = dict(r.json()) if r.status_code == 200 else None

    # --- the reducer -----------------------------------------------------------------------

    def _listed(self, chat_id: int) -> dict[str, Any] | None:
        for c in self.chats.get("chats", []):
            if c["id"] == chat_id:
                return c  # type: ignore[no-any-return]
        return None

    def _message(self, message_id: int) -> dict[str, Any] | None:
        for m in (self.messages or {}).get("messages", []):
            if m["id"] == message_id:
                return m  # type: ignore[no-any-return]
        return None

    def apply(self, event: dict[str, Any]) -> None:
        kind, chat_id = event["type"], event.get("chat_id")
        on_screen = chat_id is not None and chat_id == self.chat_id
        if kind == "message.new":
            m = event["message"]
            listed = self._listed(chat_id)  # type: ignore[arg-type]
            if listed is None:
                self.refetch.add("chats")  # a chat not listed yet
            elif not listed.get("last_message") or m["id"] > listed["last_message"]["id"]:
                listed["last_message"] = self._preview(m, listed)
                if m["author_id"] == self.user_id:
                    listed["last_read_message_id"] = max(listed.get("last_read_message_id") or 0,
                                                         m["id"])
                    listed["unread"] = 0  # sending reads the chat up to one's own message
                else:
                    listed["unread"] = (listed.get("unread") or 0) + 1
                chats = self.chats["chats"]
                chats.remove(listed)
                chats.insert(0, listed)
            if on_screen and self.chat is not None and m["author_id"] == self.user_id:
                self.chat["last_read_message_id"] = max(self.chat["last_read_message_id"], m["id"])
            if on_screen and self.messages is not None and self._message(m["id"]) is None:
                self.messages["messages"].insert(0, copy.deepcopy(m))
        elif kind == "message.edited":
            listed = self._listed(chat_id)  # type: ignore[arg-type]
            if listed and listed.get("last_message", {}) and \
                    listed["last_message"]["id"] == event["message_id"]:
                listed["last_message"].update(body=event["body"], edited_at=event["edited_at"])
            m = self._message(event["message_id"]) if on_screen else None
            if m is not None:
                m.update(body=event["body"], edited_at=event["edited_at"])
        elif kind == "message.deleted":
            self.refetch.add("chats")  # the preview and the unread count may both change
            m = self._message(event["message_id"]) if on_screen else None
            if m is not None:
                m.update(deleted=True, body="", reactions={})
        elif kind == "message.reactions":
            m = self._message(event["message_id"]) if on_screen else None
            if m is not None:
                m["reactions"] = event["reactions"]
                m["my_reactions"] = [x for x in m.get("my_reactions", [])
                                     if event["reactions"].get(x, 0) > 0]
        elif kind == "chat.pins":
            if on_screen and self.chat is not None:
                self.chat["pinned"] = event["pinned"]
        elif kind == "chat.read":
            if on_screen and self.chat is not None and event["reader_id"] == self.user_id:
                self.chat["last_read_message_id"] = max(self.chat["last_read_message_id"],
                                                        event["last_read_message_id"])
            listed = self._listed(chat_id)  # type: ignore[arg-type]
            if listed is not None and event.get("reader_id", self.user_id) == self.user_id:
                listed["last_read_message_id"] = max(listed.get("last_read_message_id") or 0,
                                                     event["last_read_message_id"])
                last = listed.get("last_message")
                if not last or listed["last_read_message_id"] >= last["id"]:
                    listed["unread"] = 0
                else:
                    self.refetch.add("chats")
        elif kind in ("chat.changed", "chat.invited"):
            self.refetch.add("chats")
            if on_screen:
                self.refetch.add("chat")
        elif kind == "moderation.block":
            if event["user_id"] == self.user_id:  # what I may do here changed: as the web client,
                self.refetch.add("chats")  # the list and the open chat are fetched again
                if on_screen:
                    self.refetch.add("chat")
        elif kind == "chat.member":
            if event["user_id"] == self.user_id:
                self.refetch.add("chats")
            if on_screen:
                self.refetch.add("chat")
                if event["user_id"] == self.user_id:
                    # Left: the client leaves the chat's screen; joined: it opens its history.
                    self.refetch.add("messages")

    def _preview(self, message: dict[str, Any], listed: dict[str, Any]) -> dict[str, Any]:
        """The chat list's preview of a message, from the message as the event carries it."""
        shape = listed.get("last_message") or message
        preview = {k: copy.deepcopy(message.get(k)) for k in shape}
        if "author_name" in shape:  # the client names the author from the people it knows
            preview["author_name"] = (message.get("author") or {}).get("name")
        return preview

    async def apply_events(self, world: World) -> list[str]:
        """Apply every event published since the fetch that this person is in the audience
        of, in order; then fetch what they named. Returns the event types applied."""
        applied = []
        for env in world.events[self.seen:]:
            if self.user_id in env.audience:
                self.apply(env.event.model_dump(mode="json"))
                applied.append(env.event.type)
        self.seen = len(world.events)
        if self.refetch:
            await self._load(self.refetch)
            self.refetch = set()
        return applied

    async def matches_fresh_after(self, world: World) -> list[str]:
        """Apply this person's new events, then assert what the client holds equals a fresh
        fetch. Returns the event types applied (a test may check the ones it expects)."""
        applied = await self.apply_events(world)
        fresh = ClientState(self.key, self.user_id, self.client, self.chat_id, {}, None, None,
                            len(world.events))
        await fresh._load({"chats", "chat", "messages"})
        # The list's `event_id` is the stream's head when it was read (others' events move it
        # too): it only grows, and the fresh list reflects every event this client applied.
        assert fresh.chats["event_id"] >= self.chats["event_id"], (self.key, "event_id went back")
        ids = [e.id for e in world.events[self.seen_at_fetch:] if self.user_id in e.audience and e.id]
        assert fresh.chats["event_id"] >= max(ids, default=0), (self.key, "a list behind its events")
        for what, held, now in (("the chat list", _without_watermark(self.chats),
                                 _without_watermark(fresh.chats)),
                                ("the open chat", self.chat, fresh.chat),
                                ("the open chat's messages", _without_reads(self.messages),
                                 _without_reads(fresh.messages))):
            assert held == now, (self.key, applied, what, _differences(held, now))
        return applied


# Who else read one's own messages is not an event (it would cost a delivery to every member
# for every read): the chat page looks at its newest page again now and then (chat/reading.js).
READS = {"read_by", "read_by_ids", "read_of"}


def _without_watermark(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "event_id"}


def _without_reads(page: dict[str, Any] | None) -> dict[str, Any] | None:
    if page is None:
        return None
    return {**page, "messages": [{k: v for k, v in m.items() if k not in READS}
                                 for m in page.get("messages", [])]}


def _differences(held: Any, now: Any, at: str = "") -> list[str]:
    """Where two answers differ, as paths (for the assertion's message)."""
    if isinstance(held, dict) and isinstance(now, dict):
        return [d for k in sorted(set(held) | set(now), key=str)
                for d in _differences(held.get(k), now.get(k), f"{at}.{k}")]
    if isinstance(held, list) and isinstance(now, list) and len(held) == len(now):
        return [d for i, (a, b) in enumerate(zip(held, now, strict=True))
                for d in _differences(a, b, f"{at}[{i}]")]
    return [] if held == now else [f"{at}: held {held!r}, fresh {now!r}"]


async def fresh_after(world: World, states: list[ClientState]) -> dict[str, list[str]]:
    """``matches_fresh_after`` for several people: what each applied, by key."""
    return {s.key: await s.matches_fresh_after(world) for s in states}
