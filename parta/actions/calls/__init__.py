"""Calls in a chat (R37): start or join, leave, end — Parta admits, Janus carries the media.

A call is a private VideoRoom in Janus with a secret only Parta holds and an allowed-token list
that starts empty; Parta adds a fresh token for each person it admits and takes it away when
they leave. Parta's database is the truth about who may be in a call.

Janus is spoken to outside the database transaction (on SQLite a write transaction holds the
one writer lock, and nobody should wait on another server's answer for it): the room and the
token are made first, then one short transaction records the call and the person; if that fails,
what was made in Janus is undone. Two people starting a call in one chat at the same moment make
one call: the unique ``live_chat_id`` refuses the second row, and the second person joins the
first call (their spare room is destroyed).

A one-to-one call rings the other person (``call.ringing``) until they answer (``accept``, or
simply joining), decline, or ``call_ring_seconds`` pass: declined or unanswered, it ends as a
missed call with its notice in the chat. A timer started after the call was recorded ends it
on time; the reconcile round is the fallback (a restarted server).

Host controls (the host: whoever started the call, the chat's owner and moderators, and the
co-hosts they name) are decided here and enforced by Janus or by the proxy that is the browser's
only way to Janus:

* «mute all» moderates every non-host's audio streams in Janus (the media stops at the SFU)
  and holds the microphone of whoever joins later; a held person's own unmute through the
  proxy (``configure`` asking to send audio, or a new offer publishing audio) is refused with
  ``muted_by_host`` until the host allows them (or lifts the hold for all).
* a locked call admits nobody new (``call_locked``); who is in stays, and who was in comes back
  (a dropped connection, even after the presence grace let them out) unless the host removed them.
* a raised hand is a time on the person's stay; ``hands`` in the call is the queue.
* screen sharing: a screen is published as a *separate publisher feed* in the room, with the
  id ``SCREEN_FEED_BASE + person's id``. The proxy sets every publisher's feed id itself, so
  only someone the host allowed (or a host) can join as a screen feed, and only with video;
  a camera feed's offers carry at most one video stream (a second one would be a screen
  smuggled past the grant). Nothing in an SDP tells a screen track from a camera track, so the
  grant is enforced where Janus can hold it: the feed. Revoking the grant kicks the screen
  feed out of the room (Janus's ``kick``, with the room's secret only Parta has).

The parts: ``admission`` (who may call, start or join, the checks of a join), ``rooms`` (Janus
rooms and tokens), ``ringing`` (one-to-one ringing, missed calls), ``ending`` (leave and end),
``controls`` (host controls and the waiting room), ``media`` (the proxy's checks of what a
browser asks Janus), ``reconcile`` (who is really there); ``common`` is what they share.
"""

from parta.actions.calls.admission import accept_call, start_or_join
from parta.actions.calls.common import (
    SCREEN_FEED_BASE,
    call_out,
    live_call,
    live_call_in_chat,
    screen_feed,
)
from parta.actions.calls.controls import (
    admit_waiter,
    lock_call,
    lower_hand,
    mute_all,
    mute_participant,
    raise_hand,
    remove_participant,
    set_cohost,
    set_screen,
    set_waiting_room,
)
from parta.actions.calls.ending import end_call, leave_call
from parta.actions.calls.media import (
    bind_janus_session,
    janus_session_allowed,
    proxy_access,
    record_media,
    vet_media_request,
)
from parta.actions.calls.reconcile import reconcile_calls, reconcile_forever
from parta.actions.calls.ringing import decline_call, end_unanswered

__all__ = [
    "SCREEN_FEED_BASE",
    "accept_call",
    "admit_waiter",
    "bind_janus_session",
    "call_out",
    "decline_call",
    "end_call",
    "end_unanswered",
    "janus_session_allowed",
    "leave_call",
    "live_call",
    "live_call_in_chat",
    "lock_call",
    "lower_hand",
    "mute_all",
    "mute_participant",
    "proxy_access",
    "raise_hand",
    "reconcile_calls",
    "reconcile_forever",
    "record_media",
    "remove_participant",
    "screen_feed",
    "set_cohost",
    "set_screen",
    "set_waiting_room",
    "start_or_join",
    "vet_media_request",
]
