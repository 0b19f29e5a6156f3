"""Typed events. Each names its audience explicitly: choosing recipients is a security decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from parta.schemas.instructions import IncomingInstruction
from parta.schemas.messages import SeenMessage
from parta.schemas.moderation import BlockOut, ViolationOut
from parta.schemas.polls import PollOut

__all__ = ["Envelope", "Event", "event_from_dict", "wire"]


class Event(BaseModel):
    """The base of every event; subclasses fix ``type`` and add typed fields."""

    type: str
    org_id: int | None = None


class MemberJoined(Event):
    type: Literal["member.joined"] = "member.joined"
    user_id: int
    roles: list[str]


class JoinRequested(Event):
    type: Literal["join_request.created"] = "join_request.created"
    request_id: int


class JoinRequestDecided(Event):
    type: Literal["join_request.decided"] = "join_request.decided"
    request_id: int
    status: str


class ParentLinkDecided(Event):
    type: Literal["parent_link.decided"] = "parent_link.decided"
    link_id: int
    status: str


class InviteChanged(Event):
    type: Literal["invite.changed"] = "invite.changed"
    invite_id: int
    state: str


class VerificationChanged(Event):
    type: Literal["verification.changed"] = "verification.changed"
    user_id: int
    status: str


class RolesChanged(Event):
    type: Literal["roles.changed"] = "roles.changed"
    user_id: int
    roles: list[str]


class GroupChanged(Event):
    type: Literal["group.changed"] = "group.changed"
    group_id: int


class OrgChanged(Event):
    type: Literal["org.changed"] = "org.changed"


class MovementChanged(Event):
    """A student's or staff member's movement was proposed, recorded or refused (R7)."""

    type: Literal["movement.changed"] = "movement.changed"
    movement_id: int
    status: str


class EnrolmentOfferChanged(Event):
    """A school offered someone a place, or the person accepted or declined it. The school's
    administrators get the offer's id and status only, never who it is for."""

    type: Literal["enrolment_offer.changed"] = "enrolment_offer.changed"
    offer_id: int
    status: str


class ConsentChanged(Event):
    """A consent for a child was given or withdrawn (152-ФЗ); to the child and their parents."""

    type: Literal["consent.changed"] = "consent.changed"
    org_id: int
    child_id: int
    purpose: str
    status: str


class PrivacyChanged(Event):
    """The person's data export or deletion request changed state."""

    type: Literal["privacy.changed"] = "privacy.changed"
    what: str  # export | deletion
    id: int
    state: str


class SessionEnded(Event):
    type: Literal["session.ended"] = "session.ended"
    session_id: int


class SupportChanged(Event):
    """A support ticket was opened, answered, passed on or closed (R42)."""

    type: Literal["support.changed"] = "support.changed"
    ticket_id: int
    status: str
    line: str  # school | platform


class ChatChanged(Event):
    type: Literal["chat.changed"] = "chat.changed"
    chat_id: int


class ChatInvited(Event):
    type: Literal["chat.invited"] = "chat.invited"
    chat_id: int
    title: str


class ChatMemberChanged(Event):
    type: Literal["chat.member"] = "chat.member"
    chat_id: int
    user_id: int
    change: str  # joined | left | removed | role:<role>


class ChatLinkChanged(Event):
    """A chat's invite link was made or annulled (R22); to the chat's moderators."""

    type: Literal["chat.link"] = "chat.link"
    chat_id: int
    link_id: int
    state: str


class NetworkInvited(Event):
    """A joint chat invites the school (R41); to the school's administrators. ``org_id`` is
    the invited school; ``from_org`` names the owner school."""

    type: Literal["network.invited"] = "network.invited"
    chat_id: int
    title: str
    from_org: str


class NetworkChanged(Event):
    """A school's place in a joint chat changed (accepted, declined, left, removed, invited);
    to the chat's members and the school's administrators. ``org_id``: that school."""

    type: Literal["network.changed"] = "network.changed"
    chat_id: int
    status: str


class InstructionReceived(Event):
    """The municipality sent the school an instruction, or reminded of one (R2); to the
    school's administrators."""

    type: Literal["instruction.received"] = "instruction.received"
    instruction_id: int
    title: str
    reminder: bool = False
    # as the school's list of instructions shows it (its files by the school's own links)
    instruction: IncomingInstruction


class InstructionAcknowledged(Event):
    """A school took an instruction up («Принято к исполнению»); to the municipality's
    administrators and the school's."""

    type: Literal["instruction.acknowledged"] = "instruction.acknowledged"
    instruction_id: int


class ChatJoinRequested(Event):
    """Someone asks to join a chat (by a link that needs approval, or from the school's
    directory of staff chats); to the chat's moderators."""

    type: Literal["chat.join_request"] = "chat.join_request"
    chat_id: int
    request_id: int
    title: str


