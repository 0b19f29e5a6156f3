"""Calls in a chat: what a member sees of a call, and what a browser needs to join it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from parta.models import CallKind
from parta.schemas.common import Person, Strict

__all__ = ["CallIn", "CallJoined", "CallOut", "IceServer", "JanusAccess", "MuteIn", "Participant"]


class CallIn(Strict):
    kind: CallKind = CallKind.video


class Participant(BaseModel):
    person: Person
    joined_at: datetime
    muted_audio: bool = False  # by the host: the person cannot unmute until the host allows
    muted_video: bool = False


class MuteIn(Strict):
    """What the host mutes (true) or allows again (false); a missing one stays as it is."""

    audio: bool | None = None
    video: bool | None = None


class CallOut(BaseModel):
    id: int
    chat_id: int
    kind: CallKind
    started_by: int | None
    started_at: datetime
    ended_at: datetime | None = None
    participants: list[Participant]


class IceServer(BaseModel):
    """One entry of RTCPeerConnection's ``iceServers``."""

    urls: list[str]
    username: str = ""
    credential: str = ""


class JanusAccess(BaseModel):
    """Where the browser speaks to Janus (Parta's proxy, same origin) and what it joins with:
    the room, the person's token in its allowed list, the feed id and the name shown."""

    url: str
    room: int
    token: str
    feed_id: int
    display: str


class CallJoined(BaseModel):
    call: CallOut
    janus: JanusAccess
    ice_servers: list[IceServer]
    turn_expires_at: int
