"""What the flood limits remember of each sender (R33), kept as posts happen instead of re-read.

For each sender: the times of their latest messages and of their latest held messages (at most
as many of each as the limits look at, like the database read it replaces), and for the
duplicate check the newest time of each (chat, normalized text) among those. Checking a send
is then a few comparisons, whatever the limits are set to.

A sender this process knows nothing about (a restart, an evicted idle sender, a change made
elsewhere: an edit, a deletion, an approval) is *cold*: their posts are read from the database
once (``flood.recent_posts``) and kept from then on. Posts recorded by a transaction that rolls
back are taken out again. The structure is bounded: the least recently seen senders are
evicted past ``MAX_SENDERS``.

It is only used when this process sees every post (no Redis bus, so one server process). With
several processes a sender's posts may be written by another one: then every send reads them
from the database as before.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["MAX_SENDERS", "Recent", "RecentPosts", "norm_key"]

MAX_SENDERS = 50_000


def norm_key(text: str) -> int:
    """A message's text as the duplicate check compares it (case and spacing ignored)."""
    return hash(" ".join(text.casefold().split()))


@dataclass(slots=True)
class _Kind:
    """One kind of post (messages, or held messages) of one sender, oldest first."""

    times: list[datetime] = field(default_factory=list)
    keys: list[tuple[int, int]] = field(default_factory=list)  # (chat, text key)
    newest: dict[tuple[int, int], datetime] = field(default_factory=dict)

    def add(self, at: datetime, chat_id: int, key: int, cap: int,
            horizon: datetime | None = None) -> None:
        """``horizon``: posts at or before it count for no limit any more and go too (with
        the limits raised, the cap alone would keep every post of a busy sender)."""
        if self.times and at < self.times[-1]:  # keep time order (clocks of one process)
            at = self.times[-1]
        self.times.append(at)
        self.keys.append((chat_id, key))
        self.newest[(chat_id, key)] = at
        if len(self.times) > cap:
            self._drop(len(self.times) - cap)
        if horizon is not None and self.times[0] <= horizon:
            self.prune(horizon)

    def remove(self, at: datetime, chat_id: int, key: int) -> None:
        """Take out the newest such post (a rolled-back transaction's)."""
        for i in range(len(self.times) - 1, -1, -1):
            if self.keys[i] == (chat_id, key) and self.times[i] == at:
                del self.times[i], self.keys[i]
                self.newest.pop((chat_id, key), None)
                for j in range(len(self.keys) - 1, -1, -1):
                    if self.keys[j] == (chat_id, key):
                        self.newest[(chat_id, key)] = self.times[j]
                        break
                return

    def _drop(self, n: int) -> None:
        for i in range(n):
            k = self.keys[i]
            if self.newest.get(k) == self.times[i] and k not in self.keys[i + 1:]:
                del self.newest[k]
        del self.times[:n], self.keys[:n]

    def prune(self, horizon: datetime) -> None:
        n = bisect_right(self.times, horizon)
        if n:
            self._drop(n)

    def since(self, t: datetime) -> tuple[int, datetime | None]:
        """How many are newer than ``t``, and the oldest of them."""
        i = bisect_right(self.times, t)
        return len(self.times) - i, self.times[i] if i < len(self.times) else None


@dataclass(slots=True)
class Recent:
    """One sender's recent posts."""

    messages: _Kind = field(default_factory=_Kind)
    held: _Kind = field(default_factory=_Kind)

    def count_since(self, t: datetime) -> tuple[int, datetime | None]:
        n1, o1 = self.messages.since(t)
        n2, o2 = self.held.since(t)
        oldest = min((o for o in (o1, o2) if o is not None), default=None)
        return n1 + n2, oldest

    def repeats(self, chat_id: int, key: int, since: datetime) -> bool:
        for kind in (self.messages, self.held):
            at = kind.newest.get((chat_id, key))
            if at is not None and at > since:
                return True
        return False


class RecentPosts:
    """Every warm sender's ``Recent``, least recently seen first."""

    def __init__(self, max_senders: int = MAX_SENDERS) -> None:
        self._senders: OrderedDict[int, Recent] = OrderedDict()
        self._max = max_senders

    def get(self, user_id: int) -> Recent | None:
        found = self._senders.get(user_id)
        if found is not None:
            self._senders.move_to_end(user_id)
        return found

    def load(self, user_id: int, rows: list[Any], cap: int, horizon: datetime) -> Recent:
        """A cold sender's posts as read from the database (``flood.recent_posts`` rows, newest
        first, each with ``held`` true for a held message)."""
        recent = Recent()
        for row in sorted(rows, key=lambda r: r.created_at):
            kind = recent.held if getattr(row, "held", False) else recent.messages
            kind.add(row.created_at, row.chat_id, norm_key(row.body), cap)
        self._put(user_id, recent, horizon)
        return recent

    def _put(self, user_id: int, recent: Recent, horizon: datetime) -> None:
        self._senders[user_id] = recent
        self._senders.move_to_end(user_id)
        while len(self._senders) > self._max:
            self._senders.popitem(last=False)
        recent.messages.prune(horizon)
        recent.held.prune(horizon)

    def forget(self, user_id: int) -> None:
        """Their posts changed in a way not recorded here: read them again when next needed."""
        self._senders.pop(user_id, None)

    def __len__(self) -> int:
        return len(self._senders)