class ChatJoinDecided(Event):
    """A moderator let the person in (``approved``) or not (``denied``); to the person and the
    chat's moderators."""

    type: Literal["chat.join_decided"] = "chat.join_decided"
    chat_id: int
    request_id: int
    user_id: int  # who asked
    status: str
    title: str


class MessageNew(Event):
    type: Literal["message.new"] = "message.new"
    chat_id: int
    message: SeenMessage  # as a history page shows it (without the viewer's own marks)


class MessageUrgent(Event):
    """The administration marked its post urgent (issue 14): to the chat's members. It comes
    now, in quiet hours too; ``sms``: how many parents it went to by SMS."""

    type: Literal["message.urgent"] = "message.urgent"
    chat_id: int
    message_id: int
    sms: int


class MessageEdited(Event):
    type: Literal["message.edited"] = "message.edited"
    chat_id: int
    message_id: int
    body: str
    edited_at: str


class MessageDeleted(Event):
    type: Literal["message.deleted"] = "message.deleted"
    chat_id: int
    message_id: int


class ReactionChanged(Event):
    type: Literal["message.reactions"] = "message.reactions"
    chat_id: int
    message_id: int
    reactions: dict[str, int]


class PinsChanged(Event):
    type: Literal["chat.pins"] = "chat.pins"
    chat_id: int
    pinned: list[int]


class ChatRead(Event):
    type: Literal["chat.read"] = "chat.read"
    chat_id: int
    last_read_message_id: int
    reader_id: int


class Typing(Event):
    type: Literal["chat.typing"] = "chat.typing"
    chat_id: int
    user_id: int


class ModerationChanged(Event):
    """The moderation queue of a chat changed (a report, a held message): refresh it."""

    type: Literal["moderation.changed"] = "moderation.changed"
    chat_id: int
    what: str  # reports | held | appeals


class ViolationRecorded(Event):
    type: Literal["moderation.violation"] = "moderation.violation"
    chat_id: int
    user_id: int
    violation: ViolationOut


class BlockChanged(Event):
    """A member's block in a chat began, changed (apology, proposal, objection) or ended."""

    type: Literal["moderation.block"] = "moderation.block"
    chat_id: int
    user_id: int
    block: BlockOut | None  # None: no longer blocked


class HeldDecided(Event):
    type: Literal["moderation.held"] = "moderation.held"
    chat_id: int
    held_id: int
    status: str


class AppealChanged(Event):
    type: Literal["moderation.appeal"] = "moderation.appeal"
    removal_id: int
    status: str


class CallStarted(Event):
    """A call began in a chat (R37); to the chat's members. ``call`` is a ``schemas.calls.CallOut``."""

    type: Literal["call.started"] = "call.started"
    chat_id: int
    call: dict[str, Any]


class CallUpdated(Event):
    """Someone joined or left a chat's live call; to the chat's members."""

    type: Literal["call.updated"] = "call.updated"
    chat_id: int
    call: dict[str, Any]


class CallRinging(Event):
    """A one-to-one call rings: to the other person (not the caller). ``caller`` is a
    ``schemas.common.Person``; the call stops ringing with ``call.updated`` (answered) or
    ``call.ended``."""

    type: Literal["call.ringing"] = "call.ringing"
    chat_id: int
    call: dict[str, Any]
    caller: dict[str, Any]


class CallAdmitted(Event):
    """To someone in a call's waiting room: the host admitted them (join again: it goes in)
    or denied them."""

    type: Literal["call.admitted"] = "call.admitted"
    chat_id: int
    call_id: int
    admitted: bool


class CallEnded(Event):
    type: Literal["call.ended"] = "call.ended"
    chat_id: int
    call_id: int
    reason: str | None = None  # «declined», «unanswered» (a one-to-one call that rang)


class LessonChanged(Event):
    """A lesson in a chat was scheduled, changed or cancelled (R37); to the chat's members, who
    read it again (what each may do with it differs)."""

    type: Literal["lesson.changed"] = "lesson.changed"
    chat_id: int
    lesson_id: int
    change: Literal["scheduled", "changed", "cancelled"]


class MaterialChanged(Event):
    """A material of the library was published, changed, verified or deleted (R36); to those
    who may read it (before and after the change), who fetch it again."""

    type: Literal["material.changed"] = "material.changed"
    material_id: int
    change: Literal["published", "changed", "verified", "deleted"]


class BroadcastChanged(Event):
    """A broadcast was planned or cancelled, or went on or off the air (R38); to its audience
    chats' members and its presenters, who read it again."""

    type: Literal["broadcast.changed"] = "broadcast.changed"
    broadcast_id: int
    change: str


class BroadcastQuestionsChanged(Event):
    """A question was asked (to the presenters) or decided (to the presenters, and to whoever
    watches when it was approved or answered); they read the questions again."""

    type: Literal["broadcast.questions"] = "broadcast.questions"
    broadcast_id: int
    question_id: int


class BroadcastViewers(Event):
    """How many watch a broadcast now; ephemeral, coalesced (at most one a second per
    broadcast), to its presenters and viewers."""

    type: Literal["broadcast.viewers"] = "broadcast.viewers"
    broadcast_id: int
    viewers: int


