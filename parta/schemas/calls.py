"""Calls in a chat: what a member sees of a call, and what a browser needs to join it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from parta.models import CallKind
from parta.schemas.common import Person, Strict

__all__ = ["CallIn", "CallJoined", "CallOut", "CohostIn", "HandIn", "IceServer", "JanusAccess",
           "LockIn", "MuteAllIn", "MuteIn", "Participant", "ScreenIn", "WaitingRoomIn"]


class CallIn(Strict):
    kind: CallKind = CallKind.video


class Participant(BaseModel):
    person: Person
    joined_at: datetime
    muted_audio: bool = False  # by the host: the person cannot unmute until the host allows
    muted_video: bool = False
    host: bool = False  # runs the call: started it, the chat's owner or moderator, or co-host
    cohost: bool = False  # host controls given by the host (an assistant teacher)
    may_share_screen: bool = False  # hosts may; others when the host allows
    hand_raised_at: datetime | None = None


class MuteIn(Strict):
    """What the host mutes (true) or allows again (false); a missing one stays as it is."""

    audio: bool | None = None
    video: bool | None = None


class MuteAllIn(Strict):
    """Hold everyone's microphone but the hosts' (true), or lift the hold for all (false)."""

    audio: bool


class LockIn(Strict):
    locked: bool


class HandIn(Strict):
    raised: bool


class CohostIn(Strict):
    cohost: bool


class ScreenIn(Strict):
    allowed: bool


class CallOut(BaseModel):
    id: int
    chat_id: int
    kind: CallKind
    started_by: int | None
    started_at: datetime
    ended_at: datetime | None = None
    participants: list[Participant]
    ringing: bool = False  # a one-to-one call the other person has not answered yet
    locked: bool = False  # nobody new is admitted
    audio_held: bool = False  # «mute all»: who joins does so with the microphone held
    hands: list[int] = []  # the raised-hand queue: people's ids, first raised first
    waiting_room: bool = False  # who is not a host waits until the host admits them
    waiting: list[Person] = []  # in the waiting room, undecided, first come first


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
    # A screen is published as a feed of its own: ``screen_feed_base + person's id``.
    screen_feed_base: int


class CallMedia(BaseModel):
    """How the browser sends and receives video in this call, from Parta's settings: the codec
    and bitrate cap the room was made with; ``simulcast``: the camera is sent as ``layers``
    copies (rids ``h``, ``m``, ``l``: full, half, quarter size); from ``low_layer_from``
    people on, each viewer asks Janus for the lowest layer of every camera."""

    videocodec: str = "vp8"
    max_bitrate: int = 512_000
    simulcast: bool = False
    layers: int = 1
    low_layer_from: int = 0


class CallJoined(BaseModel):
    """In the call (``janus``: how to reach the room), or ``waiting`` in its waiting room
    (``janus`` null) until the host admits — then the same join goes in — or denies."""

    call: CallOut
    janus: JanusAccess | None
    ice_servers: list[IceServer]
    turn_expires_at: int
    waiting: bool = False
    media: CallMedia = CallMedia()


class WaitingRoomIn(Strict):
    enabled: bool