class LessonReminder(Event):
    """A lesson begins shortly; to the chat's members."""

    type: Literal["lesson.reminder"] = "lesson.reminder"
    chat_id: int
    lesson_id: int
    title: str
    starts_at: str


class PollResultsChanged(Event):
    """A poll's counts changed (coalesced: at most one a second per poll) or it closed (R26).
    To those who may see its results, with the counts; to the chat's other members without
    them (``counts`` None: «results changed», the number who answered). Never names."""

    type: Literal["poll.results"] = "poll.results"
    chat_id: int
    poll_id: int
    voters: int
    counts: dict[int, int] | None
    closed: bool


class PollVoted(Event):
    """The caller's own vote, at once, to their other devices: the poll as they now see it."""

    type: Literal["poll.voted"] = "poll.voted"
    chat_id: int
    poll: PollOut


class PollReminder(Event):
    """A named poll's author asks those who have not answered to answer; to them alone."""

    type: Literal["poll.reminder"] = "poll.reminder"
    chat_id: int
    poll_id: int
    question: str
    chat_title: str


class AckChanged(Event):
    """An announcement that needs an acknowledgement was marked, or a family confirmed it: to
    those who see its count (its author, the chat's moderators and staff) and to the
    confirming family's guardians; they read it again. Confirmations close together may be
    read as one."""

    type: Literal["ack.changed"] = "ack.changed"
    chat_id: int
    ack_id: int
    message_id: int
    confirmed: int
    total: int


class AckMarked(Event):
    """A post was marked «Требует подтверждения»: to the chat's other members (the families),
    whose pages then show «Ознакомлен(а)» on it. No count: the count is the school's."""

    type: Literal["ack.marked"] = "ack.marked"
    chat_id: int
    ack_id: int
    message_id: int


class AckReminder(Event):
    """A step of an announcement's escalation ladder: ``reminder`` and ``second_guardian`` to
    the guardians of the families that have not confirmed; ``call_list`` to a class teacher,
    with how many families to call."""

    type: Literal["ack.reminder"] = "ack.reminder"
    chat_id: int
    ack_id: int
    step: Literal["reminder", "second_guardian", "call_list"]
    urgent: bool = False
    families: int = 0


class ScheduledChanged(Event):
    """One's own scheduled message was made, changed, cancelled, sent, or refused at its time;
    to its author only."""

    type: Literal["scheduled.changed"] = "scheduled.changed"
    chat_id: int
    scheduled_id: int
    status: Literal["pending", "sent", "held", "failed", "cancelled"]


@dataclass(eq=True, slots=True)
class Envelope:
    """An event with the users it goes to and, once stored, its id in the stream.

    The id is the same for every recipient (ids grow in commit order across all streams), so
    the text a client receives is built once and the same string (or the same frame's bytes)
    goes to every socket.
    ``ephemeral`` events (typing, presence) are never stored and may be dropped.
    """

    event: Event
    audience: frozenset[int] = frozenset()
    id: int = 0
    ephemeral: bool = False
    # When its transaction committed (wall clock, seconds), for the delivery-latency metric.
    committed_at: float = field(default=0.0, compare=False, repr=False)
    _body: str | None = field(default=None, compare=False, repr=False)
    _wire: str | None = field(default=None, compare=False, repr=False)
    _frame: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def body(self) -> str:
        """The event's JSON, serialized once."""
        if self._body is None:
            self._body = self.event.model_dump_json()
        return self._body

    def wire(self) -> str:
        """What a client receives: the event's fields with its stream id first."""
        if self._wire is None:
            self._wire = wire(self.id, self.body)
        return self._wire

    def frame(self) -> bytes:
        """The WebSocket frame carrying :meth:`wire`, built once for every socket."""
        if self._frame is None:
            # Imported here: frames.py brings in uvicorn, which whatever emits events (the CLI,
            # workers, tests) has no need to load.
            from parta.realtime.frames import text_frame

            self._frame = text_frame(self.wire())
        return self._frame

    @property
    def ids(self) -> dict[int, int]:
        """Each recipient's stream id for this event (one id for all; none if not stored)."""
        return dict.fromkeys(self.audience, self.id) if self.id else {}

    def payload(self) -> dict[str, Any]:
        return self.event.model_dump(mode="json")


def wire(event_id: int, body: str) -> str:
    return f'{{"id":{event_id},{body[1:]}' if event_id else body


@cache
def _types() -> dict[str, type[Event]]:
    found: dict[str, type[Event]] = {}
    stack = list(Event.__subclasses__())
    while stack:
        cls = stack.pop()
        found[cls.model_fields["type"].default] = cls
        stack.extend(cls.__subclasses__())
    return found


def event_from_dict(data: dict[str, Any]) -> Event:
    """The typed event for a payload that crossed a process boundary; unknown types are refused."""
    cls = _types().get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    return cls.model_validate(data)
